import { lstat } from "node:fs/promises";
import path from "node:path";
import { CONFIG_FILE_NAMES, IGNORE_FILE } from "../manifests/load.js";
import { BoundedCollector } from "./heap-collect.js";
import { commitSettings, loadCommitInWorker, toTransferable, withLocators } from "./commit-load.js";
import type { CommitLoad, CommitLoadLimits, CommitLoadRequest } from "./commit-load.js";
import { LoadMarker } from "./load-marker.js";
import { loadPlainCommit } from "./plain-commit.js";
import type { LoadMemo, ParseBounds } from "./plain-commit.js";

/**
 * What the controller's own thread may parse of a commit: files of at most 4 KiB (one per slice of
 * work), each with few flow brackets, anchors, aliases or tags and few documents, 4 MiB in all. A 4
 * KiB file of those (flow mappings, aliases, nesting, bad documents) takes 5–30 ms of CPU to parse,
 * several times that on a busy machine, so such a file goes to the worker, as does anything larger
 * (docs/scale.md#incremental-commit-loads). The 4 MiB bounds the memory a load takes here (the
 * 1,000-service fleet's 2,300 manifests are ~2 MB: docs/controller-memory.md).
 */
export const INCREMENTAL_BOUNDS: ParseBounds = {
  maxChangedBytes: 4 * 1024 * 1024,
  maxFileBytes: 4 * 1024,
  maxMarks: 128,
  maxDocuments: 8,
  // Real manifests nest fewer than ~25 levels; the yaml library overflows the stack at ~2,000.
  maxDepth: 64,
  // 2.6 times the 1,000-service fleet's 2,300 documents; each one's manifest or problems stay in memory to the end.
  maxLoadDocuments: 6_000,
  // A broken commit's first problems say what is wrong; past these the worker (heap cap, time limit) loads it.
  maxLoadProblems: 2_000,
};

export type LoadPath = "incremental" | "worker";

/**
 * Loads each commit the controller sees. A plain commit whose files all pass the bounds is loaded
 * here, the first one included, file by file in slices: only the files changed since the last load
 * are parsed (all of them at the first load or when the settings or variables changed), the others'
 * manifests come from the last load, and the checks across manifests run over the whole set. That
 * spares the worker thread's isolate, module graph and second copy of the commit, which set the
 * controller's peak memory (docs/controller-memory.md). A commit past the bounds, a commit of
 * environments and any commit after a load that failed are loaded in full in a worker thread: a
 * pathological commit must not stall /healthz or the queue, and the worker bounds its memory too.
 */
export class CommitLoader {
  #memo: LoadMemo | undefined;
  /** The last load failed: the next one goes to the worker, whatever it holds. */
  #failed = false;
  /** A marker sent this load to the worker: it is removed once the worker has the commit. */
  #handOff = false;
  readonly #bounds: ParseBounds;
  readonly #inWorker: typeof loadCommitInWorker;
  readonly #marker: LoadMarker | undefined;
  readonly #collector: BoundedCollector;
  /** How the last load ran; `parsed`: the files it parsed; `gcMs`: the collection before it, if one ran. */
  last: { path: LoadPath; parsed?: number; gcMs?: number } | undefined;

  /** `marker`: the file in the work dir that names a load on this thread while it runs (src/source/load-marker.ts). */
  constructor(options: { bounds?: ParseBounds; inWorker?: typeof loadCommitInWorker; marker?: string; collector?: BoundedCollector } = {}) {
    this.#bounds = options.bounds ?? INCREMENTAL_BOUNDS;
    this.#inWorker = options.inWorker ?? loadCommitInWorker;
    this.#marker = options.marker === undefined ? undefined : new LoadMarker(options.marker);
    this.#collector = options.collector ?? new BoundedCollector();
  }

  async load(request: CommitLoadRequest, limits?: CommitLoadLimits): Promise<CommitLoad> {
    this.last = undefined;
    // One bounded collection per load, whichever path it takes: the worker is told not to collect again.
    const gcMs = this.#collector.collect();
    const quick = this.#failed ? undefined : await this.#here(request, gcMs);
    if (quick !== undefined) return quick;
    this.#memo = undefined;
    this.#failed = true;
    const { memo, ...load } = await this.#inWorker({ ...request, keepMemo: true }, limits, { collected: true }).finally(() =>
      this.#handedOff(),
    );
    this.#failed = false;
    this.#memo = memo;
    this.last = { path: "worker", ...(gcMs === undefined ? {} : { gcMs: Math.round(gcMs) }) };
    return load;
  }

  /** The commit a marker named has gone to the worker: the marker has done its work (src/source/load-marker.ts). */
  async #handedOff(): Promise<void> {
    if (!this.#handOff) return;
    this.#handOff = false;
    await this.#marker?.handedOff();
  }

  /** The load on this thread, marked on disk while it runs; undefined: the worker loads the commit. */
  async #here(request: CommitLoadRequest, gcMs: number | undefined): Promise<CommitLoad | undefined> {
    const marker = this.#marker;
    if (marker === undefined) return this.#incremental(request, this.#memo, gcMs);
    const commit = request.commit ?? "";
    // A previous process died loading this commit here: never again on this thread.
    if (await marker.crashedOn(commit)) {
      this.#handOff = true;
      return undefined;
    }
    return marker.around(commit, () => this.#incremental(request, this.#memo, gcMs));
  }

  async #incremental(request: CommitLoadRequest, memo: LoadMemo | undefined, gcMs?: number): Promise<CommitLoad | undefined> {
    const collected = gcMs === undefined ? {} : { gcMs: Math.round(gcMs) };
    // The settings and ignore files are parsed here too: a large one goes to the worker.
    for (const name of [...CONFIG_FILE_NAMES, IGNORE_FILE]) {
      const info = await lstat(path.join(request.root, name)).catch(() => undefined);
      if (info !== undefined && (!info.isFile() || info.size > this.#bounds.maxFileBytes)) return undefined;
    }
    const settings = await commitSettings(request);
    if ("loaded" in settings) {
      // A broken settings file: nothing is loaded, and the memo stays for the commit that fixes it.
      this.last = { path: "incremental", parsed: 0, ...collected };
      return settings;
    }
    const { config, configProblems, loadedConfig } = settings;
    const plain = await loadPlainCommit(request.root, loadedConfig, {
      defaultCluster: request.cluster ?? config.cluster,
      maxCommitBytes: request.maxCommitBytes,
      memo,
      bounds: this.#bounds,
    });
    if (plain === undefined) return undefined;
    this.#memo = plain.memo;
    this.last = { path: "incremental", parsed: plain.parsed, ...collected };
    // Kept as a load from the worker is: located at each document's start, no file read again later.
    return withLocators(toTransferable({ config, configProblems, loaded: plain.loaded }));
  }
}
