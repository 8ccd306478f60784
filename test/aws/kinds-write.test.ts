import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { executeCall } from "../../src/aws/write.js";
import { assertAllCalled, FAKE_ENDPOINT, fakeClients, failure, isolateNetwork, restoreNetwork } from "./aws-nock.js";

// Scheduler speaks REST-JSON (POST /schedules/{Name}); errors carry their type in x-amzn-errortype.
describe("Scheduler writes over the wire", () => {
  beforeAll(isolateNetwork);
  afterEach(assertAllCalled);
  afterAll(restoreNetwork);

  const input = {
    Name: "nightly",
    GroupName: "reports",
    ScheduleExpression: "rate(1 day)",
    FlexibleTimeWindow: { Mode: "OFF" },
    StartDate: "2031-01-01T00:00:00.000Z",
    Target: { Arn: "arn:aws:ecs:us-east-1:111122223333:cluster/main", RoleArn: "arn:aws:iam::111122223333:role/s" },
  };

  it("sends CreateSchedule with the group and dates as timestamps", async () => {
    let sent: Record<string, unknown> = {};
    nock(FAKE_ENDPOINT)
      .post("/schedules/nightly", (body: Record<string, unknown>) => ((sent = body), true))
      .reply(200, { ScheduleArn: "arn:aws:scheduler:us-east-1:111122223333:schedule/reports/nightly" });
    const output = await executeCall(fakeClients(), { operation: "scheduler:CreateSchedule", input });
    expect(output["ScheduleArn"]).toBe("arn:aws:scheduler:us-east-1:111122223333:schedule/reports/nightly");
    expect(sent).toMatchObject({ GroupName: "reports", StartDate: Date.UTC(2031, 0, 1) / 1000, FlexibleTimeWindow: { Mode: "OFF" } });
  });

  it("says which schedule group is missing and how to make it, retryable", async () => {
    nock(FAKE_ENDPOINT)
      .post("/schedules/nightly")
      .reply(404, { Message: "Schedule group reports does not exist." }, { "x-amzn-errortype": "ResourceNotFoundException" });
    const error = await failure(executeCall(fakeClients(), { operation: "scheduler:CreateSchedule", input }));
    expect([error.code, error.retryable]).toEqual(["DependencyNotReady", true]);
    expect(error.message).toContain('schedule group "reports" does not exist');
  });
});
