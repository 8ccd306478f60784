import { describe, expect, it } from "vitest";
import { isJsonObject } from "../../../../src/json.js";
import type { JsonObject, JsonValue } from "../../../../src/json.js";
import type { LiveScheduledRule } from "../../../../src/resources/scheduled-rule/normalize.js";
import { planScheduledRule } from "../../../../src/resources/scheduled-rule/plan.js";
import { manifestSpecHash } from "../../../../src/resources/common/spec-hash.js";
import { OWNER_TAG, SOURCE_TAG, SPEC_HASH_TAG } from "../../../../src/resources/types.js";
import { manifestOf, planContext, resolverOf } from "../builders.js";
import { getAt, leafPaths, mutated, setAt } from "../../../support/json-mutation.js";
import type { Path } from "../../../support/json-mutation.js";

/*
 * A rule whose targets set every field the manifest can express (launchType and a strategy
 * together, which EventBridge would refuse; the normalizer treats each field on its own). Every leaf
 * of the live answer is mutated, the Input JSON leaf by leaf, and each mutation must be a change.
 */
const overrides: JsonObject = {
  containerOverrides: [
    {
      name: "report",
      command: ["bundle", "exec", "rake", "report:nightly"],
      environment: [
        { name: "DRY_RUN", value: "false" },
        { name: "REPORT_KIND", value: "sales" },
      ],
      environmentFiles: [{ type: "s3", value: "arn:aws:s3:::cfg/report.env" }],
      resourceRequirements: [{ type: "GPU", value: "1" }],
      cpu: 256,
      memory: 512,
      memoryReservation: 256,
    },
    { name: "sidecar", command: ["run"] },
  ],
  cpu: "1024",
  memory: "2048",
  taskRoleArn: "arn:aws:iam::123456789012:role/report-task",
  executionRoleArn: "arn:aws:iam::123456789012:role/report-exec",
  ephemeralStorage: { sizeInGiB: 30 },
};

const spec: JsonObject = {
  scheduleExpression: "cron(0 2 * * ? *)",
  state: "ENABLED",
  description: "Nightly sales report",
  roleArn: "arn:aws:iam::123456789012:role/rule-role",
  targets: [
    {
      id: "report",
      cluster: "batch",
      taskDefinition: "report",
      roleArn: "ecsEventsRole",
      taskCount: 2,
      launchType: "FARGATE",
      capacityProviderStrategy: [
        { capacityProvider: "FARGATE", base: 1, weight: 1 },
        { capacityProvider: "FARGATE_SPOT", base: 0, weight: 3 },
      ],
      platformVersion: "1.4.0",
      group: "reports",
      networkConfiguration: {
        awsvpcConfiguration: { subnets: ["subnet-a", "subnet-b"], securityGroups: ["sg-1", "sg-2"], assignPublicIp: "ENABLED" },
      },
      enableECSManagedTags: true,
      enableExecuteCommand: true,
      placementConstraints: [{ type: "memberOf", expression: "attribute:ecs.os-type == linux" }],
      placementStrategy: [
        { type: "spread", field: "attribute:ecs.availability-zone" },
        { type: "binpack", field: "memory" },
      ],
      propagateTags: "TASK_DEFINITION",
      referenceId: "nightly",
      tags: [
        { key: "team", value: "shop" },
        { key: "job", value: "report" },
      ],
      overrides,
      retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
      deadLetterConfig: { arn: "arn:aws:sqs:us-east-1:123456789012:report-dlq" },
    },
    { id: "cleanup", cluster: "batch", taskDefinition: "cleanup:7", roleArn: "ecsEventsRole" },
  ],
};

const REPORT_TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/report:5";
const CLEANUP_TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/cleanup:7";
const manifest = manifestOf("ScheduledRule", "nightly-report", spec, { labels: { team: "shop" } });
const ctx = planContext({ resolveTaskDefinition: resolverOf({ report: REPORT_TD, "cleanup:7": CLEANUP_TD }) });

/** What DescribeRule, ListTargetsByRule and ListTagsForResource answer after ecs-gitops applied `manifest`. */
function richLive(): LiveScheduledRule {
  return {
    rule: {
      Name: "nightly-report",
      Arn: "arn:aws:events:us-east-1:123456789012:rule/nightly-report",
      ScheduleExpression: "cron(0 2 * * ? *)",
      State: "ENABLED",
      Description: "Nightly sales report",
      RoleArn: "arn:aws:iam::123456789012:role/rule-role",
      EventBusName: "default",
      CreatedBy: "123456789012",
    },
    targets: [
      {
        Id: "report",
        Arn: "arn:aws:ecs:us-east-1:123456789012:cluster/batch",
        RoleArn: "arn:aws:iam::123456789012:role/ecsEventsRole",
        Input: JSON.stringify(overrides),
        EcsParameters: {
          TaskDefinitionArn: REPORT_TD,
          TaskCount: 2,
          LaunchType: "FARGATE",
          CapacityProviderStrategy: [
            { capacityProvider: "FARGATE", weight: 1, base: 1 },
            { capacityProvider: "FARGATE_SPOT", weight: 3, base: 0 },
          ],
          NetworkConfiguration: {
            awsvpcConfiguration: { Subnets: ["subnet-a", "subnet-b"], SecurityGroups: ["sg-1", "sg-2"], AssignPublicIp: "ENABLED" },
          },
          PlatformVersion: "1.4.0",
          Group: "reports",
          EnableECSManagedTags: true,
          EnableExecuteCommand: true,
          PlacementConstraints: [{ type: "memberOf", expression: "attribute:ecs.os-type == linux" }],
          PlacementStrategy: [
            { type: "spread", field: "attribute:ecs.availability-zone" },
            { type: "binpack", field: "memory" },
          ],
          PropagateTags: "TASK_DEFINITION",
          ReferenceId: "nightly",
          Tags: [
            { Key: "team", Value: "shop" },
            { Key: "job", Value: "report" },
          ],
        },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: "arn:aws:sqs:us-east-1:123456789012:report-dlq" },
      },
      {
        Id: "cleanup",
        Arn: "arn:aws:ecs:us-east-1:123456789012:cluster/batch",
        RoleArn: "arn:aws:iam::123456789012:role/ecsEventsRole",
        EcsParameters: { TaskDefinitionArn: CLEANUP_TD, TaskCount: 1, EnableECSManagedTags: false, EnableExecuteCommand: false },
      },
    ],
    tags: [
      { Key: OWNER_TAG, Value: "ecs-gitops" },
      { Key: SOURCE_TAG, Value: "nightly-report.yaml" },
      { Key: SPEC_HASH_TAG, Value: manifestSpecHash(manifest) },
      { Key: "team", Value: "shop" },
    ],
  };
}

const asJson = (live: LiveScheduledRule): JsonObject => ({ rule: live.rule, targets: live.targets, tags: live.tags });
const fromJson = (json: JsonObject): LiveScheduledRule => ({
  rule: json["rule"] as JsonObject,
  targets: json["targets"] as JsonObject[],
  tags: json["tags"] as JsonValue[],
});

// Identity is not compared: the rule's name, ARN, bus and creator (the key found this rule).
const IDENTITY = new Set(["Name", "Arn", "EventBusName", "CreatedBy"]);
const ruleLeaves = leafPaths(asJson(richLive()))
  .filter((p) => !(p[0] === "rule" && IDENTITY.has(String(p[1]))))
  .filter((p) => p[0] !== "tags" && p[p.length - 1] !== "Input");
const inputLeaves = leafPaths(overrides).map((p) => ["targets", 0, "Input", ...p]);

function mutateLive(path: Path): LiveScheduledRule {
  const json = asJson(structuredClone(richLive()));
  const inputAt = path.indexOf("Input");
  if (inputAt >= 0) {
    const parsed = JSON.parse(String(getAt(json, path.slice(0, inputAt + 1)))) as JsonObject;
    const inner = path.slice(inputAt + 1);
    setAt(parsed, inner, mutated(getAt(parsed, inner)));
    setAt(json, path.slice(0, inputAt + 1), JSON.stringify(parsed));
  } else {
    setAt(json, path, mutated(getAt(json, path)));
  }
  return fromJson(json);
}

describe("scheduled rule mutation coverage", () => {
  it("starts from a live rule that matches the rich spec", () => {
    expect(planScheduledRule(manifest, richLive(), ctx)).toMatchObject({ type: "noop", changes: [] });
  });

  it("covers every leaf of the rule, its targets and their Input", () => {
    expect(ruleLeaves.length + inputLeaves.length).toBeGreaterThanOrEqual(60);
  });

  it.each([...ruleLeaves, ...inputLeaves].map((p) => [p.join("."), p] as const))("detects a live change at %s", (_name, path) => {
    expect(planScheduledRule(manifest, mutateLive(path), ctx).changes).not.toEqual([]);
  });

  it.each([[OWNER_TAG], ["team"], [SPEC_HASH_TAG]])("detects a changed rule tag %s", (key) => {
    const live = richLive();
    live.tags = live.tags.map((t) => (isJsonObject(t) && t["Key"] === key ? { Key: key, Value: "other" } : t));
    expect(planScheduledRule(manifest, live, ctx).changes.map((c) => c.path)).toEqual([`/tags/${key}`]);
  });

  it.each([["Name"], ["Arn"], ["EventBusName"], ["CreatedBy"]])("ignores the rule's identity field %s", (field) => {
    const live = richLive();
    live.rule[field] = "changed";
    expect(planScheduledRule(manifest, live, ctx).changes).toEqual([]);
  });
});

describe("scheduled rule order", () => {
  const reversed = (path: Path, insideInput = false): LiveScheduledRule => {
    const json = asJson(structuredClone(richLive()));
    if (insideInput) {
      const at: Path = ["targets", 0, "Input"];
      const parsed = JSON.parse(String(getAt(json, at))) as JsonObject;
      setAt(parsed, path, [...(getAt(parsed, path) as JsonValue[])].reverse());
      setAt(json, at, JSON.stringify(parsed));
    } else {
      setAt(json, path, [...(getAt(json, path) as JsonValue[])].reverse());
    }
    return fromJson(json);
  };
  const setLike: [string, Path, boolean][] = [
    ["targets", ["targets"], false],
    ["rule tags", ["tags"], false],
    ["subnets", ["targets", 0, "EcsParameters", "NetworkConfiguration", "awsvpcConfiguration", "Subnets"], false],
    ["security groups", ["targets", 0, "EcsParameters", "NetworkConfiguration", "awsvpcConfiguration", "SecurityGroups"], false],
    ["task tags", ["targets", 0, "EcsParameters", "Tags"], false],
    ["capacity provider strategy", ["targets", 0, "EcsParameters", "CapacityProviderStrategy"], false],
    ["container overrides", ["containerOverrides"], true],
    ["environment", ["containerOverrides", 0, "environment"], true],
  ];
  it.each(setLike)("permuting %s on the live side is no change", (_name, path, insideInput) => {
    expect(planScheduledRule(manifest, reversed(path, insideInput), ctx).changes).toEqual([]);
  });

  it.each([
    ["placementStrategy", ["targets", 0, "EcsParameters", "PlacementStrategy"], false],
    ["command in container overrides", ["containerOverrides", 0, "command"], true],
  ] as [string, Path, boolean][])("permuting %s on the live side is a change", (_name, path, insideInput) => {
    expect(planScheduledRule(manifest, reversed(path, insideInput), ctx).changes).not.toEqual([]);
  });
});
