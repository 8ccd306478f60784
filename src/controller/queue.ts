import PQueue from "p-queue";
import type { Logger } from "pino";
import { jittered } from "../jitter.js";

import type { QueueResult } from "../queue-result.js";

export type { QueueResult };

/** `queuedAt`: when the key was last added before this run (a read made after it is fresh enough). */
export type QueueHandler = (key: string, context: { signal: AbortSignal; queuedAt: number }) => Promise<QueueResult>;

export type Clock = {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

export type Backoff = { baseMs?: number; maxMs?: number; jitter?: number };

export type WorkQueueOptions = {
  concurrency: number;
  handler: QueueHandler;
  /** Per-key exponential backoff for `{ retry: true }`: baseMs × 2^failures, capped (Flux: 750 ms → 15 min). */
  backoff?: Backoff;
  clock?: Clock;
  /** Tests: a fixed source for the jitter. */
  random?: () => number;
  log?: Logger;
};

/**
 * Reconciles the controller runs at once. Bounded: a reconcile no longer waits in a wave for
 * others to join (the batching reader reads the queued keys ahead instead), and each holds a
 * plan and its writes while it runs.
 */
export const RECONCILE_CONCURRENCY = 128;

// Looked up on every call, so fake timers installed after construction still apply.
/** Timers of the system, times of `now`: queued-at stamps compare with reads stamped by the same injected clock. */
export function clockOf(now: () => Date): Clock {
  return { ...systemClock, now: () => now().getTime() };
}

const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

type Timer = { dueAt: number; handle: unknown };

/**
 * A keyed work queue with client-go workqueue semantics on top of p-queue:
 * the queue holds keys, not objects; a key already waiting is not added twice; a key being
 * processed is marked dirty and runs once more after it finishes, never twice at once; global
 * concurrency is bounded by p-queue; failures back off per key until `forget`.
 */
export class WorkQueue {
  readonly #handler: QueueHandler;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #log: Logger | undefined;
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #jitter: number;
  readonly #pq: PQueue;
  readonly #waiting = new Set<string>();
  /** When each waiting key was last added (an add of a key already waiting moves it). */
  readonly #queuedAt = new Map<string, number>();
  readonly #processing = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #timers = new Map<string, Timer>();
  readonly #failures = new Map<string, number>();
  readonly #abort = new AbortController();
  #stopped = false;

  constructor(options: WorkQueueOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError(`WorkQueue concurrency must be a positive integer, got ${options.concurrency}`);
    }
    this.#handler = options.handler;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#log = options.log;
    this.#baseMs = options.backoff?.baseMs ?? 750;
    this.#maxMs = options.backoff?.maxMs ?? 900_000;
    this.#jitter = options.backoff?.jitter ?? 0.1;
    this.#pq = new PQueue({ concurrency: options.concurrency });
  }

  /** Keys waiting to run (not counting delayed ones or those in flight). */
  get size(): number {
    return this.#waiting.size;
  }

  /** The keys waiting to run, in the order they will start. */
  get waiting(): ReadonlySet<string> {
    return this.#waiting;
  }

  /** Keys whose handler is running now. */
  get inFlight(): number {
    return this.#processing.size;
  }

  /** Keys with a delayed add pending (requeueAfter, backoff or addAfter). */
  get scheduled(): number {
    return this.#timers.size;
  }

  /** Consecutive failures recorded for a key (its next backoff step). */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Queue a key to run as soon as a slot is free. Replaces any delayed add for the key. */
  add(key: string): void {
    if (this.#stopped) return;
    this.#cancelTimer(key);
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    this.#queuedAt.set(key, this.#clock.now());
    if (this.#waiting.has(key)) return;
    this.#waiting.add(key);
    void this.#pq.add(() => this.#run(key));
  }

  /** Queue a key after `ms`. An earlier pending time for the key wins; a key already waiting is left alone. */
  addAfter(key: string, ms: number): void {
    if (this.#stopped) return;
    if (!(ms > 0)) {
      this.add(key);
      return;
    }
    if (this.#waiting.has(key)) return;
    const dueAt = this.#clock.now() + ms;
    const current = this.#timers.get(key);
    if (current !== undefined && current.dueAt <= dueAt) return;
    this.#cancelTimer(key);
    const handle = this.#clock.setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, ms);
    this.#timers.set(key, { dueAt, handle });
  }

  /** Queue a key after its next backoff step (750 ms × 2^failures, jittered, capped). */
  addRateLimited(key: string): void {
    const failures = this.failures(key);
    this.#failures.set(key, failures + 1);
    this.addAfter(key, this.backoffMs(failures));
  }

  /** Reset a key's backoff: the next failure waits the base delay again. */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** The delay after `failures` consecutive failures, with ±jitter, never above maxMs. */
  backoffMs(failures: number): number {
    const exponential = Math.min(this.#baseMs * 2 ** Math.min(failures, 52), this.#maxMs);
    return Math.max(0, Math.min(Math.round(jittered(exponential, this.#jitter, this.#random)), this.#maxMs));
  }

  /** Resolves when nothing is waiting or running (delayed adds do not count). */
  onIdle(): Promise<void> {
    return this.#pq.onIdle();
  }

  /**
   * Stop taking work: drop waiting keys, cancel delayed adds, wait for running handlers up to
   * `timeoutMs`, then abort their signal. Resolves `true` when every handler finished in time.
   */
  async stop(options: { timeoutMs: number }): Promise<boolean> {
    this.#stopped = true;
    this.#pq.clear();
    this.#waiting.clear();
    this.#queuedAt.clear();
    this.#dirty.clear();
    for (const key of [...this.#timers.keys()]) this.#cancelTimer(key);
    if (this.#processing.size === 0) return true;
    let handle: unknown;
    const timedOut = new Promise<false>((resolve) => {
      handle = this.#clock.setTimeout(() => resolve(false), options.timeoutMs);
    });
    const finished = await Promise.race([this.#pq.onIdle().then(() => true as const), timedOut]);
    this.#clock.clearTimeout(handle);
    if (!finished) this.#abort.abort(new Error("work queue stopped"));
    return finished;
  }

  async #run(key: string): Promise<void> {
    this.#waiting.delete(key);
    this.#processing.add(key);
    const queuedAt = this.#queuedAt.get(key) ?? this.#clock.now();
    this.#queuedAt.delete(key);
    let result: QueueResult;
    try {
      result = await this.#handler(key, { signal: this.#abort.signal, queuedAt });
    } catch (error) {
      this.#log?.warn({ key, err: error }, "handler threw; retrying with backoff");
      result = { retry: true };
    }
    this.#processing.delete(key);
    if (this.#stopped) return;
    if (isRetry(result)) {
      this.addRateLimited(key);
    } else if ("stalled" in result) {
      // A new add starts a new episode: its first failure waits the base delay again.
      this.forget(key);
    } else {
      this.forget(key);
      if (typeof result.requeueAfterMs === "number") this.addAfter(key, result.requeueAfterMs);
    }
    // Added while running: the handler may have read stale state, so run once more now.
    if (this.#dirty.delete(key)) this.add(key);
  }

  #cancelTimer(key: string): void {
    const timer = this.#timers.get(key);
    if (timer === undefined) return;
    this.#clock.clearTimeout(timer.handle);
    this.#timers.delete(key);
  }
}

// A handler written in plain JS may resolve with nothing: count that as a failure, not a crash.
function isRetry(result: QueueResult): result is { retry: true } {
  return typeof result !== "object" || result === null || ("retry" in result && result.retry);
}
