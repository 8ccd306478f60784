import pino from "pino";
import { describe, expect, it } from "vitest";
import { WorkQueue } from "../../../src/controller/queue.js";
import type { Clock, QueueResult } from "../../../src/controller/queue.js";
import { ControllerLeasing } from "../../../src/lease/leasing.js";
import type { Manifest, ResourceKey } from "../../../src/manifests/types.js";
import { manifestOf } from "../resources/builders.js";
import { MemoryTable } from "./memory-table.js";

/*
 * The controller's glue between leases and the work queue (src/lease/leasing.ts with the real
 * WorkQueue), on one fake clock: whatever the order of commits, acquires, losses and lease
 * windows that close for a moment, every key of a held shard is reconciled at the last commit.
 */

const D = 3_000;
const STEP = D / 6;
const log = pino({ level: "silent" });
const CLUSTERS = ["c0", "c1", "c2", "c3", "c4", "c5"];

/** `perCluster` services in each cluster, at image `tag`: each commit changes every one of them. */
function commit(tag: string, perCluster = 4): Map<ResourceKey, Manifest> {
  const manifests = CLUSTERS.flatMap((cluster) =>
    Array.from({ length: perCluster }, (_, i) =>
      manifestOf("Service", `svc-${i}`, { cluster, serviceName: `svc-${i}`, desiredCount: 1, image: tag } as never),
    ),
  );
  return new Map(manifests.map((m) => [m.key, m]));
}

/** Timers of the work queue on the test's clock: they fire when the test moves time on. */
class FakeClock implements Clock {
  t = 0;
  #timers = new Map<number, { at: number; callback: () => void }>();
  #next = 0;
  now(): number {
    return this.t;
  }
  setTimeout(callback: () => void, ms: number): unknown {
    this.#timers.set(++this.#next, { at: this.t + ms, callback });
    return this.#next;
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  advance(ms: number): void {
    this.t += ms;
    for (const [id, timer] of [...this.#timers].sort((a, b) => a[1].at - b[1].at))
      if (timer.at <= this.t) {
        this.#timers.delete(id);
        timer.callback();
      }
  }
}

type Write = { replica: string; key: ResourceKey; tag: string; at: number };

/** A replica: leasing, a real WorkQueue, and a reconcile that writes through the fence as the applier does. */
class Replica {
  readonly leasing: ControllerLeasing;
  readonly queue: WorkQueue;
  desired = new Map<ResourceKey, Manifest>();
  paused = false;
  /** Reconciles whose write waits for the test (an apply in flight while leases move). */
  readonly inFlight: (() => void)[] = [];

  constructor(
    readonly id: string,
    table: MemoryTable,
    readonly clock: FakeClock,
    writes: Write[],
    peers: () => Replica[],
  ) {
    this.leasing = new ControllerLeasing(
      { table: "leases", durationMs: D, shards: CLUSTERS.length, shardBy: "cluster", replicaId: id },
      { region: undefined, endpoint: undefined, accountIdHeader: undefined },
      log,
      { table, now: () => clock.t },
    );
    const reconcile = async (key: ResourceKey): Promise<QueueResult> => {
      await new Promise<void>((resolve) => this.inFlight.push(resolve));
      const manifest = this.desired.get(key);
      if (manifest === undefined) return { stalled: true };
      // As applyPlan: short lease windows are renewed before a batch of writes, then every write is fenced.
      await this.leasing.beforeWrites([key]);
      // As assertWriteAllowed: a refused write is a retryable LeaseLost.
      if (this.leasing.fence(key) !== undefined) return { retry: true };
      for (const peer of peers()) if (peer !== this) expect(peer.leasing.owns(key), `${peer.id} and ${id} both hold ${key}`).toBe(false);
      writes.push({ replica: id, key, tag: String(manifest.spec["image"]), at: clock.t });
      return { requeueAfterMs: 3_600_000 };
    };
    this.queue = new WorkQueue({ concurrency: 1_000, clock, handler: (key) => this.leasing.gate(key, () => reconcile(key)) });
    this.leasing.onRequeue((keys) => keys.forEach((key) => this.queue.add(key)));
  }

  /** A new commit reaches this replica: as Controller#load does. */
  load(manifests: Map<ResourceKey, Manifest>): void {
    this.desired = manifests;
    this.leasing.setDesired(manifests, undefined);
    for (const key of manifests.keys()) this.queue.add(key);
  }

  /** Let every apply in flight finish. */
  finishApplies(): void {
    for (const resolve of this.inFlight.splice(0)) resolve();
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

function world(ids: string[]) {
  const table = new MemoryTable();
  const clock = new FakeClock();
  const writes: Write[] = [];
  const replicas: Replica[] = [];
  for (const id of ids) replicas.push(new Replica(id, table, clock, writes, () => replicas));
  /** Every running replica ticks each STEP and finishes its applies, as with timers and a quick AWS. */
  const run = async (ms: number) => {
    for (const end = clock.t + ms; clock.t < end;) {
      clock.advance(STEP);
      for (const r of replicas.filter((r) => !r.paused)) {
        await r.leasing.tick();
        await settle();
        r.finishApplies();
        await settle();
      }
    }
  };
  /** Keys of the last commit whose latest write is not at `tag`. */
  const behind = (tag: string, perCluster?: number) => {
    const latest = new Map<ResourceKey, string>();
    for (const w of writes) latest.set(w.key, w.tag);
    return [...commit(tag, perCluster).keys()].filter((key) => latest.get(key) !== tag);
  };
  return { table, clock, writes, replicas, run, behind };
}

describe("leases and the work queue", () => {
  it("a lease window that closes while a slow scan is in flight loses no key (the 5,000-service stall)", async () => {
    const w = world(["a"]);
    const [a] = w.replicas;
    await w.run(D);
    a!.load(commit("1.0"));
    await w.run(D);
    expect(w.behind("1.0")).toEqual([]);
    // The table answers slowly (moto busy with ECS writes): the tick starts with valid leases, the
    // window closes while the scan is in flight, and a commit arrives just then.
    let answer!: () => void;
    w.table.slow = new Promise((resolve) => (answer = resolve));
    const ticking = a!.leasing.tick();
    w.clock.advance(D);
    expect(a!.leasing.owns("Service/c0/svc-0")).toBe(false);
    a!.load(commit("1.1"));
    await settle();
    expect(a!.leasing.parked).toBe(commit("1.1").size);
    w.table.slow = undefined;
    answer();
    await ticking;
    // The renew landed: the table never named anyone else, so nobody else will reconcile these.
    await w.run(STEP);
    expect(w.behind("1.1")).toEqual([]);
    expect(a!.leasing.parked).toBe(0);
  });

  it("a write the fence refused is retried by the holder within a tick, not after its backoff", async () => {
    const w = world(["a"]);
    const [a] = w.replicas;
    await w.run(D);
    // Keys that already failed a few times (throttled, fenced before) would next wait 96 s or more.
    for (const key of commit("1.0", 1).keys()) for (let i = 0; i < 7; i++) a!.queue.addRateLimited(key);
    a!.load(commit("1.0", 1));
    await settle();
    // The applies are in flight when the window closes and the table cannot be reached to renew
    // it: every write is refused. The table answers again at the next tick.
    w.clock.advance(D);
    w.table.down = true;
    a!.finishApplies();
    for (let i = 0; i < 5; i++) await settle();
    expect(w.writes).toEqual([]);
    w.table.down = false;
    const refusedAt = w.clock.t;
    await w.run(2 * STEP);
    expect(w.behind("1.0", 1)).toEqual([]);
    expect(Math.max(...w.writes.map((x) => x.at)) - refusedAt).toBeLessThanOrEqual(2 * STEP);
    expect(a!.queue.failures("Service/c0/svc-0")).toBe(0);
  });

  it("a plan that outlasts the lease window (the table still names this replica): the writes renew it first and go through", async () => {
    const w = world(["a"]);
    const [a] = w.replicas;
    await w.run(D);
    a!.load(commit("1.0", 1));
    await settle();
    // The read and plan block a's event loop for longer than its window (measured: a whole wave
    // of 5,000 fenced at once, again and again): the table still names a.
    w.clock.advance(D - STEP);
    expect(a!.leasing.owns("Service/c0/svc-0")).toBe(false);
    a!.finishApplies();
    for (let i = 0; i < 5; i++) await settle();
    expect(w.behind("1.0", 1)).toEqual([]);
    expect(w.writes.every((x) => x.replica === "a" && x.at === w.clock.t)).toBe(true);
  });

  it("commits, joins, pauses and rebalancing in any order: every key ends at the last commit, one holder at a time", async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      let state = seed;
      const random = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
      const w = world(["a", "b", "c"]);
      const [, b, c] = w.replicas;
      // a starts alone and takes every shard; the first commit reaches b and c before they hold any.
      b!.paused = c!.paused = true;
      await w.run(D);
      for (let round = 0; round < 40; round++) {
        const tag = `1.${Math.floor(round / 8)}`;
        const r = w.replicas[Math.floor(random() * 3)]!;
        const roll = random();
        if (roll < 0.3) r.load(commit(tag));
        else if (roll < 0.45) r.paused = !r.paused;
        else if (roll < 0.6) w.clock.advance(D * random());
        else if (roll < 0.7) r.finishApplies();
        await w.run(STEP * Math.ceil(random() * 3));
      }
      // Every replica runs again and has the last commit; within a few lease durations all converge.
      for (const r of w.replicas) r.paused = false;
      for (const r of w.replicas) r.load(commit("9.9"));
      await w.run(3 * D);
      expect(w.behind("9.9"), `seed ${seed}`).toEqual([]);
      expect(
        new Set(
          w.replicas.flatMap((r) => [
            ...r.leasing
              .snapshot()
              .shards.filter((s) => s.held)
              .map((s) => s.shard),
          ]),
        ).size,
      ).toBe(6);
    }
  });
});
