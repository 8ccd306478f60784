import pino from "pino";
import { describe, expect, it } from "vitest";
import { ControllerLeasing } from "../../../src/lease/leasing.js";
import type { AcquiredShards } from "../../../src/lease/leasing.js";
import type { Manifest, ResourceKey } from "../../../src/manifests/types.js";
import { manifestOf } from "../resources/builders.js";
import { MemoryTable } from "./memory-table.js";

/*
 * A replica that acquires a shard learns whether another replica held it since this one did
 * (ControllerLeasing.onShardsAcquired): the row's last writer, a holder or the replica that gave it
 * back. The controller then forgets what its records say of those keys' families.
 */

const D = 3_000;
const log = pino({ level: "silent" });
const SERVICES: Map<ResourceKey, Manifest> = new Map(
  ["web", "api"]
    .map((name) => manifestOf("Service", name, { cluster: "green", serviceName: name, desiredCount: 2 } as never))
    .map((m) => [m.key, m]),
);

/** A replica process on the shared fake clock: every announcement, and whether keys were requeued before it. */
function replica(id: string, table: MemoryTable, clock: { t: number }, options: { load?: boolean } = {}) {
  const leasing = new ControllerLeasing(
    { table: "leases", durationMs: D, shards: 1, shardBy: "cluster", replicaId: id },
    { region: undefined, endpoint: undefined, accountIdHeader: undefined },
    log,
    { table, now: () => clock.t },
  );
  const announced: { acquired: number[]; foreign: number[]; requeuedBefore: number }[] = [];
  const requeued: ResourceKey[] = [];
  leasing.onRequeue((keys) => requeued.push(...keys));
  leasing.onShardsAcquired((shards: AcquiredShards) =>
    announced.push({ acquired: [...shards.acquired], foreign: [...shards.foreign], requeuedBefore: requeued.length }),
  );
  if (options.load !== false) leasing.setDesired(SERVICES, undefined);
  return { leasing, announced, requeued };
}

/** Tick `replicas` until `until` holds the shard (at most four lease durations). */
async function until(clock: { t: number }, holder: ReturnType<typeof replica>, ...others: ReturnType<typeof replica>[]) {
  for (let end = clock.t + 4 * D; !holder.leasing.owns("Service/green/web") && clock.t < end; clock.t += D / 6) {
    for (const r of [holder, ...others]) await r.leasing.tick();
  }
  expect(holder.leasing.owns("Service/green/web")).toBe(true);
}

describe("acquiring a shard tells whether another replica held it", () => {
  it("a shard nobody held is not foreign; one taken over from a crashed replica is", async () => {
    const table = new MemoryTable();
    const clock = { t: 0 };
    const a = replica("a", table, clock);
    await a.leasing.tick();
    expect(a.announced).toEqual([{ acquired: [0], foreign: [], requeuedBefore: 0 }]);

    // a stops renewing (SIGKILL); b takes the shard once its row stood still for a lease duration.
    const b = replica("b", table, clock);
    await until(clock, b);
    expect(b.announced).toEqual([{ acquired: [0], foreign: [0], requeuedBefore: 0 }]);
    // The announcement comes before any key of the shard goes back to the queue.
    expect(b.requeued.length).toBeGreaterThan(0);
  });

  it("a restarted replica that gets back its own expired lease is not told foreign", async () => {
    const table = new MemoryTable();
    const clock = { t: 0 };
    await replica("a", table, clock).leasing.tick();
    clock.t += 5 * D;
    const again = replica("a", table, clock);
    await again.leasing.tick();
    expect(again.announced).toEqual([{ acquired: [0], foreign: [], requeuedBefore: 0 }]);
  });

  it("a shard given back is foreign to the next holder unless it gave it back itself", async () => {
    const table = new MemoryTable();
    const clock = { t: 0 };
    const b = replica("b", table, clock);
    // Two ticks: stop() gives back the rows as last read, and the first read came before b's row.
    await b.leasing.tick();
    await b.leasing.tick();
    await b.leasing.stop();
    expect(table.rows.get("shard#0")?.owner).toBe("");
    const a = replica("a", table, clock);
    await a.leasing.tick();
    expect(a.announced.map((x) => x.foreign)).toEqual([[0]]);

    await a.leasing.tick();
    await a.leasing.stop();
    const aAgain = replica("a", table, clock);
    await aAgain.leasing.tick();
    expect(aAgain.announced.map((x) => x.foreign)).toEqual([[]]);
  });

  it("a given-back row that names nobody (an older release) counts as foreign: forgetting is the safe side", async () => {
    const table = new MemoryTable();
    table.rows.set("shard#0", { leaseKey: "shard#0", owner: "", version: "5f0c2b1e-0000-4000-8000-000000000000" });
    const a = replica("a", table, { t: 0 });
    await a.leasing.tick();
    expect(a.announced.map((x) => x.foreign)).toEqual([[0]]);
  });

  it("shards acquired before the first desired state are announced when it arrives, so keys map to their shards", async () => {
    const table = new MemoryTable();
    const clock = { t: 0 };
    table.rows.set("shard#0", { leaseKey: "shard#0", owner: "b", version: "v1" });
    const a = replica("a", table, clock, { load: false });
    await until(clock, a);
    expect(a.announced).toEqual([]);
    a.leasing.setDesired(SERVICES, undefined);
    expect(a.announced).toEqual([{ acquired: [0], foreign: [0], requeuedBefore: 0 }]);
    // Later acquires are announced at once.
    a.leasing.setDesired(SERVICES, undefined);
    expect(a.announced).toHaveLength(1);
  });
});
