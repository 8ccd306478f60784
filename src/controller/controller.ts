import { mkdir } from "node:fs/promises";
import type { Logger } from "pino";
import { AlertDispatcher } from "../alerts/dispatcher.js";
import { CallAccounting, destroyAwsClients, requireFencedWrites, resolveRegion } from "../aws/index.js";
import type { AwsClients } from "../aws/index.js";
import { DEFAULT_CONFIG } from "../config.js";
import type { ControllerConfig } from "../config.js";
import { isEcsGitopsError } from "../errors.js";
import { heldBack, mergeDesiredState } from "../engine/desired-state.js";
import type { DriftTracker } from "../state/drift.js";
import type { ControllerHttpServer } from "../http/server.js";
import { ResourceDetails } from "../state/resource-details.js";
import { redactUrl } from "./log.js";
import { createMetrics, setCurrentCommit } from "../state/metrics.js";
import type { ControllerMetrics } from "../state/metrics.js";
import { clockOf, RECONCILE_CONCURRENCY, WorkQueue } from "./queue.js";
import type { Reconciler } from "./reconciler.js";
import { pollIntervalMs, settingsFromConfig } from "./controller-options.js";
import * as setup from "./controller-setup.js";
import { httpServerFor, reconcilerFor } from "./controller-parts.js";
import type { ControllerOptions } from "./controller-options.js";
import type { Source } from "../source/types.js";
import type { StatusStore } from "../state/status.js";
import type { Manifest } from "../manifests/types.js";
import { pluginFor } from "../resources/registry.js";
import { PollLoop } from "./poll-loop.js";
import type { CommitLoader } from "../source/incremental-load.js";
import type { ControllerLeasing } from "../lease/leasing.js";
import type { DeployHistory } from "../state/history.js";

export type { ControllerOptions };
export { pollIntervalMs, settingsFromConfig };

/**
 * The long-running operator: follows a git branch (or a local checkout), reconciles every
 * managed resource through a keyed queue, serves health/metrics/status/webhook on one port.
 */
export class Controller {
  readonly #o: ControllerOptions;
  readonly #log: Logger;
  readonly #metrics: ControllerMetrics;
  readonly #calls = new CallAccounting();
  readonly #commitLoader: CommitLoader;
  readonly #now: () => Date;
  #aws: AwsClients | undefined;
  #source: Source | undefined;
  #queue: WorkQueue | undefined;
  #reconciler: Reconciler | undefined;
  #http: ControllerHttpServer | undefined;
  #alerts: AlertDispatcher | undefined;
  #drift: DriftTracker | undefined;
  #history: DeployHistory | undefined;
  #status: StatusStore;
  readonly #polls = new PollLoop(
    () => this.#poll(),
    () => this.#intervalMs,
    () => this.#stopping,
  );
  #stopping = false;
  #firstSyncDone = false;
  #sourceReachable = false;
  /** The last commit loaded, whatever came of it: a broken commit is not reloaded on every poll. */
  #loadedCommit: string | undefined;
  /** The settings file of the last commit whose ecs-gitops.yaml loaded cleanly. */
  #config: ControllerConfig | undefined;
  /** The region the clients were made for: fixed at start-up. */
  #region: string | undefined;
  #intervalMs: number;
  /** When the loaded commit's `fromSsm` variables were read; undefined: it reads none. */
  #ssmReadAt: number | undefined;
  #leasing: ControllerLeasing | undefined;
  #closePause: (() => void) | undefined;

  constructor(options: ControllerOptions) {
    this.#o = options;
    this.#commitLoader = setup.commitLoaderFor(options.workDir);
    this.#now = options.now ?? (() => new Date());
    this.#intervalMs = options.intervalMs ?? DEFAULT_CONFIG.intervalMs;
    this.#log = options.log;
    this.#metrics = createMetrics(undefined, { defaultMetrics: options.environment === undefined });
    if (options.environment !== undefined) this.#metrics.registry.setDefaultLabels({ environment: options.environment });
    this.#status = setup.statusStoreFor(options, this.#metrics);
    this.#calls.onCall(({ operation, kind, outcome }) => this.#metrics.awsCalls.inc({ operation, type: kind, outcome }));
  }

  get calls(): CallAccounting {
    return this.#calls;
  }

  /**
   * Start serving and reconciling; resolves with the HTTP port once listening. On failure what
   * was started (the HTTP server, the watcher) is stopped again before the error is thrown.
   */
  async start(): Promise<number> {
    try {
      return await this.#start();
    } catch (error) {
      await this.stop().catch(() => undefined);
      throw error;
    }
  }

  async #start(): Promise<number> {
    const o = this.#o;
    await mkdir(o.workDir, { recursive: true });
    this.#aws = setup.awsClientsFor(o, this.#calls);
    const region = o.region ?? (await resolveRegion(this.#aws));
    this.#region = region;
    ({ drift: this.#drift, history: this.#history } = await setup.restoredStores(o.workDir, this.#log));
    const details = new ResourceDetails();
    const aws = this.#aws;
    const sinks = setup.alertSinks(o, aws, { registry: this.#metrics.registry, log: this.#log, drift: this.#drift, details });
    this.#alerts = new AlertDispatcher({ sinks, log: this.#log, registry: this.#metrics.registry });
    // Imported only with leases: it loads the DynamoDB client (docs/scale.md#lazy-sdk-clients).
    const leasing = o.lease
      ? new (await import("../lease/leasing.js")).ControllerLeasing(
          o.lease,
          { region, endpoint: o.endpoint, accountIdHeader: o.accountIdHeader },
          this.#log,
          { registry: this.#metrics.registry },
        )
      : undefined;
    this.#leasing = leasing;
    const fenced = leasing ? requireFencedWrites(leasing.fencedClients(aws)) : aws;
    const built = await reconcilerFor(o, {
      aws,
      fenced,
      region,
      status: this.#status,
      drift: this.#drift,
      alerts: this.#alerts,
      history: this.#history,
      metrics: this.#metrics,
      log: this.#log,
      details,
      syncWindows: () => this.#config?.syncWindows ?? [],
      requeue: (target) => this.#requeue(target),
      // Keys of a shard another replica holds, or one still catching up with git, are parked when they start: never read ahead.
      upcoming: () => [...(this.#queue?.waiting ?? [])].filter((key) => leasing?.mayReconcile(key) ?? true),
      mayReconcile: leasing ? (key) => leasing.mayReconcile(key) : undefined,
      now: this.#now,
      inFlightDeploy: leasing && ((key, commit) => leasing.inFlightDeploy(key, commit)),
    });
    const { reconciler, pause } = built;
    this.#reconciler = reconciler;
    this.#closePause = pause.close;
    // With leases, a key of a shard this replica does not hold now is parked; it comes back when it does.
    const handler = (key: string, { queuedAt }: { queuedAt: number }) =>
      leasing ? leasing.gate(key, () => reconciler.reconcile(key, queuedAt)) : reconciler.reconcile(key, queuedAt);
    this.#queue = new WorkQueue({ concurrency: RECONCILE_CONCURRENCY, handler, log: this.#log, clock: clockOf(this.#now) });
    if (leasing) {
      leasing.onRequeue((keys) => {
        for (const key of keys) this.#queue?.add(key);
      });
      leasing.catchUpWith(() => (this.#source === undefined ? Promise.resolve() : this.#polls.fresh()));
      // Another replica's hold makes this replica's family hashes of those keys stale (docs/records.md).
      leasing.onShardsAcquired(({ foreign }) => built.records.forgetFamilies((key) => foreign.has(leasing.shardOf(key))));
      leasing.onShardsRead((notMine) => reconciler.projection.hideWhere(notMine));
      await leasing.start();
    }
    this.#source = setup.sourceOf(o, this.#log, this.#metrics);
    if (o.environment !== undefined) {
      this.#log.info({ repo: redactUrl(o.repo), branch: o.branch, path: o.path, mode: o.mode }, "environment controller started");
      if (this.#source.watch) await this.#source.watch(() => this.#polls.now());
      this.#polls.now();
      return 0;
    }
    this.#http = httpServerFor(o, {
      statusDocument: () => this.statusDocument(),
      readiness: () => this.#readiness(),
      metrics: this.#metrics,
      status: this.#status,
      details,
      drift: () => this.#drift,
      desired: () => this.#reconciler?.desired,
      pauseHandler: pause.handler,
      pollNow: () => this.#polls.now(),
      log: this.#log,
    });
    const port = await this.#http.listen();
    this.#log.info(
      { port, repo: redactUrl(o.repo), branch: o.branch, path: o.path, mode: o.mode, selfHeal: o.selfHeal },
      "controller started",
    );
    if (this.#source.watch) await this.#source.watch(() => this.#polls.now());
    this.#polls.now();
    return port;
  }

  /** What /status serves: for a server shared by several environments. */
  statusDocument(): ReturnType<StatusStore["snapshot"]> {
    const document = this.#status.snapshot();
    const queue = this.#queue ? { waiting: this.#queue.size, inFlight: this.#queue.inFlight, scheduled: this.#queue.scheduled } : undefined;
    return this.#leasing ? { ...document, leases: { ...this.#leasing.snapshot(), ...(queue ? { queue } : {}) } } : document;
  }

  readiness(): { ready: boolean; reason?: string } {
    return this.#readiness();
  }

  get metricsRegistry(): ControllerMetrics["registry"] {
    return this.#metrics.registry;
  }

  /** A verified push webhook: fetch now. */
  pollNow(): void {
    this.#polls.now();
  }

  /** SIGTERM: stop taking work, let in-flight AWS calls finish (bounded), flush alerts. */
  async stop(): Promise<boolean> {
    if (this.#stopping) return true;
    this.#stopping = true;
    const deadline = Date.now() + this.#o.shutdownTimeoutMs;
    const left = () => Math.max(100, deadline - Date.now());
    // Stop taking work first; a git fetch in flight (its own timeout is 60 s) must not hold the
    // shutdown past ECS's 30 s stopTimeout, so it only gets what is left of the deadline.
    const drained = (await this.#queue?.stop({ timeoutMs: left() })) ?? true;
    await this.#polls.stop(left);
    // Nothing writes any more: give the leases back so another replica takes over at once.
    await this.#leasing?.stop().catch(() => undefined);
    this.#closePause?.();
    await this.#alerts?.flush(Math.min(2_000, left()));
    await Promise.all([this.#drift?.flush(), this.#reconciler?.flush()]);
    await this.#history?.flush();
    await this.#http?.close();
    await this.#source?.close();
    if (this.#aws) destroyAwsClients(this.#aws);
    this.#log.info({ drained }, "controller stopped");
    return drained;
  }

  #applyConfig(config: ControllerConfig): void {
    const o = this.#o;
    this.#reconciler!.updateSettings(settingsFromConfig(o, config));
    this.#intervalMs = pollIntervalMs(o, config);
    this.#config = config;
  }

  /** Reconcile again the desired keys a suspend or resume names. */
  #requeue(target: "all" | readonly string[]): void {
    const manifests = this.#reconciler?.desired?.manifests;
    if (manifests === undefined || this.#stopping) return;
    for (const key of target === "all" ? manifests.keys() : target.filter((k) => manifests.has(k))) this.#queue?.add(key);
  }

  #readiness(): { ready: boolean; reason?: string } {
    const layout = this.#leasing?.layoutMismatch;
    if (layout !== undefined) return { ready: false, reason: layout };
    if (!this.#sourceReachable) return { ready: false, reason: "git source not reachable yet" };
    if (!this.#firstSyncDone) return { ready: false, reason: "first sync not finished" };
    return { ready: true };
  }

  async #poll(): Promise<void> {
    const source = this.#source!;
    try {
      const { sha, changed } = await source.poll();
      this.#sourceReachable = true;
      this.#status.setSource({ lastFetchAt: this.#now().toISOString(), lastError: undefined });
      if (!changed && this.#loadedCommit === sha && !this.#ssmRefreshDue()) return;
      await this.#load(sha, await source.checkout(sha));
    } catch (error) {
      this.#metrics.sourceErrors.inc();
      const code = isEcsGitopsError(error) ? error.code : "SourceUnavailable";
      const message = error instanceof Error ? error.message : String(error);
      this.#status.setSource({ lastError: { code, message, at: this.#now().toISOString() } });
      if (!this.#sourceReachable && isEcsGitopsError(error) && !error.retryable && this.#o.onFatal) {
        this.#log.fatal({ code, err: message }, "the git source cannot be used; giving up");
        this.#o.onFatal(error);
        return;
      }
      this.#log.warn({ code, err: message }, "git source poll failed; keeping the last good commit");
    }
  }

  async #load(sha: string, checkoutDir: string): Promise<void> {
    if (this.#stopping) return;
    const reread = this.#loadedCommit === sha;
    this.#loadedCommit = sha;
    const o = this.#o;
    const previous = this.#reconciler!.desired;
    const commit = await setup.loadCommit(this.#commitLoader, o, sha, checkoutDir, this.#region);
    if (this.#stopping) return;
    this.#ssmReadAt = commit.readSsm ? this.#now().getTime() : undefined;
    if ("retry" in commit && commit.retry) this.#loadedCommit = undefined;
    const { config: fresh, configProblems, loaded: commitLoad } = commit;
    if (commitLoad === undefined || configProblems.some((p) => p.severity === "error")) {
      // A broken settings file must never mean "defaults": that would move every service to
      // another cluster and drop the ignore rules. Keep the last good commit in force entirely.
      this.#status.setManifestErrors(configProblems.map((p) => ({ file: p.file, line: p.line, column: p.column, message: p.message })));
      this.#status.setCommit({ commit: sha, ...(previous?.lastGoodCommit ? { lastGoodCommit: previous.lastGoodCommit } : {}) });
      if (previous) this.#reconciler!.projection.heldBack(heldBack({ ...previous, problems: configProblems }, sha));
      setup.logProblems(this.#log, sha, configProblems, "unloadable");
      // Nothing new to reconcile: readiness must not wait for a commit that will never load.
      this.#readyWhenIdle();
      return;
    }
    const config = fresh;
    this.#applyConfig(config);
    const cluster = o.cluster ?? config.cluster;
    const loaded = commitLoad;
    const state = mergeDesiredState({ ...loaded, problems: [...configProblems, ...loaded.problems] }, sha, previous);
    this.#status.setCommit({ commit: sha, ...(state.lastGoodCommit ? { lastGoodCommit: state.lastGoodCommit } : {}) });
    setCurrentCommit(this.#metrics, sha);
    this.#status.setManifestErrors(state.problems.map((p) => ({ file: p.file, line: p.line, column: p.column, message: p.message })));
    this.#reconciler!.projection.heldBack(heldBack(state, sha));
    if (state.problems.length > 0) setup.logProblems(this.#log, sha, state.problems, state.brokenFiles);
    const reconciler = this.#reconciler!;
    reconciler.updateSettings({
      ignoreRules: [...o.ignoreDifferences, ...config.ignoreDifferences],
      defaultCluster: cluster,
      expectedAccount: config.account,
    });
    this.#leasing?.setDesired(state.manifests, cluster, state.commit);
    const keys = reconciler.setDesired(state);
    if (reread) {
      // The same commit with SSM parameters read again: only what they changed needs a reconcile.
      const changedKeys = keys.filter((key) => specOf(state.manifests.get(key)) !== specOf(previous?.manifests.get(key)));
      this.#log.info({ commit: sha, changed: changedKeys.length }, "SSM parameters read again");
      for (const key of changedKeys) this.#queue!.add(key);
      return;
    }
    this.#log.info({ commit: sha, resources: state.manifests.size, load: this.#commitLoader.last?.path }, "new commit: reconciling");
    for (const key of keys) this.#queue!.add(key);
    this.#readyWhenIdle();
  }

  /** SSM parameters change without a commit: the commit is loaded again once per resync period. */
  #ssmRefreshDue(): boolean {
    if (this.#ssmReadAt === undefined) return false;
    const resyncMs = this.#o.resyncMs ?? this.#config?.resyncMs ?? DEFAULT_CONFIG.resyncMs;
    return this.#now().getTime() - this.#ssmReadAt >= resyncMs;
  }

  #readyWhenIdle(): void {
    if (this.#firstSyncDone) return;
    void this.#queue!.onIdle().then(() => {
      this.#firstSyncDone = true;
      this.#status.setReady(true);
    });
  }
}

export { regionProblems } from "../config.js";

function specOf(manifest: Manifest | undefined): string | undefined {
  return manifest === undefined ? undefined : pluginFor(manifest).specHash(manifest);
}
