import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { describeServices, describeTaskDefinition, listServiceArns } from "../../src/aws/ecs-read.js";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { createAwsClients } from "../../src/aws/clients.js";
import { executeCall } from "../../src/aws/write.js";
import {
  assertAllCalled,
  aws,
  FAKE_ENDPOINT,
  fakeClients,
  failure,
  isolateNetwork,
  REGION,
  replyError,
  replyJson,
  restoreNetwork,
} from "./aws-nock.js";

const FAKE_CLIENT = { region: REGION, endpoint: FAKE_ENDPOINT, credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret" } };

beforeAll(isolateNetwork);
afterEach(assertAllCalled);
afterAll(restoreNetwork);

describe("SDK retries within the bound", () => {
  it("retries a ThrottlingException and succeeds, counting one call, two attempts and one throttle", async () => {
    replyError(aws("ecs", "ListServices"), 400, "ThrottlingException", "Rate exceeded");
    replyJson(aws("ecs", "ListServices"), { serviceArns: ["arn:aws:ecs:us-east-1:111122223333:service/prod/web"] });
    const clients = fakeClients();
    await expect(listServiceArns(clients, "prod")).resolves.toHaveLength(1);
    expect(clients.calls.snapshot().byOperation["ecs:ListServices"]).toEqual({
      kind: "read",
      calls: 1,
      attempts: 2,
      errors: 0,
      attemptErrors: 1,
      throttles: 1,
      landedChecks: 0,
      landedFound: 0,
    });
  });

  it("gives up on persistent throttling after maxAttempts with Throttled (retryable)", async () => {
    replyError(aws("events", "PutRule").times(3), 400, "ThrottlingException", "Rate exceeded");
    const clients = fakeClients({ maxAttempts: 3 });
    const error = await failure(
      executeCall(clients, { operation: "events:PutRule", input: { Name: "nightly", ScheduleExpression: "rate(1 day)" } }),
    );
    expect([error.code, error.retryable]).toEqual(["Throttled", true]);
    expect(clients.calls.snapshot()).toMatchObject({ writes: 1, attempts: 3, errors: 1, throttles: 3 });
  });

  it("retries a throttled write in place beyond maxAttempts (AWS applied none of them), but a 5xx only up to maxAttempts", async () => {
    replyError(aws("ecs", "UpdateService").times(6), 400, "ThrottlingException", "Rate exceeded");
    replyJson(aws("ecs", "UpdateService"), { service: { serviceName: "web" } });
    const clients = createAwsClients({
      ...FAKE_CLIENT,
      maxAttempts: 3,
      throttledBaseDelayMs: 0,
      retryStrategy: new ConfiguredRetryStrategy(8, 0),
    });
    await executeCall(clients, { operation: "ecs:UpdateService", input: { cluster: "prod", service: "web", desiredCount: 2 } });
    expect(clients.calls.snapshot().byOperation["ecs:UpdateService"]).toMatchObject({ calls: 1, attempts: 7, throttles: 6, errors: 0 });

    replyError(aws("ecs", "UpdateService").times(3), 500, "ServerException", "Internal error");
    const error = await failure(
      executeCall(clients, { operation: "ecs:UpdateService", input: { cluster: "prod", service: "web", desiredCount: 2 } }),
    );
    expect(error.code).toBe("AwsUnavailable");
    expect(clients.calls.snapshot().byOperation["ecs:UpdateService"]).toMatchObject({ calls: 2, attempts: 10 });
  });

  it("does so with the default retry strategy too (3 attempts, throttles up to 8)", { timeout: 30_000 }, async () => {
    replyError(aws("ecs", "UpdateService").times(3), 400, "ThrottlingException", "Rate exceeded");
    replyJson(aws("ecs", "UpdateService"), { service: { serviceName: "web" } });
    const clients = createAwsClients(FAKE_CLIENT);
    await executeCall(clients, { operation: "ecs:UpdateService", input: { cluster: "prod", service: "web", desiredCount: 2 } });
    expect(clients.calls.snapshot().byOperation["ecs:UpdateService"]).toMatchObject({ calls: 1, attempts: 4, throttles: 3 });
  });

  it("turns a persistent HTTP 500 into AwsUnavailable after exactly maxAttempts attempts", async () => {
    replyError(aws("ecs", "DescribeServices").times(3), 500, "ServerException", "Internal error");
    const clients = fakeClients({ maxAttempts: 3 });
    const error = await failure(describeServices(clients, "prod", ["web"]));
    expect([error.code, error.retryable]).toEqual(["AwsUnavailable", true]);
    expect(clients.calls.snapshot()).toMatchObject({ reads: 1, attempts: 3, errors: 1, throttles: 0 });
  });

  it("treats a 503 without a modelled error body as AwsUnavailable", async () => {
    aws("ecs", "ListServices").times(2).reply(503, "<html>Service Unavailable</html>", { "content-type": "text/html" });
    const error = await failure(listServiceArns(fakeClients({ maxAttempts: 2 }), "prod"));
    expect(error.code).toBe("AwsUnavailable");
  });

  it("treats a refused or reset connection as AwsUnavailable", async () => {
    aws("ecs", "ListServices")
      .times(2)
      .replyWithError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
    const error = await failure(listServiceArns(fakeClients({ maxAttempts: 2 }), "prod"));
    expect(error.code).toBe("AwsUnavailable");
    expect(error.message).toContain("cluster prod");
  });

  it("turns a request that outlives requestTimeoutMs into AwsUnavailable", async () => {
    replyJson(aws("ecs", "ListServices").times(2).delay(300), { serviceArns: [] });
    const error = await failure(listServiceArns(fakeClients({ maxAttempts: 2, requestTimeoutMs: 50 }), "prod"));
    expect(error.code).toBe("AwsUnavailable");
  });
});

describe("terminal errors are not retried", () => {
  it("maps AccessDeniedException to AccessDenied after one attempt, naming the resource and the IAM action", async () => {
    const message =
      "User: arn:aws:sts::111122223333:assumed-role/ecs-gitops/ctl is not " +
      "authorized to perform: ecs:UpdateService on resource: " +
      "arn:aws:ecs:us-east-1:111122223333:service/prod/web because no " +
      "identity-based policy allows the ecs:UpdateService action";
    replyError(aws("ecs", "UpdateService"), 400, "AccessDeniedException", message);
    const clients = fakeClients();
    const error = await failure(
      executeCall(clients, { operation: "ecs:UpdateService", input: { cluster: "prod", service: "web", desiredCount: 2 } }),
    );
    expect([error.code, error.retryable]).toEqual(["AccessDenied", false]);
    expect(error.where).toBe("ecs:UpdateService prod/web");
    expect(error.message).toContain("Grant the IAM action ecs:UpdateService on arn:aws:ecs:us-east-1:111122223333:service/prod/web");
    expect(clients.calls.snapshot()).toMatchObject({ writes: 1, attempts: 1, errors: 1 });
  });

  it("maps InvalidParameterException to InvalidRequest, keeping AWS's message", async () => {
    replyError(aws("ecs", "RegisterTaskDefinition"), 400, "InvalidParameterException", "Invalid setting for container 'web'.");
    const error = await failure(
      executeCall(fakeClients(), { operation: "ecs:RegisterTaskDefinition", input: { family: "web", containerDefinitions: [] } }),
    );
    expect([error.code, error.retryable]).toEqual(["InvalidRequest", false]);
    expect(error.message).toContain("Invalid setting for container 'web'.");
  });

  it("maps ExpiredTokenException to AccessDenied telling to refresh credentials", async () => {
    replyError(aws("ecs", "ListServices"), 400, "ExpiredTokenException", "The security token included in the request is expired");
    const error = await failure(listServiceArns(fakeClients(), "prod"));
    expect(error.code).toBe("AccessDenied");
    expect(error.message).toMatch(/refresh/);
  });
});

describe("not-found is data on reads", () => {
  it("returns undefined for a task definition AWS cannot describe", async () => {
    replyError(aws("ecs", "DescribeTaskDefinition"), 400, "ClientException", "Unable to describe task definition.");
    await expect(describeTaskDefinition(fakeClients(), "nope")).resolves.toBeUndefined();
  });

  it("still throws for other ClientExceptions of DescribeTaskDefinition", async () => {
    replyError(aws("ecs", "DescribeTaskDefinition"), 400, "ClientException", "Task definition ARN is malformed.");
    const error = await failure(describeTaskDefinition(fakeClients(), "arn:bad"));
    expect(error.code).toBe("InvalidRequest");
  });
});
