import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { WorkQueue } from "../../../src/controller/queue.js";
import type { QueueResult } from "../../../src/controller/queue.js";

type Deferred<T> = { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void };

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A handler whose every call waits until the test settles it; records calls, times and overlap. */
function controlledHandler() {
  const pending = new Map<string, Deferred<QueueResult>[]>();
  const calls: { key: string; at: number }[] = [];
  const active = new Map<string, number>();
  let activeTotal = 0;
  let maxActiveTotal = 0;
  let maxActivePerKey = 0;
  const handler = async (key: string): Promise<QueueResult> => {
    calls.push({ key, at: Date.now() });
    active.set(key, (active.get(key) ?? 0) + 1);
    activeTotal += 1;
    maxActiveTotal = Math.max(maxActiveTotal, activeTotal);
    maxActivePerKey = Math.max(maxActivePerKey, active.get(key) ?? 0);
    const d = deferred<QueueResult>();
    pending.set(key, [...(pending.get(key) ?? []), d]);
    try {
      return await d.promise;
    } finally {
      active.set(key, (active.get(key) ?? 1) - 1);
      activeTotal -= 1;
    }
  };
  /** Settle the oldest running call for a key. */
  const finish = async (key: string, result: QueueResult = {}) => {
    const queue = pending.get(key) ?? [];
    const d = queue.shift();
    if (d === undefined) throw new Error(`no running call for ${key}`);
    d.resolve(result);
    await vi.advanceTimersByTimeAsync(0);
  };
  const count = (key: string) => calls.filter((c) => c.key === key).length;
  return { handler, finish, calls, count, stats: () => ({ maxActiveTotal, maxActivePerKey }) };
}

const tick = () => vi.advanceTimersByTimeAsync(0);

describe("WorkQueue", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("does not add a key twice while it waits", async () => {
    const h = controlledHandler();
    const queue = new WorkQueue({ concurrency: 1, handler: h.handler });
    queue.add("blocker");
    await tick();
    queue.add("a");
    queue.add("a");
    queue.add("a");
    expect(queue.size).toBe(1);
    await h.finish("blocker");
    await h.finish("a");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.count("a")).toBe(1);
    expect(queue.size).toBe(0);
  });

  it("runs a key once more after it finishes when it was added during processing", async () => {
    const h = controlledHandler();
    const queue = new WorkQueue({ concurrency: 2, handler: h.handler });
    queue.add("a");
    await tick();
    expect(queue.inFlight).toBe(1);
    queue.add("a");
    queue.add("a");
    await tick();
    expect(h.count("a")).toBe(1);
    await h.finish("a");
    expect(h.count("a")).toBe(2);
    await h.finish("a");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.count("a")).toBe(2);
  });

  it("never runs one key twice at once, whatever the concurrency", async () => {
    const h = controlledHandler();
    const queue = new WorkQueue({ concurrency: 8, handler: h.handler });
    for (let round = 0; round < 5; round++) {
      queue.add("a");
      queue.add("a");
      queue.addAfter("a", 10);
      await vi.advanceTimersByTimeAsync(10);
      queue.add("a");
      await h.finish("a");
    }
    expect(h.stats().maxActivePerKey).toBe(1);
    expect(h.count("a")).toBeGreaterThan(1);
  });

  it("bounds the number of handlers running at once", async () => {
    const h = controlledHandler();
    const queue = new WorkQueue({ concurrency: 2, handler: h.handler });
    for (const key of ["a", "b", "c", "d", "e"]) queue.add(key);
    await tick();
    expect(queue.inFlight).toBe(2);
    expect(queue.size).toBe(3);
    await h.finish("a");
    expect(h.calls.map((c) => c.key)).toEqual(["a", "b", "c"]);
    await h.finish("b");
    await h.finish("c");
    await h.finish("d");
    await h.finish("e");
    await queue.onIdle();
    expect(h.stats().maxActiveTotal).toBe(2);
    expect(h.calls).toHaveLength(5);
  });

  it("requeues after requeueAfterMs and resets nothing else", async () => {
    const handler = vi.fn(async (): Promise<QueueResult> => ({ requeueAfterMs: 30_000 }));
    const queue = new WorkQueue({ concurrency: 1, handler });
    queue.add("a");
    await tick();
    expect(queue.scheduled).toBe(1);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(handler).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it("lets the sooner of two delayed adds win", async () => {
    const handler = vi.fn(async (): Promise<QueueResult> => ({}));
    const queue = new WorkQueue({ concurrency: 1, handler });
    queue.addAfter("a", 10_000);
    queue.addAfter("a", 2_000);
    queue.addAfter("a", 5_000);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(handler).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("runs at once on add even when a delayed add is pending, and drops the delayed one", async () => {
    const handler = vi.fn(async (): Promise<QueueResult> => ({}));
    const queue = new WorkQueue({ concurrency: 1, handler });
    queue.addAfter("a", 5_000);
    queue.add("a");
    await tick();
    expect(handler).toHaveBeenCalledTimes(1);
    expect(queue.scheduled).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("backs off exponentially from 750 ms per key and caps at 15 minutes", async () => {
    const handler = vi.fn(async (): Promise<QueueResult> => ({ retry: true }));
    const queue = new WorkQueue({ concurrency: 1, handler, backoff: { jitter: 0 } });
    queue.add("a");
    await tick();
    const times = [0];
    for (let i = 0; i < 13; i++) {
      await vi.advanceTimersToNextTimerAsync();
      times.push(Date.now());
    }
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    expect(gaps).toEqual([750, 1_500, 3_000, 6_000, 12_000, 24_000, 48_000, 96_000, 192_000, 384_000, 768_000, 900_000, 900_000]);
    expect(handler).toHaveBeenCalledTimes(14);
    expect(queue.failures("a")).toBe(14);
    await queue.stop({ timeoutMs: 0 });
  });

  it("forgets the backoff after a success", async () => {
    const outcomes: QueueResult[] = [{ retry: true }, { retry: true }, { retry: true }, {}, { retry: true }];
    const handler = vi.fn(async (): Promise<QueueResult> => outcomes.shift() ?? {});
    const queue = new WorkQueue({ concurrency: 1, handler, backoff: { jitter: 0 } });
    queue.add("a");
    await vi.advanceTimersByTimeAsync(750 + 1_500 + 3_000);
    expect(handler).toHaveBeenCalledTimes(4);
    expect(queue.failures("a")).toBe(0);
    queue.add("a");
    await tick();
    expect(handler).toHaveBeenCalledTimes(5);
    await vi.advanceTimersByTimeAsync(749);
    expect(handler).toHaveBeenCalledTimes(5);
    await vi.advanceTimersByTimeAsync(1);
    expect(handler).toHaveBeenCalledTimes(6);
  });

  it("keeps backoff separate per key", async () => {
    const handler = vi.fn(async (key: string): Promise<QueueResult> => (key === "bad" ? { retry: true } : {}));
    const queue = new WorkQueue({ concurrency: 2, handler, backoff: { jitter: 0 } });
    queue.add("bad");
    await vi.advanceTimersByTimeAsync(750 + 1_500);
    queue.add("good");
    await tick();
    expect(queue.failures("bad")).toBe(3);
    expect(queue.failures("good")).toBe(0);
    await queue.stop({ timeoutMs: 0 });
  });

  it("jitters each delay within ±jitter and never above the cap", () => {
    const low = new WorkQueue({ concurrency: 1, handler: async () => ({}), random: () => 0 });
    const high = new WorkQueue({ concurrency: 1, handler: async () => ({}), random: () => 1 });
    expect(low.backoffMs(0)).toBe(675);
    expect(high.backoffMs(0)).toBe(825);
    expect(high.backoffMs(3)).toBe(6_600);
    expect(high.backoffMs(11)).toBe(900_000);
    expect(high.backoffMs(1_000)).toBe(900_000);
    expect(low.backoffMs(1_000)).toBe(810_000);
  });

  it("treats a handler exception as a retry", async () => {
    let calls = 0;
    const handler = vi.fn(async (): Promise<QueueResult> => {
      calls += 1;
      if (calls === 1) throw new Error("boom");
      return {};
    });
    const queue = new WorkQueue({ concurrency: 1, handler, backoff: { jitter: 0 } });
    queue.add("a");
    await tick();
    expect(queue.failures("a")).toBe(1);
    await vi.advanceTimersByTimeAsync(750);
    expect(handler).toHaveBeenCalledTimes(2);
    expect(queue.failures("a")).toBe(0);
  });

  it("does not requeue a stalled key until it is added again", async () => {
    const handler = vi.fn(async (): Promise<QueueResult> => ({ stalled: true }));
    const queue = new WorkQueue({ concurrency: 1, handler });
    queue.add("a");
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(queue.scheduled).toBe(0);
    queue.add("a");
    await tick();
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it("on stop drops waiting and delayed keys and waits for running handlers", async () => {
    const h = controlledHandler();
    const queue = new WorkQueue({ concurrency: 1, handler: h.handler });
    queue.add("a");
    queue.add("b");
    queue.addAfter("c", 1_000);
    await tick();
    let stopped: boolean | undefined;
    void queue.stop({ timeoutMs: 10_000 }).then((value) => (stopped = value));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(stopped).toBeUndefined();
    expect(queue.scheduled).toBe(0);
    await h.finish("a", { requeueAfterMs: 1 });
    expect(stopped).toBe(true);
    queue.add("d");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.calls.map((c) => c.key)).toEqual(["a"]);
  });

  it("on stop gives up after the timeout and aborts the running handler's signal", async () => {
    let signal: AbortSignal | undefined;
    const queue = new WorkQueue({
      concurrency: 1,
      handler: (_key, context) => {
        signal = context.signal;
        return new Promise<QueueResult>(() => {});
      },
    });
    queue.add("a");
    await tick();
    let stopped: boolean | undefined;
    void queue.stop({ timeoutMs: 2_000 }).then((value) => (stopped = value));
    await vi.advanceTimersByTimeAsync(1_999);
    expect(stopped).toBeUndefined();
    expect(signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(stopped).toBe(false);
    expect(signal?.aborted).toBe(true);
  });

  it("stops at once when nothing runs", async () => {
    const queue = new WorkQueue({ concurrency: 1, handler: async () => ({}) });
    await expect(queue.stop({ timeoutMs: 1_000 })).resolves.toBe(true);
  });

  it("rejects a concurrency below one", () => {
    expect(() => new WorkQueue({ concurrency: 0, handler: async () => ({}) })).toThrow(RangeError);
  });

  it("lists the keys waiting to start, in order, and tells a handler when its key was last queued", async () => {
    const seen: { key: string; queuedAt: number }[] = [];
    const gate = deferred<QueueResult>();
    const queue = new WorkQueue({
      concurrency: 1,
      handler: (key, { queuedAt }) => {
        seen.push({ key, queuedAt });
        return gate.promise;
      },
    });
    queue.add("a");
    await vi.advanceTimersByTimeAsync(100);
    queue.add("b");
    await vi.advanceTimersByTimeAsync(100);
    queue.add("c");
    await vi.advanceTimersByTimeAsync(100);
    // Added again while waiting: still one entry, queued as of now (a read before this is stale for it).
    queue.add("b");
    expect([...queue.waiting]).toEqual(["b", "c"]);
    gate.resolve({});
    await queue.onIdle();
    expect(seen).toEqual([
      { key: "a", queuedAt: 0 },
      { key: "b", queuedAt: 300 },
      { key: "c", queuedAt: 200 },
    ]);
    expect([...queue.waiting]).toEqual([]);
  });
});
