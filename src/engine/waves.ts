import type { Logger } from "pino";
import type { ResourceKey } from "../manifests/types.js";
import type { QueueResult } from "../controller/queue.js";

export type WaveOptions = {
  /** Keys asked for until no new key came for this long share one wave. */
  quietMs?: number | undefined;
  /** …but a wave starts at the latest this long after its first key, however steadily keys keep coming. */
  maxDelayMs?: number | undefined;
  log: Logger;
};

type Wave = { waiters: Map<ResourceKey, ((r: QueueResult) => void)[]>; firstAt: number; timer: ReturnType<typeof setTimeout> | undefined };

/**
 * Gathers the keys asked for within a short window and runs them as one wave (one batched read,
 * one plan, one apply); each caller gets its own key's result. A wave that throws retries all
 * its keys.
 */
export class WaveBatcher {
  readonly #run: (keys: ResourceKey[]) => Promise<Map<ResourceKey, QueueResult>>;
  readonly #o: WaveOptions;
  #wave: Wave | undefined;

  constructor(run: (keys: ResourceKey[]) => Promise<Map<ResourceKey, QueueResult>>, options: WaveOptions) {
    this.#run = run;
    this.#o = options;
  }

  add(key: ResourceKey): Promise<QueueResult> {
    return new Promise((resolve) => {
      const wave = this.#wave ?? { waiters: new Map(), firstAt: Date.now(), timer: undefined };
      this.#wave = wave;
      wave.waiters.set(key, [...(wave.waiters.get(key) ?? []), resolve]);
      // Debounced: keys retried with jittered backoff (a failed wave) arrive spread over a few
      // hundred ms and would otherwise split into many small waves, each paying its own reads.
      clearTimeout(wave.timer);
      const quietMs = Math.min(this.#o.quietMs ?? 20, wave.firstAt + (this.#o.maxDelayMs ?? 250) - Date.now());
      wave.timer = setTimeout(
        () => {
          if (this.#wave === wave) this.#wave = undefined;
          void this.#runWave(wave.waiters);
        },
        Math.max(0, quietMs),
      );
    });
  }

  async #runWave(waiters: Wave["waiters"]): Promise<void> {
    let results: Map<ResourceKey, QueueResult>;
    try {
      results = await this.#run([...waiters.keys()]);
    } catch (error) {
      this.#o.log.error({ err: error }, "reconcile wave failed");
      results = new Map([...waiters.keys()].map((k) => [k, { retry: true }]));
    }
    for (const [key, resolvers] of waiters) for (const resolve of resolvers) resolve(results.get(key) ?? { retry: true });
  }
}

/**
 * Time until the next shared resync tick at least half a period away. Every key due then joins
 * one wave and one batched read (⌈N/10⌉ DescribeServices for N services); per-key jitter would
 * scatter a resync into many small waves, each paying its own reads. The ticks' phase (0–1) is
 * random per process, so controllers started together do not all read at once.
 */
export function resyncAfterMs(periodMs: number, phase: number, now: number): number {
  if (!(periodMs > 0)) return periodMs;
  const offsetMs = phase * periodMs;
  const tick = offsetMs + Math.ceil((now + periodMs / 2 - offsetMs) / periodMs) * periodMs;
  return Math.max(1, Math.round(tick - now));
}
