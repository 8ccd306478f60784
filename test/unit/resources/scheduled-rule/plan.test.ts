import { describe, expect, it } from "vitest";
import type { JsonObject, JsonValue } from "../../../../src/json.js";
import type { Manifest } from "../../../../src/manifests/types.js";
import type { LiveScheduledRule } from "../../../../src/resources/scheduled-rule/normalize.js";
import { planScheduledRule } from "../../../../src/resources/scheduled-rule/plan.js";
import { manifestSpecHash } from "../../../../src/resources/common/spec-hash.js";
import { arnPlaceholder, OWNER_TAG, REVISION_TAG, SOURCE_TAG, SPEC_HASH_TAG } from "../../../../src/resources/types.js";
import type { Action, PlannedCall } from "../../../../src/resources/types.js";
import { manifestOf, merge, planContext, resolverOf } from "../builders.js";
import type { Overrides } from "../builders.js";

const TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/report:5";
const CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/batch";
const ROLE = "arn:aws:iam::123456789012:role/ecsEventsRole";
const RULE_ARN = "arn:aws:events:us-east-1:123456789012:rule/nightly";
const ctx = planContext({ resolveTaskDefinition: resolverOf({ report: TD }) });

const target = (fields: Overrides = {}): JsonObject =>
  merge({ id: "report", cluster: "batch", taskDefinition: "report", roleArn: "ecsEventsRole" }, fields);
const spec = (fields: Overrides = {}): JsonObject => merge({ scheduleExpression: "cron(0 2 * * ? *)", targets: [target()] }, fields);

function liveTarget(id = "report", extra: Overrides = {}): JsonObject {
  return merge(
    {
      Id: id,
      Arn: CLUSTER,
      RoleArn: ROLE,
      EcsParameters: { TaskDefinitionArn: TD, TaskCount: 1, EnableECSManagedTags: false, EnableExecuteCommand: false },
    },
    extra,
  );
}

/** The rule as ecs-gitops left it after applying `spec()`; `rule`, `targets` and `tags` say what differs. */
function live(rule: Overrides = {}, targets: JsonObject[] = [liveTarget()], tags: JsonValue[] = ownedTags()): LiveScheduledRule {
  return {
    rule: merge(
      { Name: "nightly", Arn: RULE_ARN, ScheduleExpression: "cron(0 2 * * ? *)", State: "ENABLED", EventBusName: "default" },
      rule,
    ),
    targets,
    tags,
  };
}

/** The tags ecs-gitops wrote when it applied `applied`: ownership, its spec hash, an older commit. */
function ownedTags(applied: Manifest = nightly()): JsonValue[] {
  return [
    { Key: OWNER_TAG, Value: "ecs-gitops" },
    { Key: SOURCE_TAG, Value: "nightly.yaml" },
    { Key: SPEC_HASH_TAG, Value: manifestSpecHash(applied) },
    { Key: REVISION_TAG, Value: "0ld" },
  ];
}

const nightly = (s: JsonObject = spec(), options: Parameters<typeof manifestOf>[3] = {}) =>
  manifestOf("ScheduledRule", "nightly", s, options);

function calls(action: Action): PlannedCall[] {
  return action.type === "blocked" ? [] : action.calls;
}

function ofType(action: Action, operation: PlannedCall["operation"]): JsonObject[] {
  return calls(action)
    .filter((c) => c.operation === operation)
    .map((c) => c.input);
}

describe("planScheduledRule: create", () => {
  it("puts the rule with State, Description and tags, then its targets in the API shape", () => {
    const withOverrides = spec({
      targets: [
        target({
          overrides: { containerOverrides: [{ name: "report", command: ["rake", "report"] }] },
          launchType: "FARGATE",
          networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-b", "subnet-a"] } },
        }),
      ],
    });
    const manifest = nightly(withOverrides, { labels: { team: "shop" } });
    const action = planScheduledRule(manifest, undefined, ctx);
    expect(action.type).toBe("create");
    expect(calls(action)).toEqual([
      {
        operation: "events:PutRule",
        input: {
          Name: "nightly",
          ScheduleExpression: "cron(0 2 * * ? *)",
          State: "ENABLED",
          Description: "",
          Tags: [
            { Key: OWNER_TAG, Value: "ecs-gitops" },
            { Key: REVISION_TAG, Value: "abc123" },
            { Key: SOURCE_TAG, Value: "nightly.yaml" },
            { Key: SPEC_HASH_TAG, Value: manifestSpecHash(manifest) },
            { Key: "team", Value: "shop" },
          ],
        },
      },
      {
        operation: "events:PutTargets",
        input: {
          Rule: "nightly",
          Targets: [
            {
              Id: "report",
              Arn: CLUSTER,
              RoleArn: ROLE,
              EcsParameters: {
                TaskDefinitionArn: TD,
                TaskCount: 1,
                LaunchType: "FARGATE",
                EnableECSManagedTags: false,
                EnableExecuteCommand: false,
                NetworkConfiguration: { awsvpcConfiguration: { Subnets: ["subnet-a", "subnet-b"], AssignPublicIp: "DISABLED" } },
              },
              Input: JSON.stringify({ containerOverrides: [{ name: "report", command: ["rake", "report"] }] }),
            },
          ],
        },
      },
    ]);
  });

  it("uses the placeholder for a task definition registered in the same run", () => {
    const pending = planContext({ resolveTaskDefinition: resolverOf({}, { report: "TaskDefinition/report" }) });
    const action = planScheduledRule(nightly(), undefined, pending);
    expect(ofType(action, "events:PutTargets")[0]).toMatchObject({
      Targets: [{ EcsParameters: { TaskDefinitionArn: arnPlaceholder("TaskDefinition/report") } }],
    });
    // A create shows the targets as written, with the task definition as the plan resolves it.
    expect(action.changes).toContainEqual(
      expect.objectContaining({ path: "/targets", desired: [expect.objectContaining({ id: "report", taskDefinition: "report:(new)" })] }),
    );
  });

  it("splits PutTargets into batches of 10", () => {
    const many = spec({ targets: Array.from({ length: 12 }, (_, i) => target({ id: `t${String(i).padStart(2, "0")}` })) });
    const batches = ofType(planScheduledRule(nightly(many), undefined, ctx), "events:PutTargets");
    expect(batches.map((b) => (b["Targets"] as JsonValue[]).length)).toEqual([10, 2]);
  });

  it("sends an event pattern as a JSON string and names a custom bus everywhere", () => {
    const action = planScheduledRule(
      nightly(spec({ scheduleExpression: undefined, eventPattern: { source: ["aws.ecs"] }, eventBusName: "ops" })),
      undefined,
      ctx,
    );
    expect(ofType(action, "events:PutRule")[0]).toMatchObject({ EventPattern: '{"source":["aws.ecs"]}', EventBusName: "ops" });
    expect(ofType(action, "events:PutTargets")[0]).toMatchObject({ Rule: "nightly", EventBusName: "ops" });
  });

  it("blocks when a target's task definition does not resolve", () => {
    const action = planScheduledRule(nightly(), undefined, planContext());
    expect(action.type).toBe("blocked");
    if (action.type === "blocked") expect(action.reason).toContain('taskDefinition "report"');
  });

  it("blocks rather than guess ARNs when the account id is unknown", () => {
    const action = planScheduledRule(
      nightly(),
      undefined,
      planContext({ accountId: undefined, resolveTaskDefinition: resolverOf({ report: TD }) }),
    );
    expect(action.type).toBe("blocked");
    if (action.type === "blocked") expect(action.reason).toMatch(/account id is unknown.*cluster "batch".*role "ecsEventsRole"/);
    const withArns = planScheduledRule(
      nightly(spec({ targets: [target({ cluster: CLUSTER, roleArn: ROLE })] })),
      undefined,
      planContext({ accountId: undefined, resolveTaskDefinition: resolverOf({ report: TD }) }),
    );
    expect(withArns.type).toBe("create");
  });
});

describe("planScheduledRule: update", () => {
  it("plans nothing when nothing differs", () => {
    expect(planScheduledRule(nightly(), live(), ctx)).toMatchObject({ type: "noop", changes: [], calls: [] });
  });

  it("puts the rule again, always with State and Description, when a rule field differs", () => {
    const action = planScheduledRule(nightly(spec({ description: "Nightly report" })), live({ State: "DISABLED" }), ctx);
    expect(ofType(action, "events:PutRule")).toEqual([
      { Name: "nightly", ScheduleExpression: "cron(0 2 * * ? *)", State: "ENABLED", Description: "Nightly report" },
    ]);
    expect(ofType(action, "events:PutTargets")).toEqual([]);
  });

  it("puts only the targets that changed or are new", () => {
    const two = spec({ targets: [target({ taskCount: 3 }), target({ id: "other" }), target({ id: "same" })] });
    const action = planScheduledRule(nightly(two), live({}, [liveTarget(), liveTarget("same")]), ctx);
    expect(ofType(action, "events:PutRule")).toEqual([]);
    const puts = ofType(action, "events:PutTargets");
    expect(puts).toHaveLength(1);
    expect((puts[0]?.["Targets"] as JsonObject[]).map((t) => [t["Id"], (t["EcsParameters"] as JsonObject)["TaskCount"]])).toEqual([
      ["other", 1],
      ["report", 3],
    ]);
  });

  it("removes live targets git no longer has, 10 ids per call", () => {
    const stale = Array.from({ length: 11 }, (_, i) => liveTarget(`old${String(i).padStart(2, "0")}`));
    const action = planScheduledRule(nightly(), live({}, [liveTarget(), ...stale]), ctx);
    expect(ofType(action, "events:RemoveTargets").map((c) => (c["Ids"] as string[]).length)).toEqual([10, 1]);
    expect(ofType(action, "events:RemoveTargets")[1]).toEqual({ Rule: "nightly", Ids: ["old10"] });
    expect(ofType(action, "events:PutTargets")).toEqual([]);
  });

  it("writes tag changes with TagResource/UntagResource and nothing else", () => {
    const tags = [...ownedTags(), { Key: "old", Value: "1" }];
    const manifest = nightly(spec(), { labels: { team: "shop" } });
    const action = planScheduledRule(manifest, live({}, [liveTarget()], tags), ctx);
    // Labels are part of the spec hash: a new label in git is a git change, so the hash is retagged.
    expect(calls(action)).toEqual([
      {
        operation: "events:TagResource",
        input: {
          ResourceARN: RULE_ARN,
          Tags: [
            { Key: REVISION_TAG, Value: "abc123" },
            { Key: SPEC_HASH_TAG, Value: manifestSpecHash(manifest) },
            { Key: "team", Value: "shop" },
          ],
        },
      },
      { operation: "events:UntagResource", input: { ResourceARN: RULE_ARN, TagKeys: ["old"] } },
    ]);
  });

  it("blocks a rule it does not own, and adopts it when told to", () => {
    const foreign = live({}, [liveTarget()], []);
    const blocked = planScheduledRule(nightly(), foreign, ctx);
    expect(blocked.type).toBe("blocked");
    if (blocked.type === "blocked") expect(blocked.hint).toContain('ecs-gitops/adopt: "true"');
    const adopted = planScheduledRule(nightly(spec(), { annotations: { "ecs-gitops/adopt": "true" } }), foreign, ctx);
    expect(calls(adopted).map((c) => c.operation)).toEqual(["events:TagResource"]);
  });

  it("keeps ignored differences out of the changes and the calls", () => {
    const manifest = nightly(spec({ description: "new", targets: [target({ taskCount: 2, platformVersion: "1.4.0" })] }), {
      annotations: { "ecs-gitops/ignore-differences": "state, targets/*/taskCount" },
    });
    const action = planScheduledRule(
      manifest,
      live({ State: "DISABLED" }, [liveTarget("report", { EcsParameters: { TaskDefinitionArn: TD, TaskCount: 5 } })]),
      ctx,
    );
    // description and platformVersion are new in git, so the spec hash moves with them.
    expect(action.changes.map((c) => c.path)).toEqual(["/description", "/targets/report/platformVersion", `/tags/${SPEC_HASH_TAG}`]);
    expect(ofType(action, "events:PutRule")[0]).toMatchObject({ State: "DISABLED", Description: "new" });
    expect(ofType(action, "events:PutTargets")[0]).toMatchObject({
      Targets: [{ EcsParameters: { TaskCount: 5, PlatformVersion: "1.4.0" } }],
    });
  });

  it("sees no change when only an ignored field differs", () => {
    const action = planScheduledRule(
      nightly(spec(), { annotations: { "ecs-gitops/ignore-differences": "targets" } }),
      live({}, [liveTarget("report", { RoleArn: "arn:aws:iam::123456789012:role/other" })]),
      ctx,
    );
    expect(action).toMatchObject({ type: "noop", changes: [] });
  });
});

describe("planScheduledRule: spec hash and revision tags", () => {
  const operations = (action: Action) => calls(action).map((c) => c.operation);

  it("puts the rule and tags the new spec hash with the revision once when git changes the rule", () => {
    const changed = nightly(spec({ description: "x" }));
    expect(manifestSpecHash(changed)).not.toBe(manifestSpecHash(nightly()));
    const action = planScheduledRule(changed, live(), ctx);
    expect(calls(action)).toEqual([
      {
        operation: "events:PutRule",
        input: { Name: "nightly", ScheduleExpression: "cron(0 2 * * ? *)", State: "ENABLED", Description: "x" },
      },
      {
        operation: "events:TagResource",
        input: {
          ResourceARN: RULE_ARN,
          Tags: [
            { Key: REVISION_TAG, Value: "abc123" },
            { Key: SPEC_HASH_TAG, Value: manifestSpecHash(changed) },
          ],
        },
      },
    ]);
  });

  it("tags the new spec hash once when git adds a target", () => {
    const changed = nightly(spec({ targets: [target(), target({ id: "eu" })] }));
    const action = planScheduledRule(changed, live(), ctx);
    expect(operations(action)).toEqual(["events:PutTargets", "events:TagResource"]);
    expect(ofType(action, "events:TagResource")[0]?.["Tags"]).toEqual([
      { Key: REVISION_TAG, Value: "abc123" },
      { Key: SPEC_HASH_TAG, Value: manifestSpecHash(changed) },
    ]);
  });

  it.each([
    ["a rule field", live({ State: "DISABLED" }), ["events:PutRule"]],
    ["a target", live({}, [liveTarget("report", { RoleArn: "arn:aws:iam::123456789012:role/other" })]), ["events:PutTargets"]],
    ["an extra target", live({}, [liveTarget(), liveTarget("stray")]), ["events:RemoveTargets"]],
  ] as const)("heals drift of %s without TagResource when the live spec hash matches git", (_name, drifted, expected) => {
    const action = planScheduledRule(nightly(), drifted, ctx);
    expect(action.type).toBe("update");
    expect(operations(action)).toEqual(expected);
  });

  it.each([
    [
      "a known newer revision",
      resolverOf({ report: "arn:aws:ecs:us-east-1:123456789012:task-definition/report:6" }),
      "arn:aws:ecs:us-east-1:123456789012:task-definition/report:6",
    ],
    ["a revision registered in the same run", resolverOf({}, { report: "TaskDefinition/report" }), arnPlaceholder("TaskDefinition/report")],
  ])("points an unchanged rule's target at %s with PutTargets alone", (_name, resolveTaskDefinition, arn) => {
    const action = planScheduledRule(nightly(), live(), planContext({ resolveTaskDefinition }));
    expect(operations(action)).toEqual(["events:PutTargets"]);
    expect(ofType(action, "events:PutTargets")[0]).toMatchObject({
      Targets: [{ Id: "report", EcsParameters: { TaskDefinitionArn: arn } }],
    });
  });

  it("restores a spec-hash tag removed by hand with TagResource, and nothing else", () => {
    const stripped = ownedTags().filter((t) => (t as JsonObject)["Key"] !== SPEC_HASH_TAG);
    const action = planScheduledRule(nightly(), live({}, [liveTarget()], stripped), ctx);
    expect(calls(action)).toEqual([
      {
        operation: "events:TagResource",
        input: {
          ResourceARN: RULE_ARN,
          Tags: [
            { Key: REVISION_TAG, Value: "abc123" },
            { Key: SPEC_HASH_TAG, Value: manifestSpecHash(nightly()) },
          ],
        },
      },
    ]);
    expect(action.changes).toEqual([{ path: `/tags/${SPEC_HASH_TAG}`, desired: manifestSpecHash(nightly()), live: undefined }]);
  });
});
