import { readFileSync } from "node:fs";
import { getHeapSpaceStatistics } from "node:v8";

const MiB = 1024 * 1024;
const mib = (bytes: number) => Math.round(bytes / MiB);

/** Linux: the RSS split into anonymous memory (V8's heap, malloc) and mapped files (the node binary, shared libraries). */
export function rssSplit(): { anonymousMiB: number; filesMiB: number } | undefined {
  let status: string;
  try {
    status = readFileSync("/proc/self/status", "utf8");
  } catch {
    return undefined;
  }
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { anonymousMiB: Math.round(kib("RssAnon") / 1024), filesMiB: Math.round(kib("RssFile") / 1024) };
}

type Peak = { rss: number; heapTotal: number; heapUsed: number; external: number; anonymous: number; spaces: Record<string, number> };

/**
 * A phase's own peak RSS: sampled every 50 ms from `start` to `stop`, so that a phase can show
 * less than the one before it (process.resourceUsage().maxRSS is the process's lifetime
 * high-water mark). RSS is the whole process, worker threads included. `BENCH_MEMORY_LOG=1` also
 * reports where the highest sample sat (V8 heap spaces committed vs the rest), on stderr; those
 * details cost a few % of CPU, the RSS samples alone do not.
 */
export class MemorySampler {
  #timer: ReturnType<typeof setInterval> | undefined;
  #peakRss = 0;
  #peak: Peak | undefined;
  readonly #detailed = process.env["BENCH_MEMORY_LOG"] === "1";

  start(): this {
    this.#peak = undefined;
    this.#peakRss = 0;
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), 50);
    return this;
  }

  /** The phase's peak RSS in MiB (0 when the sampler was not started). */
  stop(phase: string): number {
    if (this.#timer === undefined) return 0;
    this.#sample();
    clearInterval(this.#timer);
    this.#timer = undefined;
    const p = this.#peak;
    if (p !== undefined) {
      const spaces = Object.entries(p.spaces)
        .map(([space, bytes]) => `${space.replace(/_space$/, "")} ${mib(bytes)}`)
        .join(", ");
      console.error(
        `[bench] ${phase} peak sample: rss ${mib(p.rss)} MiB (anonymous ${p.anonymous}), ` +
          `heap ${mib(p.heapUsed)} used of ${mib(p.heapTotal)} committed (${spaces}), ` +
          `external ${mib(p.external)}`,
      );
    }
    return mib(this.#peakRss);
  }

  #sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss <= this.#peakRss) return;
    this.#peakRss = rss;
    if (!this.#detailed) return;
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.physical_space_size]));
    this.#peak = { ...process.memoryUsage(), anonymous: rssSplit()?.anonymousMiB ?? 0, spaces };
  }
}

/** Linux: anonymous RSS by mapping, largest first (`[heap]` is malloc's main arena; V8 maps its pages on its own). */
export function anonymousMappings(top = 8): string {
  let smaps: string;
  try {
    smaps = readFileSync("/proc/self/smaps", "utf8");
  } catch {
    return "";
  }
  const found: { name: string; sizeKiB: number; anonKiB: number }[] = [];
  let current: { name: string; sizeKiB: number; anonKiB: number } | undefined;
  for (const line of smaps.split("\n")) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      current = { name: header[3] || "anon", sizeKiB: (parseInt(header[2]!, 16) - parseInt(header[1]!, 16)) / 1024, anonKiB: 0 };
      found.push(current);
    } else if (current && line.startsWith("Anonymous:")) current.anonKiB = Number(/(\d+)/.exec(line)?.[1] ?? 0);
  }
  const bySize = new Map<string, { n: number; anonKiB: number }>();
  for (const m of found) {
    if (m.anonKiB === 0) continue;
    const key = m.name === "anon" ? `anon ${m.sizeKiB >= 1024 ? `${Math.round(m.sizeKiB / 1024)}M` : `${m.sizeKiB}K`}` : m.name;
    const entry = bySize.get(key) ?? { n: 0, anonKiB: 0 };
    entry.n += 1;
    entry.anonKiB += m.anonKiB;
    bySize.set(key, entry);
  }
  return [...bySize.entries()]
    .sort((a, b) => b[1].anonKiB - a[1].anonKiB)
    .slice(0, top)
    .map(([key, e]) => `${key}×${e.n} ${Math.round(e.anonKiB / 1024)}M`)
    .join(", ");
}
