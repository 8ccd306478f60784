import pino from "pino";
import { describe, expect, it } from "vitest";
import { LeaseManager } from "../../../src/lease/lease-manager.js";
import type { LeaseTable } from "../../../src/lease/lease-manager.js";
import { MemoryTable } from "./memory-table.js";

const log = pino({ level: "silent" });
const D = 3_000;
/** The managers' tick: a sixth of the lease duration. */
const STEP = D / 6;

function replica(table: LeaseTable, id: string, clock: { t: number }, shards = 1) {
  return new LeaseManager({ table, replicaId: id, shards, leaseDurationMs: D, log, now: () => clock.t });
}

/** Every replica ticks once per renew interval, in order, as their timers would. */
async function run(clock: { t: number }, ms: number, replicas: LeaseManager[]): Promise<void> {
  for (const end = clock.t + ms; clock.t < end; clock.t += STEP) for (const r of replicas) await r.tick();
}

describe("LeaseManager", () => {
  it("gives one shard to exactly one of two replicas, at every instant", async () => {
    const table = new MemoryTable();
    const clock = { t: 0 };
    const [a, b] = [replica(table, "a", clock), replica(table, "b", clock)];
    for (let step = 0; step < 60; step++) {
      await run(clock, D / 3, [a, b]);
      expect([a.holds(0), b.holds(0)].filter(Boolean)).toHaveLength(1);
    }
    expect(a.holds(0)).toBe(true);
  });

  it("a crashed holder's shard is taken over after one lease duration, never before", async () => {
    const table = new MemoryTable();
    const clock = { t: 0 };
    const [a, b] = [replica(table, "a", clock), replica(table, "b", clock)];
    let lastRenew = 0;
    for (let step = 0; step < 12; step++, clock.t += STEP) {
      const version = table.rows.get("shard#0")?.version;
      await a.tick();
      await b.tick();
      if (table.rows.get("shard#0")?.version !== version) lastRenew = clock.t;
    }
    expect(a.holds(0)).toBe(true);
    // a stops ticking (SIGKILL): b must wait a whole duration from the last change it saw.
    let takenAt: number | undefined;
    for (; takenAt === undefined && clock.t < lastRenew + 4 * D; clock.t += STEP) {
      await b.tick();
      if (b.holds(0)) {
        takenAt = clock.t;
        // The dead holder's own window had closed by then (it counts from the same renew).
        expect(a.holds(0)).toBe(false);
      }
    }
    expect(takenAt).toBeDefined();
    expect(takenAt! - lastRenew).toBeGreaterThanOrEqual(D);
    expect(takenAt! - lastRenew).toBeLessThanOrEqual(D + D / 3);
  });

  it("fencing: a holder paused past its lease holds nothing when it resumes, and never overlaps the new holder", async () => {
    const table = new MemoryTable();
    const clock = { t: 0 };
    const [a, b] = [replica(table, "a", clock), replica(table, "b", clock)];
    await run(clock, D, [a, b]);
    expect(a.holds(0)).toBe(true);
    // SIGSTOP a: only b ticks. a's own window runs out before b's takeover.
    let aValidUntil = clock.t;
    while (a.holds(0)) aValidUntil = clock.t += 100;
    for (; !b.holds(0); clock.t += STEP) await b.tick();
    expect(clock.t).toBeGreaterThan(aValidUntil);
    // SIGCONT: before its next tick a may not write; after it, it has learnt the loss.
    expect(a.holds(0)).toBe(false);
    await a.tick();
    expect(a.holds(0)).toBe(false);
    expect(b.holds(0)).toBe(true);
  });

  it("a slow scan: the takeover wait counts from when the answer came, so a renewal read late never overlaps", async () => {
    const table = new MemoryTable();
    const clock = { t: 0 };
    // b reads the same rows; its first scan answers only when released, and reads the rows then.
    let release: () => void = () => undefined;
    let gate: Promise<void> | undefined = new Promise<void>((resolve) => (release = resolve));
    const slowForB: LeaseTable = {
      scan: async () => {
        const waiting = gate;
        gate = undefined;
        await waiting;
        return table.scan();
      },
      create: (...args) => table.create(...args),
      swap: (...args) => table.swap(...args),
      heartbeat: (...args) => table.heartbeat(...args),
      mark: (...args) => table.mark(...args),
    };
    const a = replica(table, "a", clock);
    await run(clock, D, [a]);
    expect(a.holds(0)).toBe(true);
    const b = replica(slowForB, "b", clock);
    const bTick = b.tick();
    // Let b's tick start (note its start time) and send its scan.
    await new Promise((resolve) => setImmediate(resolve));
    // While b's scan is on the wire, a renews half a lease later (more than the fencing margin); b reads that renewal.
    clock.t += D / 2;
    await a.tick();
    release();
    await bTick;
    // a dies now. b may take the shard only once a's window, counted from the renewal b read, has closed.
    for (let i = 1; i <= (4 * D) / 100 && !b.holds(0); i++) {
      clock.t += 100;
      if (i % 5 === 0) await b.tick();
      expect(a.holds(0) && b.holds(0)).toBe(false);
    }
    expect(b.holds(0)).toBe(true);
  });

  it("a lease table that cannot be read stops writes within one lease duration", async () => {
    const table = new MemoryTable();
    const clock = { t: 0 };
    const a = replica(table, "a", clock);
    await run(clock, D, [a]);
    expect(a.holds(0)).toBe(true);
    table.down = true;
    await run(clock, D, [a]);
    expect(a.holds(0)).toBe(false);
    table.down = false;
    await run(clock, D / 3, [a]);
    expect(a.holds(0)).toBe(true);
  });

  it("renewals that land but whose answers are lost keep the window open, and nobody else takes the shard", async () => {
    const table = new MemoryTable();
    const clock = { t: 0 };
    const [a, b] = [replica(table, "a", clock), replica(table, "b", clock)];
    await run(clock, D, [a, b]);
    expect(a.holds(0)).toBe(true);
    table.loseAnswers = true;
    for (let step = 0; step < 18; step++) {
      await run(clock, STEP, [a, b]);
      expect([a.holds(0), b.holds(0)]).toEqual([true, false]);
    }
  });

  it("three replicas share six shards two each, and a leaving replica's shards move to the others", async () => {
    const table = new MemoryTable();
    const clock = { t: 0 };
    const all = ["a", "b", "c"].map((id) => replica(table, id, clock, 6));
    await run(clock, 6 * D, all);
    expect(all.map((r) => r.held().size)).toEqual([2, 2, 2]);
    const union = new Set(all.flatMap((r) => [...r.held()]));
    expect(union.size).toBe(6);
    // c stops; within about two durations a and b hold three each, never a shard twice.
    const [a, b] = all;
    for (let step = 0; step < 9; step++) {
      await run(clock, D / 3, [a!, b!]);
      const held = [...a!.held(), ...b!.held()];
      expect(new Set(held).size).toBe(held.length);
    }
    expect([a!.held().size, b!.held().size]).toEqual([3, 3]);
  });

  it("stop() gives leases back so another replica takes over without waiting", async () => {
    const table = new MemoryTable();
    const clock = { t: 0 };
    const [a, b] = [replica(table, "a", clock), replica(table, "b", clock)];
    await run(clock, D, [a, b]);
    await a.stop();
    await b.tick();
    expect(b.holds(0)).toBe(true);
  });
});
