import pino from "pino";
import { describe, expect, it } from "vitest";
import { ControllerLeasing } from "../../../src/lease/leasing.js";
import type { Manifest, ResourceKey } from "../../../src/manifests/types.js";
import { StatusStore } from "../../../src/state/status.js";
import { manifestOf } from "../resources/builders.js";
import { MemoryTable } from "./memory-table.js";

const D = 3_000;
const STEP = D / 6;

const manifests: Map<ResourceKey, Manifest> = new Map(
  // Two clusters in each of the two shards.
  ["amber", "coral", "mint", "navy"].map((cluster) => {
    const m = manifestOf("Service", "api", { cluster, serviceName: "api", desiredCount: 1, image: "x" } as never);
    return [m.key, m] as const;
  }),
);

/** A replica's leasing and status, wired as the controller wires them. */
function replica(id: string, table: MemoryTable, clock: { t: number }) {
  const leasing = new ControllerLeasing(
    { table: "leases", durationMs: D, shards: 2, shardBy: "cluster", replicaId: id },
    { region: undefined, endpoint: undefined, accountIdHeader: undefined },
    pino({ level: "silent" }),
    { table, now: () => clock.t },
  );
  leasing.setDesired(manifests, undefined);
  const status = new StatusStore({ source: { url: "file:///r", branch: "main", path: "." } });
  leasing.onShardsRead((notMine) => status.removeWhere(notMine));
  /** As the reconciler does for every key it reconciled. */
  const reconcileOwned = () => {
    for (const key of manifests.keys()) if (leasing.owns(key)) status.update(key, { sync: "Synced", health: "Healthy" });
  };
  return { leasing, status, reconcileOwned };
}

describe("status after a shard moves", () => {
  it("a replica that lost a shard drops that shard's resources from its status, and keeps the rest", async () => {
    const table = new MemoryTable();
    const clock = { t: 0 };
    const a = replica("a", table, clock);
    await a.leasing.tick();
    a.reconcileOwned();
    expect(a.status.keys()).toEqual([...manifests.keys()].sort());

    // b joins: a gives one shard back to rebalance, b takes it.
    const b = replica("b", table, clock);
    for (let i = 0; i < 12; i++, clock.t += STEP) for (const r of [a, b]) await r.leasing.tick();
    b.reconcileOwned();
    const ofB = [...manifests.keys()].filter((key) => b.leasing.owns(key));
    const ofA = [...manifests.keys()].filter((key) => a.leasing.owns(key));
    expect(ofA.length).toBeGreaterThan(0);
    expect(ofB.length).toBeGreaterThan(0);
    expect(a.status.keys()).toEqual(ofA.sort());
    expect(b.status.keys()).toEqual(ofB.sort());
    // Between them every resource is shown exactly once.
    expect([...a.status.keys(), ...b.status.keys()].sort()).toEqual([...manifests.keys()].sort());
  });

  it("a lease window that closes for a moment (the table still names this replica) keeps its resources", async () => {
    const table = new MemoryTable();
    const clock = { t: 0 };
    const a = replica("a", table, clock);
    for (let i = 0; i < 3; i++, clock.t += STEP) await a.leasing.tick();
    a.reconcileOwned();
    table.down = true;
    clock.t += D;
    await a.leasing.tick();
    expect(a.leasing.owns([...manifests.keys()][0]!)).toBe(false);
    expect(a.status.keys()).toHaveLength(manifests.size);
  });
});
