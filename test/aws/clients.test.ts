import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CallAccounting } from "../../src/aws/call-accounting.js";
import { createAwsClients, resolveRegion } from "../../src/aws/clients.js";
import { describeServices, listServiceArns } from "../../src/aws/ecs-read.js";
import { listRules } from "../../src/aws/events-read.js";
import { executeCall } from "../../src/aws/write.js";
import { assertAllCalled, aws, FAKE_ENDPOINT, fakeClients, isolateNetwork, replyError, replyJson, restoreNetwork } from "./aws-nock.js";

beforeAll(isolateNetwork);
afterEach(assertAllCalled);
afterAll(restoreNetwork);

describe("createAwsClients", () => {
  it("sends x-moto-account-id only when accountIdHeader is given", async () => {
    replyJson(aws("ecs", "ListServices").matchHeader("x-moto-account-id", "210987654321"), { serviceArns: [] });
    const withHeader = createAwsClients({
      region: "us-east-1",
      endpoint: FAKE_ENDPOINT,
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
      accountIdHeader: "210987654321",
    });
    await listServiceArns(withHeader, "prod");

    let header: string | undefined = "unset";
    replyJson(
      aws("ecs", "ListServices").matchHeader("x-moto-account-id", (value: string | undefined) => {
        header = value;
        return true;
      }),
      { serviceArns: [] },
    );
    await listServiceArns(fakeClients(), "prod");
    expect(header).toBeUndefined();
  });

  it("follows AWS_ENDPOINT_URL when no endpoint is given (emulators)", async () => {
    replyJson(aws("ecs", "ListServices"), { serviceArns: [] });
    const saved = process.env["AWS_ENDPOINT_URL"];
    process.env["AWS_ENDPOINT_URL"] = FAKE_ENDPOINT;
    try {
      const clients = createAwsClients({ region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } });
      await expect(listServiceArns(clients, "prod")).resolves.toEqual([]);
    } finally {
      if (saved === undefined) delete process.env["AWS_ENDPOINT_URL"];
      else process.env["AWS_ENDPOINT_URL"] = saved;
    }
  });

  it("uses the given region", async () => {
    await expect(resolveRegion(fakeClients())).resolves.toBe("us-east-1");
  });

  it("shares one CallAccounting between clients when given", async () => {
    replyJson(aws("ecs", "ListServices"), { serviceArns: [] });
    replyJson(aws("events", "ListRules"), { Rules: [] });
    const calls = new CallAccounting();
    const options = { region: "us-east-1", endpoint: FAKE_ENDPOINT, credentials: { accessKeyId: "a", secretAccessKey: "b" }, calls };
    await listServiceArns(createAwsClients(options), "prod");
    await listRules(createAwsClients(options), "default");
    expect(calls.reads()).toBe(2);
  });
});

describe("CallAccounting", () => {
  it("splits reads from writes per operation and counts failed calls", async () => {
    replyJson(aws("ecs", "DescribeServices").times(2), { services: [], failures: [] });
    replyJson(aws("events", "PutRule"), { RuleArn: "arn:aws:events:us-east-1:111122223333:rule/r" });
    replyError(aws("ecs", "UpdateService"), 400, "InvalidParameterException", "bad");
    const clients = fakeClients();
    await describeServices(
      clients,
      "prod",
      Array.from({ length: 11 }, (_, i) => `s${i}`),
    );
    await executeCall(clients, { operation: "events:PutRule", input: { Name: "r", ScheduleExpression: "rate(1 day)" } });
    await executeCall(clients, { operation: "ecs:UpdateService", input: { cluster: "prod", service: "web" } }).catch(() => undefined);

    expect(clients.calls.reads()).toBe(2);
    expect(clients.calls.writes()).toBe(2);
    expect(clients.calls.writes("ecs:UpdateService")).toBe(1);
    const snapshot = clients.calls.snapshot();
    expect(Object.keys(snapshot.byOperation)).toEqual(["ecs:DescribeServices", "ecs:UpdateService", "events:PutRule"]);
    expect(snapshot.byOperation["ecs:UpdateService"]).toEqual({
      kind: "write",
      calls: 1,
      attempts: 1,
      errors: 1,
      attemptErrors: 1,
      throttles: 0,
      landedChecks: 0,
      landedFound: 0,
    });
    expect(snapshot).toMatchObject({ reads: 2, writes: 2, attempts: 4, errors: 1, throttles: 0 });

    clients.calls.reset();
    expect(clients.calls.snapshot()).toEqual({ reads: 0, writes: 0, attempts: 0, errors: 0, throttles: 0, byOperation: {} });
  });
});
