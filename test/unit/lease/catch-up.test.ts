import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CATCH_UP_LIMIT_MS, ControllerLeasing } from "../../../src/lease/leasing.js";
import type { Manifest, ResourceKey } from "../../../src/manifests/types.js";
import { manifestOf } from "../resources/builders.js";
import { MemoryTable } from "./memory-table.js";

/*
 * A replica that takes a shard over fetches git before it reconciles the shard's keys
 * (ControllerLeasing.catchUpWith): the previous holder may have applied a commit this replica has
 * not polled yet, and reconciling the older one would roll those services back.
 */

const D = 3_000;
const log = pino({ level: "silent" });

function commit(image: string): Map<ResourceKey, Manifest> {
  const manifests = ["a", "b"].map((name) =>
    manifestOf("Service", name, { cluster: "blue", serviceName: name, desiredCount: 1, image } as never),
  );
  return new Map(manifests.map((m) => [m.key, m]));
}

/** A replica on the shared fake clock: what it requeues, and what its gate lets reconcile (at which image). */
function replica(id: string, table: MemoryTable, clock: { t: number }) {
  const leasing = new ControllerLeasing(
    { table: "leases", durationMs: D, shards: 1, shardBy: "cluster", replicaId: id },
    { region: undefined, endpoint: undefined, accountIdHeader: undefined },
    log,
    { table, now: () => clock.t },
  );
  const requeued: ResourceKey[] = [];
  leasing.onRequeue((keys) => requeued.push(...keys));
  let desired = new Map<ResourceKey, Manifest>();
  const load = (manifests: Map<ResourceKey, Manifest>) => {
    desired = manifests;
    leasing.setDesired(manifests, undefined);
  };
  const reconciled: string[] = [];
  const reconcileAll = async (keys: readonly ResourceKey[]) => {
    for (const key of keys)
      await leasing.gate(key, async () => {
        reconciled.push(`${key}@${String(desired.get(key)?.spec["image"])}`);
        return {};
      });
  };
  return { leasing, requeued, load, reconciled, reconcileAll };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** `a` holds the shard at commit 2 and dies; `b` polled only commit 1 so far. */
async function takeover(fetch: () => Promise<void>) {
  const table = new MemoryTable();
  const clock = { t: 0 };
  const a = replica("a", table, clock);
  const b = replica("b", table, clock);
  b.leasing.catchUpWith(fetch);
  await a.leasing.tick();
  await b.leasing.tick();
  a.load(commit("2.0"));
  b.load(commit("1.0"));
  expect(a.leasing.owns("Service/blue/a")).toBe(true);
  // a stops renewing (SIGKILL); b takes the shard once a whole duration passed without a change.
  for (let t = D / 6; t <= 2 * D; t += D / 6) {
    clock.t = t;
    await b.leasing.tick();
  }
  expect(b.leasing.owns("Service/blue/a")).toBe(true);
  return b;
}

describe("a shard taken over waits for a fresh git fetch", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("reconciles nothing of the shard until the fetch is done, then every key at the fetched commit", async () => {
    let fetched!: () => void;
    let fetches = 0;
    const b = await takeover(
      () =>
        new Promise<void>((resolve) => {
          fetches++;
          fetched = resolve;
        }),
    );
    expect(fetches).toBe(1);
    expect(b.requeued).toEqual([]);
    // A key handed over meanwhile (a resync, its own poll) is parked, not reconciled at the old commit.
    await b.reconcileAll(["Service/blue/a"]);
    expect(b.reconciled).toEqual([]);
    expect(b.leasing.parked).toBe(1);

    b.load(commit("2.0"));
    fetched();
    await settle();
    expect([...b.requeued].sort()).toEqual(["Service/blue/a", "Service/blue/b"]);
    await b.reconcileAll(b.requeued);
    expect(b.reconciled.sort()).toEqual(["Service/blue/a@2.0", "Service/blue/b@2.0"]);
    expect(b.leasing.parked).toBe(0);
  });

  it("a fetch that fails releases the keys (at the commit this replica has)", async () => {
    const b = await takeover(() => Promise.reject(new Error("git unreachable")));
    await settle();
    await b.reconcileAll(b.requeued);
    expect(b.reconciled.sort()).toEqual(["Service/blue/a@1.0", "Service/blue/b@1.0"]);
  });

  it("a fetch that hangs releases the keys after the limit", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const b = await takeover(() => new Promise<void>(() => undefined));
    vi.advanceTimersByTime(CATCH_UP_LIMIT_MS - 1);
    await Promise.resolve();
    expect(b.requeued).toEqual([]);
    vi.advanceTimersByTime(1);
    await vi.waitFor(() => expect(b.requeued).toHaveLength(2));
  });
});
