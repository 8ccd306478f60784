import pino from "pino";
import { describe, expect, it } from "vitest";
import { ControllerLeasing } from "../../../src/lease/leasing.js";
import { LAYOUT_KEY } from "../../../src/lease/layout.js";
import type { ShardBy } from "../../../src/lease/shards.js";
import type { Manifest, ResourceKey } from "../../../src/manifests/types.js";
import { manifestOf } from "../resources/builders.js";
import { MemoryTable } from "./memory-table.js";

/*
 * Replicas of one table with different --shards / --shard-by (the controller's own rolling deploy
 * when it changes them): whatever starts first, no resource is ever writable on two replicas.
 */

const D = 3_000;
const STEP = D / 6;
const log = pino({ level: "silent" });

/** Services over 5 clusters (other clusters than the HA tests use). */
const manifests: Map<ResourceKey, Manifest> = new Map(
  ["north", "south", "east", "west", "centre"].flatMap((cluster) =>
    [0, 1, 2].map((i) => {
      const m = manifestOf("Service", `api-${i}`, { cluster, serviceName: `api-${i}`, desiredCount: 2, image: "x" } as never);
      return [m.key, m] as const;
    }),
  ),
);

function replica(table: MemoryTable, clock: { t: number }, id: string, shards: number, shardBy: ShardBy = "cluster") {
  const leasing = new ControllerLeasing(
    { table: "ha-leases", durationMs: D, shards, shardBy, replicaId: id },
    { region: undefined, endpoint: undefined, accountIdHeader: undefined },
    log,
    { table, now: () => clock.t },
  );
  leasing.setDesired(manifests, undefined);
  return leasing;
}

/** Every replica ticks each STEP for `ms`; after each tick, no key is owned by two replicas. */
async function run(clock: { t: number }, ms: number, replicas: ControllerLeasing[]): Promise<void> {
  for (const end = clock.t + ms; clock.t < end; clock.t += STEP)
    for (const r of replicas) {
      await r.tick();
      for (const key of manifests.keys()) expect(replicas.filter((o) => o.owns(key)).length, key).toBeLessThanOrEqual(1);
    }
}

describe("the shard layout recorded in the lease table", () => {
  it("an old replica with 1 shard and new ones with 4: the new ones take nothing, say why, never own a key the old one does", async () => {
    const table = new MemoryTable();
    const clock = { t: 0 };
    const old = replica(table, clock, "old", 1);
    await run(clock, D, [old]);
    expect(table.rows.get(LAYOUT_KEY)?.version).toBe("shards=1");
    const fresh = [replica(table, clock, "new-a", 4), replica(table, clock, "new-b", 4)];
    await run(clock, 4 * D, [old, ...fresh]);
    for (const key of manifests.keys()) expect(old.owns(key)).toBe(true);
    for (const r of fresh) {
      expect(r.snapshot().shards.filter((s) => s.held)).toEqual([]);
      expect(r.layoutMismatch).toMatch(/shards=4 shard-by=cluster\) is not the one recorded in lease table ha-leases \(shards=1\)/);
      expect(r.snapshot().layoutMismatch).toBe(r.layoutMismatch);
    }
    // A mismatched replica sends no heartbeat: the old one's fair share stays every shard.
    expect([...table.rows.keys()].filter((k) => k.startsWith("replica#"))).toEqual(["replica#old"]);
    expect(old.layoutMismatch).toBeUndefined();
  });

  it("the other order, and a shard key that differs: the first layout stays, and the replicas that match share the shards", async () => {
    const table = new MemoryTable();
    const clock = { t: 0 };
    const [a, b] = [replica(table, clock, "a", 4), replica(table, clock, "b", 4)];
    const byHash = replica(table, clock, "c", 4, "hash");
    const single = replica(table, clock, "d", 1);
    await run(clock, 6 * D, [a, b, byHash, single]);
    expect(table.rows.get(LAYOUT_KEY)?.version).toBe("shards=4 shard-by=cluster");
    // The two matching replicas hold all four shards between them, two each.
    expect(a.snapshot().shards.filter((s) => s.held)).toHaveLength(2);
    expect(b.snapshot().shards.filter((s) => s.held)).toHaveLength(2);
    for (const key of manifests.keys()) expect(a.owns(key) || b.owns(key)).toBe(true);
    expect(byHash.layoutMismatch).toMatch(/shard-by=hash/);
    expect(single.layoutMismatch).toMatch(/\(shards=1\)/);
  });

  it("a holder that finds another layout recorded (row rewritten by hand) stops writing at once, resumes when it matches", async () => {
    const table = new MemoryTable();
    const clock = { t: 0 };
    const a = replica(table, clock, "a", 2);
    await run(clock, D, [a]);
    const key = [...manifests.keys()][0]!;
    expect(a.owns(key)).toBe(true);
    const row = table.rows.get(LAYOUT_KEY)!;
    table.rows.set(LAYOUT_KEY, { ...row, version: "shards=8 shard-by=hash" });
    await a.tick();
    expect(a.owns(key)).toBe(false);
    expect(a.fence(key)).toBeDefined();
    table.rows.set(LAYOUT_KEY, row);
    // Its own rows still name it: it takes them back with a conditional write on their version.
    await run(clock, 2 * D, [a]);
    expect(a.owns(key)).toBe(true);
    expect(a.layoutMismatch).toBeUndefined();
  });
});
