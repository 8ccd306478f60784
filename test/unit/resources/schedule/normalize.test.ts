import { describe, expect, it } from "vitest";
import { diffValues } from "../../../../src/diff/structural.js";
import { OWNER_TAG, SOURCE_TAG, SPEC_HASH_TAG } from "../../../../src/resources/types.js";
import {
  canonicalSchedule,
  describeWithMarker,
  normalizeLiveSchedule,
  splitDescription,
} from "../../../../src/resources/schedule/normalize.js";
import type { LiveSchedule } from "../../../../src/resources/schedule/normalize.js";

const CLUSTER = "arn:aws:ecs:ap-northeast-1:111122223333:cluster/batch";
const ROLE = "arn:aws:iam::111122223333:role/Amazon_EventBridge_Scheduler_ECS";
const MARKER = describeWithMarker("monthly invoices", {
  owner: "platform",
  source: "github.com/acme/deploy//billing/invoices.yaml",
  specHash: "9f",
});

/** GetSchedule as the API reference shows it for an ECS target, after the SDK (dates as ISO text). */
function getScheduleResponse(overrides: Partial<Record<string, unknown>> = {}): LiveSchedule {
  return {
    ActionAfterCompletion: "NONE",
    Arn: "arn:aws:scheduler:ap-northeast-1:111122223333:schedule/billing/invoices",
    CreationDate: "2025-02-03T04:05:06.789Z",
    Description: MARKER,
    FlexibleTimeWindow: { Mode: "OFF" },
    GroupName: "billing",
    LastModificationDate: "2025-02-03T04:05:06.789Z",
    Name: "invoices",
    ScheduleExpression: "cron(0 6 1 * ? *)",
    ScheduleExpressionTimezone: "UTC",
    State: "ENABLED",
    Target: {
      Arn: CLUSTER,
      EcsParameters: {
        LaunchType: "FARGATE",
        NetworkConfiguration: {
          awsvpcConfiguration: { AssignPublicIp: "DISABLED", SecurityGroups: ["sg-2"], Subnets: ["subnet-b", "subnet-a"] },
        },
        TaskCount: 1,
        TaskDefinitionArn: "arn:aws:ecs:ap-northeast-1:111122223333:task-definition/invoices:12",
      },
      Input: '{"containerOverrides": [{"name": "invoices", "command": ["run", "--month", "last"]}]}',
      RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
      RoleArn: ROLE,
    },
    ...overrides,
  } as LiveSchedule;
}

/** What a user writes: AWS defaults left out, the input as YAML, the task definition by family. */
const written = {
  groupName: "billing",
  description: "monthly invoices",
  scheduleExpression: "cron(0 6 1 * ? *)",
  target: {
    arn: CLUSTER,
    roleArn: ROLE,
    ecsParameters: {
      taskDefinitionArn: "invoices",
      launchType: "FARGATE",
      networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-a", "subnet-b"], securityGroups: ["sg-2"] } },
    },
    input: { containerOverrides: [{ name: "invoices", command: ["run", "--month", "last"] }] },
  },
};
const asRevision12 = (ref: string) => (ref === "invoices" ? "invoices:12" : ref);

describe("schedule normalization (SC-1 … SC-5)", () => {
  it("round-trips: the spec as written equals GetSchedule's answer with AWS's defaults filled", () => {
    expect(diffValues(canonicalSchedule(written, asRevision12), normalizeLiveSchedule(getScheduleResponse()))).toEqual([]);
  });

  it("compares the input as JSON, not as text (SC-4)", () => {
    const reordered = getScheduleResponse();
    const target = reordered["Target"] as Record<string, unknown>;
    target["Input"] = '{"containerOverrides":[{"command":["run","--month","last"],"name":"invoices"}]}';
    expect(diffValues(canonicalSchedule(written, asRevision12), normalizeLiveSchedule(reordered))).toEqual([]);
    target["Input"] = '{"containerOverrides":[{"command":["run","--month","this"],"name":"invoices"}]}';
    expect(diffValues(canonicalSchedule(written, asRevision12), normalizeLiveSchedule(reordered)).map((c) => c.path)).toEqual([
      "/target/input/containerOverrides/0/command/2",
    ]);
  });

  it("compares start and end dates as instants (SC-3)", () => {
    const spec = { ...written, startDate: "2030-01-01T09:00:00+09:00" };
    const live = getScheduleResponse({ StartDate: "2030-01-01T00:00:00.000Z" });
    expect(diffValues(canonicalSchedule(spec, asRevision12), normalizeLiveSchedule(live))).toEqual([]);
  });

  it("sees a hand-edited expression, time zone and window", () => {
    const live = getScheduleResponse({
      ScheduleExpression: "cron(0 7 1 * ? *)",
      ScheduleExpressionTimezone: "Asia/Tokyo",
      FlexibleTimeWindow: { Mode: "FLEXIBLE", MaximumWindowInMinutes: 15 },
    });
    expect(diffValues(canonicalSchedule(written, asRevision12), normalizeLiveSchedule(live)).map((c) => c.path)).toEqual([
      "/flexibleTimeWindow/maximumWindowInMinutes",
      "/flexibleTimeWindow/mode",
      "/scheduleExpression",
      "/scheduleExpressionTimezone",
    ]);
  });

  it("keeps the ownership marker out of the compared description (SC-1)", () => {
    expect(splitDescription(MARKER)).toEqual({
      text: "monthly invoices",
      tags: { [OWNER_TAG]: "platform", [SOURCE_TAG]: "github.com/acme/deploy//billing/invoices.yaml", [SPEC_HASH_TAG]: "9f" },
    });
    expect(splitDescription("made by hand")).toEqual({ text: "made by hand", tags: {} });
    // Only a marker on a line of its own counts: text that mentions it is someone's description.
    expect(splitDescription('see [ecs-gitops] {"owner":"platform"}').tags).toEqual({});
    expect(splitDescription('[ecs-gitops] {"owner": 7}').tags).toEqual({});
    expect(splitDescription("[ecs-gitops] not json").tags).toEqual({});
  });
});
