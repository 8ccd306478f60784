/**
 * A full collection of this thread's heap, when node runs with `--expose-gc` (the bin script and
 * the container image set it): called right before a commit-load worker starts, the one moment
 * the controller's peak RSS is set (the worker's heap on top of this one). The garbage of the
 * last resyncs would otherwise still hold pages V8 has not returned. One pause per commit: a full
 * collection of a 40–51 MiB heap takes 74–224 ms on a loaded 2-core machine
 * (docs/scale.md#the-commit-load-measured-again, docs/controller-memory.md). The controller's loader
 * collects through `BoundedCollector` instead and tells the worker load not to collect again.
 */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Collections at least this far apart: a commit pushed every few seconds pauses the loop at most once in them. */
export const MIN_COLLECTION_GAP_MS = 30_000;

/**
 * A full collection before a commit loads on the controller's thread, at most once per
 * `gapMs`: the load's parsing and the wave after it grow on the heap the last waves left, and V8
 * sizes its next collection by the live size it saw last (docs/controller-memory.md#what-a-wave-no-longer-holds).
 * Returns the pause in ms, or undefined when too soon or gc is not exposed.
 */
export class BoundedCollector {
  readonly #gc: (() => void) | undefined;
  readonly #now: () => number;
  readonly #gapMs: number;
  #lastAt = Number.NEGATIVE_INFINITY;

  constructor(options: { gc?: (() => void) | undefined; now?: () => number; gapMs?: number } = {}) {
    this.#gc = "gc" in options ? options.gc : (globalThis as { gc?: () => void }).gc;
    this.#now = options.now ?? (() => performance.now());
    this.#gapMs = options.gapMs ?? MIN_COLLECTION_GAP_MS;
  }

  collect(): number | undefined {
    const gc = this.#gc;
    const started = this.#now();
    if (gc === undefined || started - this.#lastAt < this.#gapMs) return undefined;
    gc();
    this.#lastAt = this.#now();
    return this.#lastAt - started;
  }
}
