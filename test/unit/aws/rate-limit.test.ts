import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createAwsClients } from "../../../src/aws/clients.js";
import { listServiceArns } from "../../../src/aws/ecs-read.js";
import { PUBLISHED_RATES, RateLimiter, throttleCategoryOf, TokenBucket } from "../../../src/aws/rate-limit.js";
import type { ThrottleCategory } from "../../../src/aws/rate-limit.js";
// The kinds' calls reach the limiter's table as the registry loads (as in every process that plans).
import "../../../src/resources/registry.js";
import { assertAllCalled, aws, FAKE_ENDPOINT, isolateNetwork, replyError, replyJson, restoreNetwork } from "../../aws/aws-nock.js";

/** How many of `promises` have settled after the timers advanced by `ms`. */
async function settledAfter(ms: number, done: Set<number>): Promise<number> {
  await vi.advanceTimersByTimeAsync(ms);
  return done.size;
}

function track(promises: Promise<unknown>[]): Set<number> {
  const done = new Set<number>();
  promises.forEach((p, i) => void p.then(() => done.add(i)));
  return done;
}

describe("TokenBucket", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("lets a full burst through at once, then one request per refilled token", async () => {
    const bucket = new TokenBucket({ burst: 3, perSecond: 2 });
    const takes = Array.from({ length: 6 }, () => bucket.take());
    const done = track(takes);
    expect(await settledAfter(0, done)).toBe(3);
    expect(await settledAfter(499, done)).toBe(3);
    expect(await settledAfter(1, done)).toBe(4);
    expect(await settledAfter(500, done)).toBe(5);
    expect(await settledAfter(500, done)).toBe(6);
  });

  it("serves waiters in arrival order, and a late caller does not overtake them", async () => {
    const bucket = new TokenBucket({ burst: 1, perSecond: 1 });
    const order: string[] = [];
    await bucket.take();
    const first = bucket.take().then(() => order.push("first"));
    const second = bucket.take().then(() => order.push("second"));
    await vi.advanceTimersByTimeAsync(1_000);
    const third = bucket.take().then(() => order.push("third"));
    await vi.advanceTimersByTimeAsync(2_000);
    await Promise.all([first, second, third]);
    expect(order).toEqual(["first", "second", "third"]);
  });

  it("refills up to the burst only, however long it idled", async () => {
    const bucket = new TokenBucket({ burst: 2, perSecond: 10 });
    await vi.advanceTimersByTimeAsync(60_000);
    const takes = Array.from({ length: 3 }, () => bucket.take());
    const done = track(takes);
    expect(await settledAfter(0, done)).toBe(2);
    expect(await settledAfter(100, done)).toBe(3);
  });

  it("rejects a bucket that could never hand out a token", () => {
    expect(() => new TokenBucket({ burst: 0, perSecond: 1 })).toThrow(RangeError);
    expect(() => new TokenBucket({ burst: 1, perSecond: 0 })).toThrow(RangeError);
  });
});

describe("RateLimiter", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each<[string, string, ThrottleCategory | undefined]>([
    ["ecs", "RegisterTaskDefinition", "ecs:task-definition-modify"],
    ["ecs", "DescribeTaskDefinition", "ecs:task-definition-read"],
    ["ecs", "CreateService", "ecs:service-modify"],
    ["ecs", "UpdateService", "ecs:service-modify"],
    ["ecs", "DescribeServices", "ecs:service-read"],
    ["ecs", "DescribeClusters", "ecs:cluster-read"],
    ["ecs", "TagResource", "ecs:tag-modify"],
    ["ecs", "ListTagsForResource", "ecs:tag-read"],
    ["events", "ListTargetsByRule", "events:api"],
    ["events", "PutRule", "events:api"],
    ["events", "PutEvents", undefined],
    ["ecs", "SomethingNew", undefined],
  ])("paces %s:%s in bucket %s", (service, operation, category) => {
    expect(throttleCategoryOf(service as "ecs" | "events", operation)).toBe(category);
  });

  it("defaults to half of the published burst and sustained rates", () => {
    const limiter = new RateLimiter();
    expect(limiter.fraction).toBe(0.5);
    expect(limiter.rateOf("ecs:task-definition-modify")).toEqual({ burst: 10, perSecond: 0.5 });
    expect(limiter.rateOf("ecs:service-read")).toEqual({ burst: 50, perSecond: 10 });
    expect(limiter.rateOf("events:api")).toEqual({ burst: 25, perSecond: 25 });
    expect(PUBLISHED_RATES["ecs:service-modify"]).toEqual({ burst: 50, perSecond: 5 });
  });

  it("makes the 11th RegisterTaskDefinition wait 2 s at the default fraction, without slowing other categories", async () => {
    const limiter = new RateLimiter();
    const registrations = Array.from({ length: 11 }, () => limiter.acquire("ecs", "RegisterTaskDefinition"));
    const done = track(registrations);
    const describe = limiter.acquire("ecs", "DescribeServices");
    let described = false;
    void describe.then(() => (described = true));
    await vi.advanceTimersByTimeAsync(0);
    expect([done.size, described]).toEqual([10, true]);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(done.size).toBe(10);
    await vi.advanceTimersByTimeAsync(1);
    expect(done.size).toBe(11);
    expect(limiter.stats()["ecs:task-definition-modify"]).toEqual({ requests: 11, delayed: 1, waitedMs: 2_000 });
  });

  it("shares one EventBridge budget across operations", async () => {
    const limiter = new RateLimiter({ fraction: 0.1 }); // 5 burst, 5/s
    const calls = [
      ...Array.from({ length: 3 }, () => limiter.acquire("events", "ListTargetsByRule")),
      ...Array.from({ length: 3 }, () => limiter.acquire("events", "PutTargets")),
    ];
    const done = track(calls);
    await vi.advanceTimersByTimeAsync(0);
    expect(done.size).toBe(5);
    await vi.advanceTimersByTimeAsync(200);
    expect(done.size).toBe(6);
  });

  it("lets everything through unpaced when disabled", async () => {
    const limiter = new RateLimiter({ fraction: 0.05 }); // 1 burst, 0.05/s
    limiter.enabled = false;
    const calls = Array.from({ length: 100 }, () => limiter.acquire("ecs", "RegisterTaskDefinition"));
    const done = track(calls);
    await vi.advanceTimersByTimeAsync(0);
    expect(done.size).toBe(100);
  });

  it("rejects a fraction outside (0, 1]", () => {
    expect(() => new RateLimiter({ fraction: 0 })).toThrow(RangeError);
    expect(() => new RateLimiter({ fraction: 1.5 })).toThrow(RangeError);
  });
});

describe("rate limiting on the SDK clients", () => {
  beforeAll(isolateNetwork);
  afterEach(assertAllCalled);
  afterAll(restoreNetwork);

  const options = {
    region: "us-east-1",
    endpoint: FAKE_ENDPOINT,
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret" },
    retryStrategy: new ConfiguredRetryStrategy(3, 0),
  };

  it("takes a token for every attempt, the SDK's retries included", async () => {
    replyError(aws("ecs", "ListServices"), 400, "ThrottlingException", "Rate exceeded");
    replyJson(aws("ecs", "ListServices"), { serviceArns: [] });
    const limiter = new RateLimiter();
    const clients = createAwsClients({ ...options, rateLimit: limiter });
    await listServiceArns(clients, "prod");
    expect(limiter.stats()["ecs:service-read"]?.requests).toBe(2);
    expect(clients.calls.snapshot().byOperation["ecs:ListServices"]).toMatchObject({ calls: 1, attempts: 2, throttles: 1 });
  });

  it("waits inside the SDK's retry loop and before signing, so no signature goes stale while waiting", () => {
    const order = createAwsClients(options)
      .ecs.middlewareStack.identify()
      .map((entry) => entry.split(" ")[0]);
    const at = (name: string) => order.indexOf(name);
    expect(at("retryMiddleware")).toBeLessThan(at("ecsGitopsRateLimit"));
    expect(at("ecsGitopsRateLimit")).toBeLessThan(at("httpSigningMiddleware"));
  });

  it("installs a limiter at the default fraction unless told not to", () => {
    expect(createAwsClients(options).rateLimiter?.fraction).toBe(0.5);
    expect(createAwsClients({ ...options, rateLimit: 0.2 }).rateLimiter?.fraction).toBe(0.2);
    expect(createAwsClients({ ...options, rateLimit: false }).rateLimiter).toBeUndefined();
  });
});
