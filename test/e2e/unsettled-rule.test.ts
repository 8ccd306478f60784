import { EventBridgeClient, ListTargetsByRuleCommand } from "@aws-sdk/client-eventbridge";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { FleetScale } from "../../bench/fleet.js";
import type { WaveHarness } from "../../bench/harness.js";
import { applyMotoAccountHeader } from "../../src/aws/account-header.js";
import type { FaultProxy } from "./fault-proxy.js";
import { MOTO_CREDENTIALS, MOTO_REGION } from "./moto.js";
import { proxiedFleet } from "../support/proxied-fleet.js";
import type { ProxiedFleet } from "../support/proxied-fleet.js";

const endpoint = inject("motoEndpoint");
const SCALE: FleetScale = { services: 1, families: 2, rules: 2, clusters: 1 };
const ATTEMPTS = 3;

/**
 * Self-heal off. The PutRule that creates a rule lands with git's spec-hash tag, then its
 * PutTargets stays throttled through every attempt: the key's retry must finish our own write
 * (a pending deploy), not take the missing targets for a hand change (drift, left OutOfSync).
 */
describe("a rule whose PutTargets failed after the PutRule that created it", () => {
  let fleet: ProxiedFleet;
  let dir: string;
  let proxy: FaultProxy;
  let harness: WaveHarness;
  let events: EventBridgeClient;

  beforeAll(async () => {
    const retries = { maxAttempts: ATTEMPTS, throttledMaxAttempts: ATTEMPTS, throttledBaseDelayMs: 0 };
    fleet = await proxiedFleet(endpoint, SCALE, "unsettled-rule", retries);
    ({ dir, proxy, harness } = fleet);
    events = new EventBridgeClient({ endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS });
    applyMotoAccountHeader(events.middlewareStack, fleet.accountId);
  });

  afterAll(async () => {
    await fleet?.close();
    events?.destroy();
  });

  it("is retried until its targets are written, and ends Synced", async () => {
    const loaded = await harness.load(dir, "commit-1");
    // Exactly one PutTargets call fails: all of its attempts are throttled before reaching moto.
    const first = loaded.keys
      .find((k) => k.startsWith("ScheduledRule/"))!
      .split("/")
      .at(-1)!;
    proxy.refuse = { operation: "PutTargets", match: `"Rule":"${first}"`, times: ATTEMPTS };
    const run = await harness.sync(loaded.keys);
    expect(proxy.refuse.times).toBe(0);
    expect(run.retries).toBe(1);
    expect(run.notSynced).toEqual([]);
    expect(run.failed).toEqual([]);
    for (const rule of loaded.keys.filter((k) => k.startsWith("ScheduledRule/"))) {
      const name = rule.split("/").at(-1)!;
      const targets = await events.send(new ListTargetsByRuleCommand({ Rule: name }));
      expect(targets.Targets, name).toHaveLength(1);
    }
    // Settled: the next look is a plain no-op.
    const again = await harness.sync(loaded.keys);
    expect(again.notSynced).toEqual([]);
    expect(again.retries).toBe(0);
  });
});
