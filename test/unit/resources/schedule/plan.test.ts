import { describe, expect, it } from "vitest";
import { planSchedule } from "../../../../src/resources/schedule/plan.js";
import { describeWithMarker, splitDescription } from "../../../../src/resources/schedule/normalize.js";
import type { LiveSchedule } from "../../../../src/resources/schedule/normalize.js";
import { manifestSpecHash } from "../../../../src/resources/common/spec-hash.js";
import { validateSchedule } from "../../../../src/resources/schedule/validate.js";
import type { ValidationContext } from "../../../../src/resources/common/validation.js";
import { ANNOTATION } from "../../../../src/manifests/annotations.js";
import { manifestOf, planContext, resolverOf } from "../builders.js";

const CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/jobs";
const ROLE = "arn:aws:iam::123456789012:role/scheduler";
const spec = {
  scheduleExpression: "rate(6 hours)",
  target: { arn: CLUSTER, roleArn: ROLE, ecsParameters: { taskDefinitionArn: "cleanup", launchType: "FARGATE" } },
};
const manifest = manifestOf("Schedule", "cleanup", spec);
const ctx = planContext({ resolveTaskDefinition: resolverOf({ cleanup: "arn:aws:ecs:us-east-1:123456789012:task-definition/cleanup:4" }) });

function live(description: string | undefined, expression = "rate(6 hours)"): LiveSchedule {
  return {
    Arn: "arn:aws:scheduler:us-east-1:123456789012:schedule/default/cleanup",
    Name: "cleanup",
    GroupName: "default",
    ...(description === undefined ? {} : { Description: description }),
    ScheduleExpression: expression,
    ScheduleExpressionTimezone: "UTC",
    FlexibleTimeWindow: { Mode: "OFF" },
    State: "ENABLED",
    Target: {
      Arn: CLUSTER,
      RoleArn: ROLE,
      EcsParameters: {
        TaskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/cleanup:4",
        LaunchType: "FARGATE",
        TaskCount: 1,
      },
      RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
    },
  };
}
const ours = describeWithMarker(undefined, { owner: "ecs-gitops", source: "cleanup.yaml", specHash: manifestSpecHash(manifest) });

describe("planSchedule", () => {
  it("creates with the API's shape, the resolved revision and the ownership marker", () => {
    const action = planSchedule(manifest, undefined, ctx);
    expect(action.type).toBe("create");
    const input = action.type === "create" ? action.calls[0]?.input : undefined;
    expect(input).toEqual({
      Name: "cleanup",
      GroupName: "default",
      Description: ours,
      FlexibleTimeWindow: { Mode: "OFF" },
      ScheduleExpression: "rate(6 hours)",
      State: "ENABLED",
      Target: {
        Arn: CLUSTER,
        RoleArn: ROLE,
        EcsParameters: { TaskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/cleanup:4", LaunchType: "FARGATE" },
      },
    });
  });

  it("waits for a revision apply registers in the same run", () => {
    const pending = planSchedule(
      manifest,
      undefined,
      planContext({ resolveTaskDefinition: resolverOf({}, { cleanup: "TaskDefinition/cleanup" }) }),
    );
    const target = pending.type === "create" ? (pending.calls[0]?.input["Target"] as Record<string, Record<string, unknown>>) : undefined;
    expect(target?.["EcsParameters"]?.["TaskDefinitionArn"]).toBe("${arn:TaskDefinition/cleanup}");
  });

  it("is a no-op when AWS matches, one UpdateSchedule with a guard when the expression drifted", () => {
    expect(planSchedule(manifest, live(ours), ctx).type).toBe("noop");
    const drift = planSchedule(manifest, live(ours, "rate(1 hour)"), ctx);
    expect(drift.type).toBe("update");
    if (drift.type !== "update") return;
    expect(drift.calls.map((c) => [c.operation, c.input["ScheduleExpression"]])).toEqual([["scheduler:UpdateSchedule", "rate(6 hours)"]]);
    expect(drift.guard).toMatchObject({ resource: "schedule", group: "default", name: "cleanup", owner: "ecs-gitops" });
  });

  it("never writes a schedule without our marker unless adopted", () => {
    for (const description of [
      undefined,
      "made by hand",
      describeWithMarker(undefined, { owner: "someone-else", source: "x", specHash: "y" }),
    ]) {
      const action = planSchedule(manifest, live(description, "rate(1 hour)"), ctx);
      expect(action.type === "blocked" ? action.code : action.type).toBe("NotOwned");
    }
    const adopting = manifestOf("Schedule", "cleanup", spec, { annotations: { [ANNOTATION.adopt]: "true" } });
    expect(planSchedule(adopting, live("made by hand"), ctx).type).toBe("update");
  });

  it("blocks rather than send a description Scheduler would refuse (marker included)", () => {
    const text = { ...spec, description: "d".repeat(300) };
    const deep = manifestOf("Schedule", "cleanup", text, { file: `${"deep/".repeat(40)}cleanup.yaml` });
    const action = planSchedule(deep, undefined, ctx);
    expect(action.type === "blocked" ? action.code : action.type).toBe("InvalidRequest");
    expect(planSchedule(manifestOf("Schedule", "cleanup", text), undefined, ctx).type).toBe("create");
  });

  it("keeps the live value at an ignored path: UpdateSchedule replaces the whole schedule", () => {
    const ignoring = manifestOf(
      "Schedule",
      "cleanup",
      { ...spec, description: "from git" },
      { annotations: { [ANNOTATION.ignoreDifferences]: "scheduleExpression" } },
    );
    const hand = describeWithMarker("from git", { owner: "ecs-gitops", source: "cleanup.yaml", specHash: "old" });
    const action = planSchedule(ignoring, live(hand, "rate(1 hour)"), ctx);
    expect(action.type === "update" ? action.calls[0]?.input["ScheduleExpression"] : action.type).toBe("rate(1 hour)");
    const keepText = manifestOf(
      "Schedule",
      "cleanup",
      { ...spec, description: "from git" },
      { annotations: { [ANNOTATION.ignoreDifferences]: "description" } },
    );
    const written = planSchedule(
      keepText,
      live(describeWithMarker("by hand", { owner: "ecs-gitops", source: "x", specHash: "y" }), "rate(2 hours)"),
      ctx,
    );
    expect(written.type === "update" ? splitDescription(written.calls[0]?.input["Description"]).text : written.type).toBe("by hand");
  });
});

describe("validateSchedule", () => {
  const vctx: ValidationContext = {
    defaultCluster: undefined,
    findTaskDefinition: (family) => (family === "cleanup" ? manifestOf("TaskDefinition", "cleanup", {}) : undefined),
    isBrokenTaskDefinition: () => false,
  };
  const rules = (extra: Record<string, unknown>) =>
    validateSchedule(manifestOf("Schedule", "s", { ...spec, ...extra } as typeof spec), vctx).map((p) => [p.rule, p.severity]);

  it("accepts at(), rate() and six-field cron() with ?, in an IANA time zone", () => {
    expect(rules({})).toEqual([]);
    expect(rules({ scheduleExpression: "at(2032-02-29T23:59:00)", scheduleExpressionTimezone: "America/Argentina/Buenos_Aires" })).toEqual(
      [],
    );
    expect(rules({ scheduleExpression: "cron(15 10 ? * MON-FRI *)", scheduleExpressionTimezone: "Europe/Berlin" })).toEqual([]);
  });

  it.each([
    ["a five-field cron", { scheduleExpression: "cron(15 10 * * ?)" }, "schedule-expression"],
    ["an at() on a day that does not exist", { scheduleExpression: "at(2031-02-29T10:00:00)" }, "schedule-expression"],
    ["an at() with a zone suffix", { scheduleExpression: "at(2031-03-01T10:00:00Z)" }, "schedule-expression"],
    ["a misspelled time zone", { scheduleExpressionTimezone: "Asia/Tokio" }, "schedule-timezone"],
    ["an end before the start", { startDate: "2031-05-01T00:00:00Z", endDate: "2031-04-30T23:00:00Z" }, "schedule-dates"],
    ["a FLEXIBLE window without its maximum", { flexibleTimeWindow: { mode: "FLEXIBLE" } }, "schedule-window"],
    ["an ECS target without a role", { target: { arn: CLUSTER, ecsParameters: { taskDefinitionArn: "cleanup" } } }, "schedule-ecs-target"],
    [
      "an unknown family",
      { target: { arn: CLUSTER, roleArn: ROLE, ecsParameters: { taskDefinitionArn: "nope" } } },
      "schedule-task-definition",
    ],
  ])("refuses %s", (_what, extra, rule) => {
    expect(rules(extra)).toContainEqual([rule, "error"]);
  });
});
