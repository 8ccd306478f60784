import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../../../src/json.js";
import { copy, ec2TaskDefinition, fargateTaskDefinition, rulesOf, scheduledRule, validateDocs, yamlOf } from "../validate-fixtures.js";
import type { Doc } from "../validate-fixtures.js";

const variant = (base: Doc, mutate: (spec: JsonObject) => void): Doc => {
  const doc = copy(base);
  mutate(doc.spec);
  return doc;
};
const targets = (spec: JsonObject) => spec["targets"] as JsonObject[];
const target = (spec: JsonObject) => targets(spec)[0]!;
const nightly = (mutate: (spec: JsonObject) => void) => [fargateTaskDefinition(), variant(scheduledRule(), mutate)];
const ec2Nightly = (mutate: (spec: JsonObject) => void) => [
  ec2TaskDefinition(),
  variant(scheduledRule("nightly", "worker"), (s) => {
    delete target(s)["networkConfiguration"];
    target(s)["launchType"] = "EC2";
    mutate(s);
  }),
];

describe("validateScheduledRule", () => {
  it("accepts a nightly Fargate task and an EC2 task", () => {
    expect(validateDocs(nightly(() => {})).problems).toEqual([]);
    expect(validateDocs(ec2Nightly(() => {})).problems).toEqual([]);
  });

  const failing: { name: string; docs: Doc[]; rules: string[]; code?: "Semantic" | "UnresolvedReference"; defaultCluster?: string }[] = [
    { name: "neither schedule nor pattern", docs: nightly((s) => delete s["scheduleExpression"]), rules: ["rule-schedule-or-pattern"] },
    { name: "rate(1 minutes)", docs: nightly((s) => (s["scheduleExpression"] = "rate(1 minutes)")), rules: ["schedule-expression"] },
    { name: "a five-field cron", docs: nightly((s) => (s["scheduleExpression"] = "cron(0 3 * * ?)")), rules: ["schedule-expression"] },
    {
      name: "a schedule on a custom event bus",
      docs: nightly((s) => (s["eventBusName"] = "orders")),
      rules: ["rule-schedule-default-bus"],
    },
    {
      name: "an eventPattern string that is not JSON",
      docs: nightly((s) => {
        delete s["scheduleExpression"];
        s["eventPattern"] = "{source: aws.ecs}";
      }),
      rules: ["event-pattern"],
    },
    {
      name: "an eventPattern string that is a JSON list",
      docs: nightly((s) => {
        delete s["scheduleExpression"];
        s["eventPattern"] = "[1]";
      }),
      rules: ["event-pattern"],
    },
    {
      name: "an eventPattern over 4096 characters",
      docs: nightly((s) => {
        delete s["scheduleExpression"];
        s["eventPattern"] = { source: Array.from({ length: 400 }, (_, i) => `my.app.source-${i}`) };
      }),
      rules: ["event-pattern"],
    },
    {
      name: "6 targets",
      docs: nightly((s) => (s["targets"] = Array.from({ length: 6 }, (_, i) => ({ ...target(s), id: `t${i}` })))),
      rules: ["rule-target-count"],
    },
    { name: "two targets with one id", docs: nightly((s) => targets(s).push({ ...target(s) })), rules: ["rule-target-id-unique"] },
    { name: "a target without roleArn", docs: nightly((s) => delete target(s)["roleArn"]), rules: ["rule-target-role"] },
    { name: "a target without cluster and no default", docs: nightly((s) => delete target(s)["cluster"]), rules: ["rule-target-cluster"] },
    {
      name: "a target on an undefined family",
      docs: nightly((s) => (target(s)["taskDefinition"] = "report")),
      rules: ["rule-target-task-definition"],
      code: "UnresolvedReference",
    },
    {
      name: "a target with launchType and capacityProviderStrategy",
      docs: nightly((s) => (target(s)["capacityProviderStrategy"] = [{ capacityProvider: "FARGATE_SPOT", weight: 1 }])),
      rules: ["rule-target-launch-type-capacity-provider"],
    },
    {
      name: "an awsvpc target without networkConfiguration",
      docs: nightly((s) => delete target(s)["networkConfiguration"]),
      rules: ["rule-target-network-configuration"],
    },
    {
      name: "a target with 17 subnets",
      docs: nightly(
        (s) =>
          ((target(s)["networkConfiguration"] as JsonObject)["awsvpcConfiguration"] = {
            subnets: Array.from({ length: 17 }, (_, i) => `subnet-${i}`),
          }),
      ),
      rules: ["rule-target-subnets"],
    },
    {
      name: "a target with 6 security groups",
      docs: nightly(
        (s) =>
          ((target(s)["networkConfiguration"] as JsonObject)["awsvpcConfiguration"] = {
            subnets: ["subnet-1"],
            securityGroups: ["a", "b", "c", "d", "e", "f"],
          }),
      ),
      rules: ["rule-target-security-groups"],
    },
    { name: "taskCount 11", docs: nightly((s) => (target(s)["taskCount"] = 11)), rules: ["rule-target-task-count"] },
    {
      name: "an empty scheduleExpression beside a pattern on a custom bus",
      docs: nightly((s) => {
        s["scheduleExpression"] = "";
        s["eventPattern"] = { source: ["shop.orders"] };
        s["eventBusName"] = "orders";
      }),
      rules: ["schedule-expression"],
    },
    {
      name: "an override of an unknown container",
      docs: nightly((s) => (target(s)["overrides"] = { containerOverrides: [{ name: "report", command: ["run"] }] })),
      rules: ["rule-target-override-container"],
      code: "UnresolvedReference",
    },
    {
      name: "a task tag with the aws: prefix",
      docs: nightly((s) => (target(s)["tags"] = [{ key: "aws:team", value: "shop" }])),
      rules: ["rule-target-tags"],
    },
    {
      name: "51 task tags",
      docs: nightly((s) => (target(s)["tags"] = Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: "v" })))),
      rules: ["rule-target-tags"],
    },
  ];

  it.each(failing)("reports $rules for $name", ({ docs, rules, code, defaultCluster }) => {
    const result = validateDocs(docs, defaultCluster === undefined ? {} : { defaultCluster });
    expect(rulesOf(result)).toEqual(rules);
    expect(result.problems[0]).toMatchObject({
      code: code ?? "Semantic",
      key: expect.stringMatching(/^ScheduledRule\/(default|orders)\/nightly$/),
      file: "ScheduledRule-nightly.yaml",
    });
    expect(result.manifests.map((m) => m.kind)).toEqual(["TaskDefinition"]);
  });

  const passing: { name: string; docs: Doc[]; defaultCluster?: string }[] = [
    { name: "a target relying on the default cluster", docs: nightly((s) => delete target(s)["cluster"]), defaultCluster: "shop" },
    {
      name: "an eventPattern mapping on a custom bus",
      docs: nightly((s) => {
        delete s["scheduleExpression"];
        s["eventBusName"] = "orders";
        s["eventPattern"] = { source: ["shop.orders"] };
      }),
    },
    {
      name: "an eventPattern JSON string",
      docs: nightly((s) => {
        delete s["scheduleExpression"];
        s["eventPattern"] = '{"source": ["aws.ecs"]}';
      }),
    },
    { name: "both a schedule and a pattern", docs: nightly((s) => (s["eventPattern"] = { source: ["aws.ecs"] })) },
    { name: "the default bus named explicitly", docs: nightly((s) => (s["eventBusName"] = "default")) },
    { name: "a pinned task definition", docs: [variant(scheduledRule("nightly", "report:7"), () => {})] },
    { name: "rate(1 day)", docs: nightly((s) => (s["scheduleExpression"] = "rate(1 day)")) },
    {
      name: "overrides of a known container",
      docs: nightly(
        (s) =>
          (target(s)["overrides"] = {
            containerOverrides: [{ name: "app", command: ["report"], environment: [{ name: "X", value: "1" }] }],
          }),
      ),
    },
    {
      name: "a Fargate capacity provider strategy",
      docs: nightly((s) => {
        delete target(s)["launchType"];
        target(s)["capacityProviderStrategy"] = [{ capacityProvider: "FARGATE_SPOT", weight: 1 }];
      }),
    },
  ];

  it.each(passing)("accepts $name", ({ docs, defaultCluster }) => {
    expect(validateDocs(docs, defaultCluster === undefined ? {} : { defaultCluster }).problems).toEqual([]);
  });

  it("accepts an ARN without a revision, with a warning that says it follows the latest ACTIVE revision", () => {
    const arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/report";
    const result = validateDocs([variant(scheduledRule("nightly", arn), () => {})]);
    expect(result.problems.map((p) => [p.severity, p.rule])).toEqual([["warning", "rule-target-task-definition"]]);
    expect(result.problems[0]?.message).toMatch(/latest ACTIVE/);
    expect(result.manifests.map((m) => m.kind)).toEqual(["ScheduledRule"]);
    // The repo's own family written as an ARN means what the bare name means: no warning.
    expect(validateDocs([fargateTaskDefinition("report"), variant(scheduledRule("nightly", arn), () => {})]).problems).toEqual([]);
  });

  it("points at the schedule expression", () => {
    const docs = nightly((s) => (s["scheduleExpression"] = "cron(0 3 * * * *)"));
    const lines = yamlOf(docs[1]!).split("\n");
    const line = lines.findIndex((l) => l.includes("scheduleExpression:")) + 1;
    expect(validateDocs(docs).problems).toMatchObject([
      { rule: "schedule-expression", line, column: lines[line - 1]!.indexOf("cron") + 1 },
    ]);
  });
});
