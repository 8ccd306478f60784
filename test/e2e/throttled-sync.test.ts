import { ListServicesCommand, ListTaskDefinitionsCommand } from "@aws-sdk/client-ecs";
import type { ECSClient } from "@aws-sdk/client-ecs";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { clustersOf, familyName } from "../../bench/fleet.js";
import type { FleetScale } from "../../bench/fleet.js";
import type { WaveHarness } from "../../bench/harness.js";
import { THROTTLED_MAX_ATTEMPTS } from "../../src/aws/throttle-retry.js";
import { ecsFor } from "./controller-harness.js";
import type { FaultProxy } from "./fault-proxy.js";
import { proxiedFleet } from "../support/proxied-fleet.js";
import type { ProxiedFleet } from "../support/proxied-fleet.js";

const endpoint = inject("motoEndpoint");
const SCALE: FleetScale = { services: 24, families: 24, rules: 4, clusters: 1 };
const THROTTLE_RATE = 0.3;

/** A small PRNG, so a failure reproduces with the same throttled requests. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/**
 * The throttled cold sync at a small scale: 30 % of requests are answered with a throttle before
 * they reach moto. Every resource converges, and each registration and service creation reaches
 * AWS exactly once, however many times it was throttled first.
 */
describe(`cold sync with ${THROTTLE_RATE * 100} % of requests throttled (S=${SCALE.services}, T=${SCALE.families})`, () => {
  let fleet: ProxiedFleet;
  let dir: string;
  let ecs: ECSClient;
  let proxy: FaultProxy;
  let harness: WaveHarness;

  beforeAll(async () => {
    // As in production (throttle-retry.ts), with short pauses: throttles up to 8 attempts, the rest 3.
    const retries = { retryStrategy: new ConfiguredRetryStrategy(THROTTLED_MAX_ATTEMPTS, 10), throttledBaseDelayMs: 10, maxAttempts: 3 };
    fleet = await proxiedFleet(endpoint, SCALE, "throttled", retries, seeded(1));
    ({ dir, proxy, harness } = fleet);
    ecs = ecsFor(endpoint, fleet.accountId);
  });

  afterAll(async () => {
    await fleet?.close();
    ecs?.destroy();
  });

  it("converges with one RegisterTaskDefinition and one CreateService reaching AWS per resource", async () => {
    const loaded = await harness.load(dir, "commit-1");
    proxy.throttleRate = THROTTLE_RATE;
    const run = await harness.sync(loaded.keys);
    proxy.throttleRate = 0;
    expect(run.failed).toEqual([]);
    expect(run.notSynced).toEqual([]);
    expect(proxy.seen.get("RegisterTaskDefinition")).toBe(SCALE.families);
    expect(proxy.seen.get("CreateService")).toBe(SCALE.services);
    for (let i = 0; i < SCALE.families; i += 1) {
      const listed = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: familyName(i) }));
      expect(listed.taskDefinitionArns, familyName(i)).toHaveLength(1);
    }
    const services = await ecs.send(new ListServicesCommand({ cluster: clustersOf(SCALE)[0] }));
    expect(services.serviceArns).toHaveLength(SCALE.services);
    const stats = harness.calls();
    // A throttled write is retried in place (AWS applied none of the throttled attempts), so no
    // resource fails and no write is sent again as a new call; attempts minus throttles is what
    // reached AWS.
    expect(stats.throttles).toBeGreaterThan(0);
    expect(run.retries).toBe(0);
    for (const [operation, count] of [
      ["ecs:RegisterTaskDefinition", SCALE.families],
      ["ecs:CreateService", SCALE.services],
    ] as const) {
      const op = stats.byOperation[operation];
      expect(op?.calls, operation).toBe(count);
      expect((op?.attempts ?? 0) - (op?.throttles ?? 0), operation).toBe(count);
    }
    console.info(
      `throttled cold sync: RegisterTaskDefinition calls ${stats.byOperation["ecs:RegisterTaskDefinition"]?.calls} ` +
        `/ attempts ${stats.byOperation["ecs:RegisterTaskDefinition"]?.attempts} ` +
        `/ reached AWS ${proxy.seen.get("RegisterTaskDefinition")}; CreateService ` +
        `calls ${stats.byOperation["ecs:CreateService"]?.calls} / attempts ${stats.byOperation["ecs:CreateService"]?.attempts} ` +
        `/ reached AWS ${proxy.seen.get("CreateService")}; resource retries ${run.retries}`,
    );
  }, 120_000);
});
