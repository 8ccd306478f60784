import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BatchReader } from "../../../src/engine/batch-reader.js";

/** A reader whose batch read records the keys it was given and answers each with its own slice. */
function recording(window: { quietMs?: number; maxDelayMs?: number } = {}) {
  const batches: string[][] = [];
  const reader = new BatchReader<string, string>((keys) => {
    batches.push([...keys]);
    return Promise.resolve(keys.map((key) => `live:${key}@${batches.length}`));
  }, window);
  return { reader, batches };
}

describe("BatchReader", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("concurrent callers share one read, and each gets its own key's slice", async () => {
    const { reader, batches } = recording();
    const answers = Promise.all(["Service/prod/a", "Service/prod/b", "TaskDefinition/c"].map((k) => reader.load(k)));
    await vi.advanceTimersByTimeAsync(20);
    expect(await answers).toEqual(["live:Service/prod/a@1", "live:Service/prod/b@1", "live:TaskDefinition/c@1"]);
    expect(batches).toEqual([["Service/prod/a", "Service/prod/b", "TaskDefinition/c"]]);
  });

  it("waits for a quiet moment: keys arriving spread out (a retried batch's backoff) still share one read", async () => {
    const { reader, batches } = recording({ quietMs: 30, maxDelayMs: 1_000 });
    const answers: Promise<string>[] = [];
    for (const key of ["a", "b", "c", "d"]) {
      answers.push(reader.load(key));
      await vi.advanceTimersByTimeAsync(25);
    }
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(5);
    expect(batches).toEqual([["a", "b", "c", "d"]]);
    expect(await Promise.all(answers)).toEqual(["live:a@1", "live:b@1", "live:c@1", "live:d@1"]);
  });

  it("starts a batch at the latest maxDelayMs after its first key, however steadily keys keep coming", async () => {
    const { reader, batches } = recording({ quietMs: 30, maxDelayMs: 100 });
    const answers: Promise<string>[] = [];
    for (let i = 0; i < 8; i += 1) {
      answers.push(reader.load(`k${i}`));
      await vi.advanceTimersByTimeAsync(20);
    }
    await vi.advanceTimersByTimeAsync(30);
    await Promise.all(answers);
    // k0 at 0 ms … k4 at 80 ms go at 100 ms; k5 (100 ms) opens the next batch.
    expect(batches).toEqual([
      ["k0", "k1", "k2", "k3", "k4"],
      ["k5", "k6", "k7"],
    ]);
  });

  it("never serves a cached answer: the same key asked again later reads again", async () => {
    const { reader, batches } = recording();
    const first = reader.load("a");
    await vi.advanceTimersByTimeAsync(20);
    expect(await first).toBe("live:a@1");
    const second = reader.load("a");
    await vi.advanceTimersByTimeAsync(20);
    expect(await second).toBe("live:a@2");
    expect(batches).toEqual([["a"], ["a"]]);
  });

  it("a read that throws fails each of its callers, and the next batch reads again", async () => {
    let fail = true;
    const reader = new BatchReader<string, string>((keys) =>
      fail ? Promise.reject(new Error("AWS did not answer")) : Promise.resolve(keys.map((k) => k.toUpperCase())),
    );
    const failed = Promise.allSettled([reader.load("a"), reader.load("b")]);
    await vi.advanceTimersByTimeAsync(20);
    expect((await failed).map((r) => r.status)).toEqual(["rejected", "rejected"]);
    fail = false;
    const next = reader.load("a");
    await vi.advanceTimersByTimeAsync(20);
    expect(await next).toBe("A");
  });

  it("reads one batch at a time: keys asked for while a read is in flight share the next read, sent when it ends", async () => {
    const batches: string[][] = [];
    const answers: (() => void)[] = [];
    const reader = new BatchReader<string, string>(
      (keys) => {
        batches.push([...keys]);
        return new Promise((resolve) => answers.push(() => resolve(keys.map((key) => `live:${key}@${batches.length}`))));
      },
      { quietMs: 10, maxDelayMs: 50 },
    );
    const first = reader.load("a");
    await vi.advanceTimersByTimeAsync(10);
    expect(batches).toEqual([["a"]]);
    // Three keys come one by one, well apart, while the first read is slow: none starts a read of its own.
    const later = ["b", "c", "d"].map((key) => reader.load(key));
    for (const key of ["e", "f"]) {
      await vi.advanceTimersByTimeAsync(200);
      later.push(reader.load(key));
    }
    await vi.advanceTimersByTimeAsync(200);
    expect(batches).toEqual([["a"]]);
    answers[0]!();
    expect(await first).toBe("live:a@1");
    await vi.advanceTimersByTimeAsync(0);
    expect(batches).toEqual([["a"], ["b", "c", "d", "e", "f"]]);
    answers[1]!();
    expect(await Promise.all(later)).toEqual(["live:b@2", "live:c@2", "live:d@2", "live:e@2", "live:f@2"]);
  });
});

describe("BatchReader on an injected clock", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("measures maxDelayMs on the clock it is given, not the system's (one clock)", async () => {
    // Only the timers are fake: Date.now stays the system's, so only the injected clock can move 150 ms.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let nowMs = 1_000_000;
    const batches: string[][] = [];
    const reader = new BatchReader<string, string>(
      (keys) => {
        batches.push([...keys]);
        return Promise.resolve(keys.map((k) => k));
      },
      { quietMs: 30, maxDelayMs: 100, now: () => nowMs },
    );
    const first = reader.load("Service/blue/a");
    nowMs += 150;
    const second = reader.load("Service/blue/b");
    // Past the window by the injected clock: the batch goes at once, not after another quiet 30 ms.
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([["Service/blue/a", "Service/blue/b"]]);
    expect(await Promise.all([first, second])).toEqual(["Service/blue/a", "Service/blue/b"]);
  });
});
