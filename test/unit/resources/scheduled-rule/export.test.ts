import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderManifest } from "../../../../src/cli/commands/export.js";
import { isJsonObject } from "../../../../src/json.js";
import type { JsonObject, JsonValue } from "../../../../src/json.js";
import { loadManifestFiles } from "../../../../src/manifests/load.js";
import type { LoadResult } from "../../../../src/manifests/types.js";
import { finishDesiredState } from "../../../../src/resources/load.js";
import { exportScheduledRule } from "../../../../src/resources/scheduled-rule/export.js";
import type { ExportedManifest } from "../../../../src/resources/scheduled-rule/export.js";
import type { LiveScheduledRule } from "../../../../src/resources/scheduled-rule/normalize.js";
import { planScheduledRule } from "../../../../src/resources/scheduled-rule/plan.js";
import { OWNER_TAG, SOURCE_TAG, SPEC_HASH_TAG } from "../../../../src/resources/types.js";
import { planContext, resolverOf } from "../builders.js";
import { fargateTaskDefinition, yamlOf } from "../validate-fixtures.js";

const fixture = (name: string): JsonObject =>
  JSON.parse(readFileSync(new URL(`../../../fixtures/aws/${name}`, import.meta.url), "utf8")) as JsonObject;
const TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/report:5";
const OWNERSHIP_CHANGES = [OWNER_TAG, SOURCE_TAG, SPEC_HASH_TAG].map((tag) => `/tags/${tag}`).sort();

/** DescribeRule + ListTargetsByRule + ListTagsForResource of the fixtures, as a hand-made rule: no ecs-gitops tags. */
function handMade(): LiveScheduledRule {
  const tags = (fixture("rule-reconstructed-list-tags.json")["Tags"] as JsonObject[]).filter(
    (t) => !String(t["Key"]).startsWith("ecs-gitops:"),
  );
  return {
    rule: fixture("rule-reconstructed-describe-rule.json"),
    targets: fixture("rule-reconstructed-list-targets-ecs.json")["Targets"] as JsonObject[],
    tags,
  };
}

/** The rule and (when it names a family) a task definition of that family, read back as `validate` does. */
function loadExported(result: ExportedManifest, family?: string): LoadResult {
  const encode = (text: string) => new TextEncoder().encode(text);
  const files = [{ file: "nightly-report/scheduled-rule.yaml", bytes: encode(renderManifest(result, "Exported from a test fixture")) }];
  if (family !== undefined) {
    const td = fargateTaskDefinition(family);
    (td.spec["containerDefinitions"] as JsonObject[])[0]!["name"] = "report";
    files.push({ file: "nightly-report/task-definition.yaml", bytes: encode(yamlOf(td)) });
  }
  return finishDesiredState(loadManifestFiles(files));
}

function target(result: ExportedManifest, index = 0): JsonObject {
  return ((result.document["spec"] as JsonObject)["targets"] as JsonObject[])[index]!;
}

describe("exportScheduledRule round trip on the EventBridge response shapes", () => {
  it.each([
    { how: "pinned family:revision (default)", reference: undefined, family: undefined, resolver: { "report:5": TD } },
    { how: "the family the export also writes", reference: () => ({ ref: "report" }), family: "report", resolver: { report: TD } },
  ])("validates and plans no change but the ownership tags: $how", ({ reference, family, resolver }) => {
    const result = exportScheduledRule(handMade(), reference ? { taskDefinition: reference } : {});
    const loaded = loadExported(result, family);
    expect(loaded.problems.filter((p) => p.severity === "error")).toEqual([]);
    const manifest = loaded.manifests.find((m) => m.kind === "ScheduledRule");
    expect(manifest?.annotations).toEqual({ "ecs-gitops/adopt": "true" });
    if (!manifest) return;
    const action = planScheduledRule(manifest, handMade(), planContext({ resolveTaskDefinition: resolverOf(resolver) }));
    expect(action.changes.map((c) => c.path).sort()).toEqual(OWNERSHIP_CHANGES);
    expect(action.type).toBe("update");
    expect(action.type !== "blocked" && action.calls.map((c) => c.operation)).toEqual(["events:TagResource"]);
  });

  it("writes the manifest's camelCase, without the defaults EventBridge reports", () => {
    const result = exportScheduledRule(handMade());
    expect(result.document).toEqual({
      apiVersion: "ecs-gitops/v1",
      kind: "ScheduledRule",
      metadata: { name: "nightly-report", annotations: { "ecs-gitops/adopt": "true" } },
      spec: {
        scheduleExpression: "cron(0 2 * * ? *)",
        description: "Nightly sales report",
        targets: [
          {
            id: "report",
            cluster: "batch",
            taskDefinition: "report:5",
            roleArn: "arn:aws:iam::123456789012:role/ecsEventsRole",
            launchType: "FARGATE",
            platformVersion: "LATEST",
            networkConfiguration: {
              awsvpcConfiguration: {
                subnets: ["subnet-0d0eab1bb38d5ca64", "subnet-0db5010045995c2d5"],
                securityGroups: ["sg-02556bf85a191f59a"],
              },
            },
            overrides: {
              containerOverrides: [
                {
                  name: "report",
                  command: ["bundle", "exec", "rake", "report:nightly"],
                  environment: [
                    { name: "REPORT_KIND", value: "sales" },
                    { name: "DRY_RUN", value: "false" },
                  ],
                },
              ],
            },
            retryPolicy: { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 86400 },
          },
        ],
      },
    });
    expect(result.reviews).toEqual([]);
    expect(result.ecsTargets).toBe(1);
  });

  it("keeps what differs from the defaults: DISABLED, taskCount, public IP, a bus, labels", () => {
    const live = handMade();
    live.rule = {
      ...live.rule,
      State: "DISABLED",
      EventBusName: "jobs",
      Arn: "arn:aws:events:us-east-1:123456789012:rule/jobs/nightly-report",
    };
    const ecs = live.targets[0]!["EcsParameters"] as JsonObject;
    ecs["TaskCount"] = 3;
    ecs["EnableExecuteCommand"] = true;
    ((ecs["NetworkConfiguration"] as JsonObject)["awsvpcConfiguration"] as JsonObject)["AssignPublicIp"] = "ENABLED";
    live.tags = [
      { Key: "team", Value: "shop" },
      { Key: "aws:cloudformation:stack-id", Value: "x" },
      { Key: OWNER_TAG, Value: "other" },
    ];
    const result = exportScheduledRule(live);
    expect(result.document["metadata"]).toEqual({
      name: "nightly-report",
      labels: { team: "shop" },
      annotations: { "ecs-gitops/adopt": "true" },
    });
    expect(result.document["spec"]).toMatchObject({ state: "DISABLED", eventBusName: "jobs" });
    expect(target(result)).toMatchObject({
      taskCount: 3,
      enableExecuteCommand: true,
      networkConfiguration: { awsvpcConfiguration: { assignPublicIp: "ENABLED" } },
    });
  });

  it("writes a cluster of another account or region by ARN", () => {
    const live = handMade();
    live.targets = [{ ...live.targets[0]!, Arn: "arn:aws:ecs:eu-west-1:123456789012:cluster/batch" }];
    expect(target(exportScheduledRule(live))["cluster"]).toBe("arn:aws:ecs:eu-west-1:123456789012:cluster/batch");
  });
});

describe("exportScheduledRule flags what a ScheduledRule cannot hold", () => {
  it("skips a target that is not an ECS task, and warns that applying would remove it", () => {
    const live = handMade();
    live.targets = [...live.targets, { Id: "notify", Arn: "arn:aws:lambda:us-east-1:123456789012:function:notify" }];
    const result = exportScheduledRule(live);
    expect(result.skippedTargets).toEqual([{ id: "notify", arn: "arn:aws:lambda:us-east-1:123456789012:function:notify" }]);
    expect((result.document["spec"] as JsonObject)["targets"]).toHaveLength(1);
    expect(result.reviews).toEqual([{ path: ["spec", "targets"], message: expect.stringMatching(/notify .*REMOVES them/) }]);
    const yaml = renderManifest(result);
    expect(yaml).toMatch(/# review: not exported, not ECS task targets: notify/);
    expect(parse(yaml)).toEqual(result.document);
  });

  it("has no ECS target when none is one", () => {
    const live = handMade();
    live.targets = [{ Id: "q", Arn: "arn:aws:sqs:us-east-1:123456789012:jobs" }];
    expect(exportScheduledRule(live).ecsTargets).toBe(0);
  });

  it.each([
    { field: "Input", value: "plain text", pattern: /Input is not a JSON object/ },
    { field: "InputPath", value: "$.detail", pattern: /InputPath/ },
    {
      field: "Input",
      value: JSON.stringify({ containerOverrides: [{ name: "report", command: ["x"] }], somethingElse: 1 }),
      pattern: /somethingElse/,
    },
  ])("flags $field $value for review", ({ field, value, pattern }) => {
    const live = handMade();
    live.targets = [{ ...live.targets[0]!, [field]: value as JsonValue }];
    const result = exportScheduledRule(live);
    expect(result.reviews).toEqual([{ path: ["spec", "targets", 0], message: expect.stringMatching(pattern) }]);
    expect(JSON.stringify(result.document)).not.toMatch(/somethingElse|plain text|\$\.detail/);
  });

  it("drops container overrides that name only the container", () => {
    const live = handMade();
    live.targets = [{ ...live.targets[0]!, Input: JSON.stringify({ containerOverrides: [{ name: "report" }] }) }];
    expect(target(exportScheduledRule(live))["overrides"]).toBeUndefined();
  });

  it("flags a plaintext secret-looking variable in a container override, suggesting secrets", () => {
    const live = handMade();
    const overrides = {
      containerOverrides: [
        {
          name: "report",
          environment: [
            { name: "REGION", value: "eu-west-1" },
            { name: "SMTP_PASSWORD", value: "pw" },
          ],
        },
      ],
    };
    live.targets = [{ ...live.targets[0]!, Input: JSON.stringify(overrides) }];
    const reviews = exportScheduledRule(live).reviews.filter((r) => /secret in plain text/.test(r.message));
    expect(reviews.map((r) => r.path)).toEqual([["spec", "targets", 0, "overrides", "containerOverrides", 0, "environment", 1]]);
  });

  it("keeps the rule's event pattern as a mapping", () => {
    const live = handMade();
    const { ScheduleExpression: _schedule, ...rule } = live.rule;
    live.rule = { ...rule, EventPattern: JSON.stringify({ source: ["aws.s3"] }) };
    const spec = exportScheduledRule(live).document["spec"] as JsonObject;
    expect(spec["eventPattern"]).toEqual({ source: ["aws.s3"] });
    expect(isJsonObject(spec["eventPattern"])).toBe(true);
  });
});
