import pino from "pino";
import type { Logger } from "pino";
import { AlertDispatcher } from "../src/alerts/dispatcher.js";
import type { AwsClients, CallSnapshot } from "../src/aws/index.js";
import { mergeDesiredState } from "../src/engine/desired-state.js";
import type { DesiredState } from "../src/engine/desired-state.js";
import { DriftTracker } from "../src/state/drift.js";
import { LiveReader } from "../src/engine/live-state.js";
import type { LiveReaderOptions } from "../src/engine/live-state.js";
import { createMetrics } from "../src/state/metrics.js";
import { planAll } from "../src/engine/planner.js";
import type { LiveSnapshot, PlanSettings } from "../src/engine/planner.js";
import { RECONCILE_CONCURRENCY, WorkQueue } from "../src/controller/queue.js";
import type { QueueResult } from "../src/controller/queue.js";
import { Reconciler } from "../src/controller/reconciler.js";
import { StatusStore } from "../src/state/status.js";
import type { Manifest, Problem, ResourceKey } from "../src/manifests/types.js";
import { CommitLoader } from "../src/source/incremental-load.js";
import type { LoadPath } from "../src/source/incremental-load.js";

/** A LiveReader that counts its batched reads (one per reconcile wave). */
class RecordingReader extends LiveReader {
  plans = 0;

  override async snapshot(manifests: readonly Manifest[], settings: { defaultCluster: string | undefined }): Promise<LiveSnapshot> {
    this.plans += 1;
    return super.snapshot(manifests, settings);
  }
}

export type SyncRun = {
  wallMs: number;
  /** Reconciles that ended in `{ retry: true }` (backed off and run again by the queue). */
  retries: number;
  /** Keys whose last result is not a success (stalled), or whose status carries an error. */
  failed: string[];
  /** Keys whose status is not Synced at the end. */
  notSynced: string[];
  /** Reconcile waves started (reader.plan calls). */
  waves: number;
};

export type HarnessOptions = {
  aws: AwsClients;
  region: string;
  owner?: string;
  reader?: LiveReaderOptions;
  log?: Logger;
  /** Revert hand changes (ecs-gitops.yaml `syncPolicy.selfHeal`); default false. */
  selfHeal?: boolean;
};

const HOUR_MS = 3_600_000;

/**
 * The controller's reconcile path without git and HTTP: a keyed WorkQueue (as many slots as the
 * controller gives it) feeding the Reconciler, which reads through one LiveReader (queued keys
 * read ahead with the running ones) and applies with the concurrent applier. Resync and rollout
 * polling are an hour away, so each phase runs exactly what it adds (as a shared resync tick
 * would: every key at once).
 */
export class WaveHarness {
  readonly reader: RecordingReader;
  #lastPlan: { manifests: readonly Manifest[]; snapshot: LiveSnapshot; settings: PlanSettings } | undefined;
  readonly reconciler: Reconciler;
  readonly status: StatusStore;
  readonly #queue: WorkQueue;
  readonly #aws: AwsClients;
  #desired: DesiredState | undefined;
  /** Loads commits as the controller does: the first in full in a worker, a small change incrementally. */
  readonly #commits = new CommitLoader();
  #pending: Map<ResourceKey, (result: QueueResult) => void> | undefined;
  #retries = 0;

  constructor(options: HarnessOptions) {
    this.#aws = options.aws;
    const log = options.log ?? pino({ level: "silent" });
    this.reader = new RecordingReader(options.aws, options.reader);
    this.status = new StatusStore({ source: { url: "bench", branch: "HEAD", path: "." } });
    this.reconciler = new Reconciler({
      aws: options.aws,
      reader: this.reader,
      // The planning step's last inputs, so it can be timed alone.
      plan: (manifests, snapshot, settings) => {
        this.#lastPlan = { manifests, snapshot, settings };
        return planAll(manifests, snapshot, settings);
      },
      status: this.status,
      drift: new DriftTracker({ log }),
      alerts: new AlertDispatcher({ sinks: [], log }),
      metrics: createMetrics(),
      log,
      settings: {
        owner: options.owner ?? "ecs-gitops",
        region: options.region,
        defaultCluster: undefined,
        ignoreRules: [],
        mode: "sync",
        automated: true,
        selfHeal: options.selfHeal ?? false,
        resyncMs: HOUR_MS,
        progressPollMs: HOUR_MS,
      },
      upcoming: () => this.#queue.waiting,
    });
    const reconciler = this.reconciler;
    this.#queue = new WorkQueue({
      concurrency: RECONCILE_CONCURRENCY,
      handler: async (key, { queuedAt }) => {
        const result = await reconciler.reconcile(key, queuedAt);
        this.#settle(key, result);
        return result;
      },
    });
  }

  /**
   * Load, validate and switch to the manifests in `dir` as `commit`, as the controller does: in a
   * worker thread (its memory counts) or, for a small change, incrementally in this one, keeping
   * what the controller keeps of each manifest (no YAML locators). CPU ms of load + validate, the
   * worker's included.
   */
  async load(
    dir: string,
    commit: string,
  ): Promise<{ keys: ResourceKey[]; cpuMs: number; problems: Problem[]; path: LoadPath | undefined }> {
    const cpu = process.cpuUsage();
    const { loaded, configProblems } = await this.#commits.load({ root: dir, cluster: undefined });
    if (loaded === undefined) throw new Error(`${dir}: ${configProblems.map((p) => p.message).join("; ")}`);
    const state = mergeDesiredState(loaded, commit, this.#desired);
    const used = process.cpuUsage(cpu);
    this.#desired = state;
    const keys = this.reconciler.setDesired(state);
    const problems = loaded.problems.filter((p) => p.severity === "error");
    return { keys, cpuMs: (used.user + used.system) / 1000, problems, path: this.#commits.last?.path };
  }

  /** Queue every key at once and wait until each has a final (non-retry) result. */
  async sync(keys: readonly ResourceKey[]): Promise<SyncRun> {
    const plansBefore = this.reader.plans;
    this.#retries = 0;
    const pending = new Map<ResourceKey, (result: QueueResult) => void>();
    const finals = keys.map((key) => new Promise<QueueResult>((resolve) => pending.set(key, resolve)));
    this.#pending = pending;
    const started = performance.now();
    for (const key of keys) this.#queue.add(key);
    const results = await Promise.all(finals);
    const wallMs = performance.now() - started;
    this.#pending = undefined;
    const failed = keys.filter((key, i) => "stalled" in (results[i] ?? {}) || this.status.get(key)?.lastError !== undefined);
    const notSynced = keys.filter((key) => this.status.get(key)?.sync !== "Synced");
    return { wallMs, retries: this.#retries, failed, notSynced, waves: this.reader.plans - plansBefore };
  }

  /** CPU ms of the pure planning step (normalize, diff, plan) over the last wave's snapshot. */
  planCpuMs(): number {
    const last = this.#lastPlan;
    if (!last) return 0;
    const cpu = process.cpuUsage();
    planAll(last.manifests, last.snapshot, last.settings);
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / 1000;
  }

  calls(): CallSnapshot {
    return this.#aws.calls.snapshot();
  }

  async stop(): Promise<void> {
    await this.#queue.stop({ timeoutMs: 5_000 });
  }

  #settle(key: ResourceKey, result: QueueResult): void {
    const resolve = this.#pending?.get(key);
    if (!resolve) return;
    if ("retry" in result && result.retry) {
      this.#retries += 1;
      return;
    }
    this.#pending?.delete(key);
    resolve(result);
  }
}

/** Logical calls per operation between two snapshots (operations with calls only). */
export function callsBetween(before: CallSnapshot, after: CallSnapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [op, stats] of Object.entries(after.byOperation)) {
    const delta = stats.calls - (before.byOperation[op]?.calls ?? 0);
    if (delta > 0) out[op] = delta;
  }
  return out;
}
