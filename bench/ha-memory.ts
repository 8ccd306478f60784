import { metricSum } from "../test/e2e/controller-harness.js";
import type { ControllerProcess } from "../test/e2e/controller-harness.js";

/** Each replica's peaks over one phase of the HA bench, in MiB (index = replica). */
export type PhaseMemory = { phase: string; rssMiB: number[]; heapUsedMiB: number[]; externalMiB: number[] };

const MIB = 2 ** 20;
const PEAKS = ["process_resident_memory_bytes", "nodejs_heap_size_used_bytes", "nodejs_external_memory_bytes"] as const;

/**
 * Samples every replica's /metrics every `intervalMs` and keeps, per phase (balancing, first sync,
 * image change), each replica's peak resident set, V8 heap in use and memory outside the heap.
 * A single sample at the end showed only what was left after the last wave, not the peak, and
 * not which part of the process held it. A replica too busy to answer within the harness's 5 s
 * is skipped for that sample (its event loop stalled: the next sample catches up).
 */
export class MemorySampler {
  readonly #controllers: readonly ControllerProcess[];
  readonly #phases: { phase: string; peaks: number[][] }[] = [];
  #timer: NodeJS.Timeout | undefined;
  #busy = false;

  constructor(controllers: readonly ControllerProcess[], intervalMs = 2_000) {
    this.#controllers = controllers;
    this.phase("start");
    this.#timer = setInterval(() => void this.#sample(), intervalMs);
  }

  /** Samples from now on count for `name`. */
  phase(name: string): void {
    this.#phases.push({ phase: name, peaks: PEAKS.map(() => this.#controllers.map(() => 0)) });
  }

  /** Stop sampling (after one last sample); the peaks of every phase. */
  async stop(): Promise<PhaseMemory[]> {
    clearInterval(this.#timer);
    while (this.#busy) await new Promise((resolve) => setTimeout(resolve, 50));
    await this.#sample();
    return this.#phases.map(({ phase, peaks }) => {
      const [rss, heap, external] = peaks.map((values) => values.map((bytes) => Math.round(bytes / MIB)));
      return { phase, rssMiB: rss!, heapUsedMiB: heap!, externalMiB: external! };
    });
  }

  async #sample(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    const current = this.#phases[this.#phases.length - 1]!;
    await Promise.all(
      this.#controllers.map(async (controller, r) => {
        const text = await controller.metrics().catch(() => undefined);
        if (text === undefined) return;
        PEAKS.forEach((name, i) => (current.peaks[i]![r] = Math.max(current.peaks[i]![r]!, metricSum(text, name))));
      }),
    );
    this.#busy = false;
  }
}
