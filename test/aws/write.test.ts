import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { putEvents } from "../../src/aws/put-events.js";
import { executeCall } from "../../src/aws/write.js";
import type { JsonObject } from "../../src/json.js";
import type { WriteOperation } from "../../src/resources/registry.js";
import { assertAllCalled, aws, fakeClients, failure, isolateNetwork, replyJson, restoreNetwork } from "./aws-nock.js";
import type { Service } from "./aws-nock.js";

beforeAll(isolateNetwork);
afterEach(assertAllCalled);
afterAll(restoreNetwork);

const RULE_ARN = "arn:aws:events:us-east-1:111122223333:rule/nightly";
const TD_ARN = "arn:aws:ecs:us-east-1:111122223333:task-definition/web:3";

// Every WriteOperation, the exact input the plan holds, and the X-Amz-Target it must become.
const calls: { operation: WriteOperation; input: JsonObject; reply: JsonObject }[] = [
  {
    operation: "ecs:RegisterTaskDefinition",
    input: { family: "web", containerDefinitions: [{ name: "web", image: "nginx" }] },
    reply: { taskDefinition: { taskDefinitionArn: TD_ARN } },
  },
  {
    operation: "ecs:CreateService",
    input: { cluster: "prod", serviceName: "web", taskDefinition: TD_ARN, desiredCount: 2 },
    reply: { service: { serviceName: "web" } },
  },
  {
    operation: "ecs:UpdateService",
    input: { cluster: "prod", service: "web", desiredCount: 3 },
    reply: { service: { serviceName: "web" } },
  },
  { operation: "ecs:DeleteService", input: { cluster: "prod", service: "web", force: true }, reply: { service: { serviceName: "web" } } },
  {
    operation: "ecs:DeregisterTaskDefinition",
    input: { taskDefinition: TD_ARN },
    reply: { taskDefinition: { taskDefinitionArn: TD_ARN } },
  },
  { operation: "ecs:TagResource", input: { resourceArn: TD_ARN, tags: [{ key: "a", value: "b" }] }, reply: {} },
  { operation: "ecs:UntagResource", input: { resourceArn: TD_ARN, tagKeys: ["a"] }, reply: {} },
  {
    operation: "events:PutRule",
    input: { Name: "nightly", ScheduleExpression: "rate(1 day)", State: "ENABLED", Description: "d" },
    reply: { RuleArn: RULE_ARN },
  },
  {
    operation: "events:PutTargets",
    input: { Rule: "nightly", Targets: [{ Id: "run", Arn: "arn:aws:ecs:us-east-1:111122223333:cluster/prod" }] },
    reply: { FailedEntryCount: 0, FailedEntries: [] },
  },
  { operation: "events:RemoveTargets", input: { Rule: "nightly", Ids: ["run"] }, reply: { FailedEntryCount: 0, FailedEntries: [] } },
  { operation: "events:DeleteRule", input: { Name: "nightly" }, reply: {} },
  { operation: "events:TagResource", input: { ResourceARN: RULE_ARN, Tags: [{ Key: "a", Value: "b" }] }, reply: {} },
  { operation: "events:UntagResource", input: { ResourceARN: RULE_ARN, TagKeys: ["a"] }, reply: {} },
];

describe("executeCall", () => {
  it.each(calls)("sends $operation as exactly one request with the planned input", async ({ operation, input, reply }) => {
    const [service, name] = operation.split(":") as [Service, string];
    let sent: unknown;
    replyJson(
      aws(service, name, (body) => {
        sent = body;
        return true;
      }),
      reply,
    );
    const clients = fakeClients();
    await expect(executeCall(clients, { operation, input })).resolves.toEqual(reply);
    // CreateService alone gains a clientToken: ECS then answers a repeat with the service it made.
    expect(sent).toEqual(operation === "ecs:CreateService" ? { ...input, clientToken: expect.stringMatching(/^[0-9a-f]{36}$/) } : input);
    expect(clients.calls.snapshot()).toMatchObject({ writes: 1, attempts: 1 });
    expect(clients.calls.reads()).toBe(0);
  });

  it("sends the same CreateService clientToken for the same input, another for another", async () => {
    const tokens: unknown[] = [];
    const input = { cluster: "prod", serviceName: "web", taskDefinition: TD_ARN, desiredCount: 2 };
    for (const desiredCount of [2, 2, 3]) {
      replyJson(
        aws("ecs", "CreateService", (body) => {
          tokens.push(body["clientToken"]);
          return true;
        }),
        { service: { serviceName: "web" } },
      );
      await executeCall(fakeClients(), { operation: "ecs:CreateService", input: { ...input, desiredCount } });
    }
    expect(tokens[0]).toBe(tokens[1]);
    expect(tokens[2]).not.toBe(tokens[0]);
  });

  it("turns PutTargets FailedEntryCount > 0 into InvalidRequest naming each failed target", async () => {
    replyJson(aws("events", "PutTargets"), {
      FailedEntryCount: 1,
      FailedEntries: [{ TargetId: "run-report", ErrorCode: "ValidationException", ErrorMessage: "RoleArn is required for ECS targets" }],
    });
    const error = await failure(
      executeCall(fakeClients(), {
        operation: "events:PutTargets",
        input: {
          Rule: "nightly",
          EventBusName: "ops",
          Targets: [
            { Id: "run-report", Arn: "x" },
            { Id: "ok", Arn: "y" },
          ],
        },
      }),
    );
    expect([error.code, error.retryable]).toEqual(["InvalidRequest", false]);
    expect(error.message).toContain("run-report: ValidationException RoleArn is required for ECS targets");
    expect(error.where).toBe("events:PutTargets ops/nightly");
  });

  it("marks failed entries that only hit throttling as Throttled (retryable)", async () => {
    replyJson(aws("events", "RemoveTargets"), {
      FailedEntryCount: 1,
      FailedEntries: [{ TargetId: "run", ErrorCode: "ThrottlingException", ErrorMessage: "Rate exceeded" }],
    });
    const error = await failure(
      executeCall(fakeClients(), { operation: "events:RemoveTargets", input: { Rule: "nightly", Ids: ["run"] } }),
    );
    expect([error.code, error.retryable]).toEqual(["Throttled", true]);
  });

  it("marks failed entries with an internal error as AwsUnavailable", async () => {
    replyJson(aws("events", "PutTargets"), {
      FailedEntryCount: 1,
      FailedEntries: [{ TargetId: "run", ErrorCode: "InternalException", ErrorMessage: "oops" }],
    });
    const error = await failure(
      executeCall(fakeClients(), { operation: "events:PutTargets", input: { Rule: "nightly", Targets: [{ Id: "run", Arn: "x" }] } }),
    );
    expect(error.code).toBe("AwsUnavailable");
  });

  it("refuses to send an input that still holds an ARN placeholder", async () => {
    const clients = fakeClients();
    const error = await failure(
      executeCall(clients, {
        operation: "ecs:UpdateService",
        input: { cluster: "prod", service: "web", taskDefinition: "${arn:TaskDefinition/web}" },
      }),
    );
    expect(error.code).toBe("Internal");
    expect(clients.calls.writes()).toBe(0);
  });
});

describe("putEvents", () => {
  it("sends 10 entries per call with the detail serialized and returns the ids", async () => {
    const bodies: unknown[] = [];
    replyJson(
      aws("events", "PutEvents", (body) => {
        bodies.push(body);
        return true;
      }).times(2),
      { FailedEntryCount: 0, Entries: Array.from({ length: 10 }, (_, i) => ({ EventId: `id-${i}` })) },
    );
    const entries = Array.from({ length: 12 }, (_, i) => ({ source: "ecs-gitops", detailType: "Drift", detail: { n: i } }));
    const ids = await putEvents(fakeClients(), "alerts", entries);
    expect(ids).toHaveLength(20);
    const first = bodies[0] as { Entries: { EventBusName: string; Detail: string }[] };
    expect(first.Entries).toHaveLength(10);
    expect(first.Entries[0]).toMatchObject({ EventBusName: "alerts", Source: "ecs-gitops", DetailType: "Drift", Detail: '{"n":0}' });
  });

  it("throws when PutEvents reports failed entries, naming the entry", async () => {
    replyJson(aws("events", "PutEvents"), {
      FailedEntryCount: 1,
      Entries: [{ EventId: "a" }, { ErrorCode: "InternalFailure", ErrorMessage: "try again" }],
    });
    const entries = [
      { source: "ecs-gitops", detailType: "Drift", detail: {} },
      { source: "ecs-gitops", detailType: "DriftResolved", detail: {} },
    ];
    const error = await failure(putEvents(fakeClients(), "alerts", entries));
    expect(error.code).toBe("AwsUnavailable");
    expect(error.message).toContain("entry 1 (DriftResolved): InternalFailure try again");
  });
});
