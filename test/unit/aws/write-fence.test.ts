import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import nock from "nock";
// The plug-ins declare which bucket paces each call; loading the registry hands them to the limiter.
import "../../../src/resources/registry.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  assertWriteAllowed,
  createAwsClients,
  describeServices,
  executeCall,
  fencedWrite,
  putEvents,
  RateLimiter,
  requireFencedWrites,
} from "../../../src/aws/index.js";
import type { AwsClientOptions, RateClock } from "../../../src/aws/index.js";
import type { PlannedCall } from "../../../src/resources/types.js";
import { assertAllCalled, aws, failure, FAKE_ENDPOINT, isolateNetwork, replyError, replyJson, restoreNetwork } from "../../aws/aws-nock.js";

describe("assertWriteAllowed (the HA write fence every write path calls)", () => {
  it("lets a write go without a fence or with a fence that allows the key", () => {
    expect(() => assertWriteAllowed({}, "Service/c/a")).not.toThrow();
    expect(() => assertWriteAllowed({ writeFence: () => undefined }, "Service/c/a")).not.toThrow();
  });

  it("refuses with LeaseLost, retryable, naming the key, when the lease does not cover it", () => {
    const fence = (key: string) => (key.startsWith("Service/c2/") ? `${key}: no lease on shard 1` : undefined);
    expect(() => assertWriteAllowed({ writeFence: fence }, "Service/c1/a")).not.toThrow();
    expect(() => assertWriteAllowed({ writeFence: fence }, "Service/c2/b")).toThrow(
      expect.objectContaining({ code: "LeaseLost", retryable: true, where: "Service/c2/b" }),
    );
  });
});

/** A lease that runs out when the test says so; counts the refusals it gave. */
class Lease {
  expired = false;
  refusals = 0;
  readonly fence = (key: string): string | undefined => {
    if (!this.expired) return undefined;
    this.refusals += 1;
    return `${key}: the shard lease ran out`;
  };
}

/** A clock the test moves: timers fire only when `advance` passes them. */
class ManualClock implements RateClock {
  #now = 1_000_000;
  #timers: { at: number; callback: () => void }[] = [];
  now(): number {
    return this.#now;
  }
  setTimeout(callback: () => void, ms: number): unknown {
    this.#timers.push({ at: this.#now + ms, callback });
    return undefined;
  }
  get pending(): number {
    return this.#timers.length;
  }
  advance(ms: number): void {
    this.#now += ms;
    const due = this.#timers.filter((t) => t.at <= this.#now);
    this.#timers = this.#timers.filter((t) => t.at > this.#now);
    for (const timer of due) timer.callback();
  }
}

/** Clients against nock's fake endpoint, `attempts` tries per call with no backoff, unpaced. */
const clientOptions = (attempts: number): AwsClientOptions => ({
  region: "eu-west-1",
  endpoint: FAKE_ENDPOINT,
  credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret" },
  retryStrategy: new ConfiguredRetryStrategy(attempts, 0),
  rateLimit: false,
});

const update = (service: string, extra: Record<string, unknown> = {}): PlannedCall => ({
  operation: "ecs:UpdateService",
  input: { cluster: "blue", service, desiredCount: 3, ...extra },
});

describe("the fence on every attempt, right before it is signed", () => {
  beforeAll(isolateNetwork);
  afterEach(assertAllCalled);
  afterAll(restoreNetwork);

  const options = clientOptions(8);

  it("refuses a write whose lease ran out while it waited for a rate-limit token: nothing reaches the wire", async () => {
    const clock = new ManualClock();
    // 2 % of the service-modify bucket: a burst of one, then one token every 10 s.
    const clients = createAwsClients({ ...options, rateLimit: new RateLimiter({ fraction: 0.02, clock }) });
    const lease = new Lease();
    const fenced = { ...clients, writeFence: lease.fence };
    let sent = 0;
    replyJson(aws("ecs", "UpdateService"), { service: { serviceName: "first" } }).on("request", () => (sent += 1));
    await fencedWrite(fenced, "Service/blue/first", () => executeCall(fenced, update("first")));
    expect(sent).toBe(1);

    const second = failure(fencedWrite(fenced, "Service/blue/second", () => executeCall(fenced, update("second"))));
    await until(() => clock.pending > 0);
    lease.expired = true;
    clock.advance(10_000);
    const error = await second;
    expect(error).toMatchObject({ code: "LeaseLost", where: "Service/blue/second" });
    expect(sent).toBe(1);
    expect(lease.refusals).toBe(1);
  });

  it("refuses the throttle retry after the lease ran out, and the SDK does not retry the refusal", async () => {
    const clients = createAwsClients(options);
    const lease = new Lease();
    const fenced = { ...clients, writeFence: lease.fence };
    let sent = 0;
    // The lease runs out while the throttled first attempt is on the wire.
    replyError(aws("ecs", "UpdateService"), 400, "ThrottlingException", "Rate exceeded").on("request", () => {
      sent += 1;
      lease.expired = true;
    });
    const error = await failure(fencedWrite(fenced, "Service/blue/web", () => executeCall(fenced, update("web"))));
    expect(error).toMatchObject({ code: "LeaseLost", where: "Service/blue/web" });
    expect(sent).toBe(1);
    expect(lease.refusals).toBe(1);
    expect(clients.calls.snapshot().byOperation["ecs:UpdateService"]).toMatchObject({ calls: 1, attempts: 1, throttles: 1 });
  });

  it("lets the landed check read under the fence, then refuses the resend", async () => {
    const clients = createAwsClients(options);
    const lease = new Lease();
    const fenced = { ...clients, writeFence: lease.fence };
    let writes = 0;
    replyError(aws("ecs", "UpdateService"), 503, "ServiceUnavailableException", "try later").on("request", () => {
      writes += 1;
      lease.expired = true;
    });
    // Not landed: no PRIMARY deployment newer than the first attempt.
    replyJson(aws("ecs", "DescribeServices"), { services: [{ serviceName: "web", status: "ACTIVE", deployments: [] }], failures: [] });
    const restart = update("web", { forceNewDeployment: true });
    const error = await failure(fencedWrite(fenced, "Service/blue/web", () => executeCall(fenced, restart)));
    expect(error.code).toBe("LeaseLost");
    expect(writes).toBe(1);
    expect(clients.calls.snapshot().byOperation["ecs:DescribeServices"]?.calls).toBe(1);
  });

  it("sends as before when no fence is set (one replica, unleased)", async () => {
    const clients = createAwsClients(options);
    replyJson(aws("ecs", "UpdateService"), { service: { serviceName: "web" } });
    await expect(fencedWrite(clients, "Service/blue/web", () => executeCall(clients, update("web")))).resolves.toBeDefined();
  });
});

describe("fail closed: with leasing on, a write outside fencedWrite is refused", () => {
  beforeAll(isolateNetwork);
  afterEach(assertAllCalled);
  afterAll(restoreNetwork);

  const options = clientOptions(3);
  /** Leasing on: the controller's fenced copy of the shared clients, every lease held. */
  const leased = () => requireFencedWrites({ ...createAwsClients(options), writeFence: () => undefined });

  it("refuses an unscoped write as Internal, naming the operation, and sends nothing", async () => {
    const clients = leased();
    let sent = 0;
    const interceptor = aws("ecs", "UpdateService");
    interceptor.reply(200, () => ((sent += 1), {}));
    // The shared clients the copy was made from are fenced too: a write path holding them has no way round.
    for (const sender of [clients, { ...clients, writeFence: undefined }]) {
      const error = await failure(executeCall(sender, update("web")));
      expect(error).toMatchObject({ code: "Internal", where: "ecs:UpdateService", retryable: false });
      expect(error.message).toMatch(/outside fencedWrite/);
    }
    expect(sent).toBe(0);
    expect(clients.calls.snapshot().byOperation["ecs:UpdateService"]?.attempts ?? 0).toBe(0);
    nock.removeInterceptor(interceptor);
  });

  it("still sends reads, fenced writes and the exempt PutEvents", async () => {
    const clients = leased();
    replyJson(aws("ecs", "DescribeServices"), { services: [], failures: [] });
    replyJson(aws("ecs", "UpdateService"), { service: { serviceName: "web" } });
    replyJson(aws("events", "PutEvents"), { FailedEntryCount: 0, Entries: [{ EventId: "e-1" }] });
    await describeServices(clients, "blue", ["web"]);
    await fencedWrite(clients, "Service/blue/web", () => executeCall(clients, update("web")));
    await expect(putEvents(clients, "default", [{ source: "ecs-gitops", detailType: "drift", detail: {} }])).resolves.toEqual(["e-1"]);
  });

  it("sends an unscoped write as before when leasing is off", async () => {
    const clients = createAwsClients(options);
    replyJson(aws("ecs", "UpdateService"), { service: { serviceName: "web" } });
    await expect(executeCall(clients, update("web"))).resolves.toBeDefined();
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!condition()) throw new Error("condition never became true");
}
