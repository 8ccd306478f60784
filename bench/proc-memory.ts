import { readFileSync, writeFileSync } from "node:fs";

const KiB_PER_MiB = 1024;

/** VmRSS and VmHWM of a process (Linux /proc/<pid>/status), in KiB; undefined once it is gone. */
export function procMemoryKiB(pid: number): { rss: number; hwm: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rss: kib("VmRSS"), hwm: kib("VmHWM") };
}

/**
 * Resets the process's peak RSS (VmHWM) to its current RSS (Linux ≥ 4.0, same user): the peak
 * read at the end of a phase is then that phase's own, not the lifetime high. False when the
 * kernel refused (the phase's peak is then the sampled VmRSS only).
 */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

export type ProcPhasePeak = {
  /** The highest VmRSS sampled during the phase, MiB. */
  sampledMiB: number;
  /** VmHWM at the phase's end (reset at its start): the kernel's own peak, which no sample misses. MiB; undefined if not reset. */
  hwmMiB: number | undefined;
};

/**
 * Another process's peak RSS per phase, from outside it (so the measuring costs the measured
 * process nothing): VmRSS sampled every `intervalMs`, and VmHWM reset when a phase starts and read
 * when it ends. RSS covers the whole process, worker threads included; git's child processes not.
 */
export class ProcPeakSampler {
  readonly #pid: number;
  readonly #timer: ReturnType<typeof setInterval>;
  #sampledKiB = 0;
  #hwmReset = false;

  /** `resetFirst: false` for a process that just started: its lifetime peak is the first phase's, start-up included. */
  constructor(pid: number, intervalMs = 50, options: { resetFirst?: boolean } = {}) {
    this.#pid = pid;
    this.#begin(options.resetFirst ?? true);
    this.#timer = setInterval(() => this.#sample(), intervalMs);
  }

  /** Ends the current phase (its peak) and starts the next. */
  next(): ProcPhasePeak {
    this.#sample();
    const hwm = this.#hwmReset ? procMemoryKiB(this.#pid)?.hwm : undefined;
    const peak = {
      sampledMiB: Math.round(this.#sampledKiB / KiB_PER_MiB),
      hwmMiB: hwm === undefined || Number.isNaN(hwm) ? undefined : Math.round(hwm / KiB_PER_MiB),
    };
    this.#begin(true);
    return peak;
  }

  stop(): ProcPhasePeak {
    const peak = this.next();
    clearInterval(this.#timer);
    return peak;
  }

  #begin(reset: boolean): void {
    this.#sampledKiB = 0;
    this.#hwmReset = reset ? resetPeak(this.#pid) : procMemoryKiB(this.#pid) !== undefined;
    this.#sample();
  }

  #sample(): void {
    const rss = procMemoryKiB(this.#pid)?.rss;
    if (rss !== undefined && rss > this.#sampledKiB) this.#sampledKiB = rss;
  }
}
