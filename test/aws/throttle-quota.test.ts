import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAwsClients } from "../../src/aws/clients.js";
import { listServiceArns } from "../../src/aws/ecs-read.js";
import { THROTTLED_MAX_ATTEMPTS, tolerateThrottling } from "../../src/aws/throttle-retry.js";
import { executeCall } from "../../src/aws/write.js";
import { assertAllCalled, aws, FAKE_ENDPOINT, failure, isolateNetwork, REGION, replyError, replyJson, restoreNetwork } from "./aws-nock.js";

/*
 * The SDK's standard retry strategy keeps one retry quota per client (500 tokens, 5 per throttled
 * retry, 5 refunded by the success that follows). Calls throttled several times each drain it,
 * and then the SDK stops retrying throttles at all. Throttles are retried outside that quota.
 */

beforeAll(isolateNetwork);
afterEach(assertAllCalled);
afterAll(restoreNetwork);

/** The SDK's own strategy class (same quota as the default), without sleeping. */
function clients() {
  return createAwsClients({
    region: REGION,
    endpoint: FAKE_ENDPOINT,
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret" },
    maxAttempts: 3,
    rateLimit: false,
    throttledBaseDelayMs: 0,
    retryStrategy: new ConfiguredRetryStrategy(THROTTLED_MAX_ATTEMPTS, 0),
  });
}

/** One call throttled `times` times before it succeeds. */
function throttledThenOk(times: number): void {
  replyError(aws("ecs", "ListServices").times(times), 400, "ThrottlingException", "Rate exceeded");
  replyJson(aws("ecs", "ListServices"), { serviceArns: [] });
}

describe("throttled retries and the SDK's retry quota", () => {
  it("keeps retrying throttles after more throttled retries than the quota holds", async () => {
    const sdk = clients();
    // 30 calls × 6 throttled retries = 900 tokens' worth, net 750 after the refunds: more than 500.
    for (let call = 0; call < 30; call += 1) {
      throttledThenOk(6);
      await listServiceArns(sdk, "prod");
    }
    // And a throttled write still goes through once it is let through.
    replyError(aws("ecs", "UpdateService").times(3), 400, "ThrottlingException", "Rate exceeded");
    replyJson(aws("ecs", "UpdateService"), { service: { serviceName: "web" } });
    await executeCall(sdk, { operation: "ecs:UpdateService", input: { cluster: "prod", service: "web", desiredCount: 2 } });
    const stats = sdk.calls.snapshot();
    expect(stats.byOperation["ecs:ListServices"]).toMatchObject({ calls: 30, attempts: 210, throttles: 180, errors: 0 });
    expect(stats.byOperation["ecs:UpdateService"]).toMatchObject({ calls: 1, attempts: 4, throttles: 3, errors: 0 });
  });

  it("still stops a throttled call after THROTTLED_MAX_ATTEMPTS, and 5xx after maxAttempts", async () => {
    const sdk = clients();
    replyError(aws("ecs", "ListServices").times(THROTTLED_MAX_ATTEMPTS), 400, "ThrottlingException", "Rate exceeded");
    expect((await failure(listServiceArns(sdk, "prod"))).code).toBe("Throttled");
    replyError(aws("ecs", "ListServices").times(3), 500, "ServerException", "Internal error");
    expect((await failure(listServiceArns(sdk, "prod"))).code).toBe("AwsUnavailable");
    expect(sdk.calls.snapshot().byOperation["ecs:ListServices"]).toMatchObject({ calls: 2, attempts: THROTTLED_MAX_ATTEMPTS + 3 });
  });
});

describe("the throttled backoff", () => {
  const never = {
    acquireInitialRetryToken: () => Promise.reject(new Error("unused")),
    refreshRetryTokenForRetry: () => Promise.reject(new Error("the SDK's strategy was asked")),
    recordSuccess: () => undefined,
  };
  const token = (count: number) => ({ getRetryCount: () => count, getRetryDelay: () => 0 });

  it(
    "waits a random share of 1 s × 2^retry (capped at 20 s), or longer " + "when AWS asks for it, without asking the SDK's strategy",
    async () => {
      const strategy = tolerateThrottling(never, { maxAttempts: 3, throttledMaxAttempts: 8, random: () => 0.5 });
      const throttled = { errorType: "THROTTLING" as const };
      expect((await strategy.refreshRetryTokenForRetry(token(0), throttled)).getRetryDelay()).toBe(500);
      expect((await strategy.refreshRetryTokenForRetry(token(3), throttled)).getRetryDelay()).toBe(4_000);
      expect((await strategy.refreshRetryTokenForRetry(token(6), throttled)).getRetryDelay()).toBe(10_000);
      const hinted = await strategy.refreshRetryTokenForRetry(token(0), { ...throttled, retryAfterHint: new Date(Date.now() + 3_000) });
      expect(hinted.getRetryDelay()).toBeGreaterThan(2_500);
      expect((await strategy.refreshRetryTokenForRetry(token(1), throttled)).getRetryCount()).toBe(2);
      await expect(strategy.refreshRetryTokenForRetry(token(7), throttled)).rejects.toThrow("No retry token available");
      await expect(strategy.refreshRetryTokenForRetry(token(0), { errorType: "TRANSIENT" })).rejects.toThrow(
        "the SDK's strategy was asked",
      );
    },
  );
});
