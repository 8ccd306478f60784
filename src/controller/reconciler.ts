import { selfHealOf } from "../manifests/annotations.js";
import { maskChanges } from "../diff/structural.js";
import type { Manifest, ResourceKey } from "../manifests/types.js";
import { SPEC_HASH_TAG } from "../resources/types.js";
import type { Action, HealthVerdict } from "../resources/types.js";
import { applyPlan } from "../engine/applier.js";
import { BatchReader } from "../engine/batch-reader.js";
import type { ApplyOutcome, AppliedWrite } from "../engine/applier.js";
import type { DesiredState } from "../engine/desired-state.js";
import type { LiveSnapshot, PlanResult } from "../engine/planner.js";
import { identityOf, isInterruptedDeploy } from "../engine/observed.js";
import type { QueueResult } from "./queue.js";
import { pluginFor } from "../resources/registry.js";
import { applies, changedCount, decide } from "./policy.js";
import type { ResourceRecords } from "../state/records.js";
import { reconciledLook } from "../state/record-projection.js";
import { StatusProjection } from "../state/status-projection.js";
import type { ReconcilerOptions, ReconcilerSettings } from "./reconciler-options.js";
import { pollAfterMs, resyncAfterMs } from "../engine/waves.js";
import type { Verdict } from "./policy.js";
import { familySpecHashes, referencedFamilies } from "../engine/references.js";
import { isOnlyResidue, residueAfterWrite } from "../engine/write-residue.js";
import { liftsPin } from "../resources/service/deploy-controls.js";
import { recordWithHooks } from "./deploy-hooks.js";
import type { HookWave } from "./deploy-hooks.js";
import { ReadAhead, readBatch } from "./batch-read.js";
import type { KeyRead } from "./batch-read.js";
import { planOrderOf, WriteOrder } from "./write-order.js";
import { PRUNE_KEY } from "./prune-pass.js";
import { recordBlocked, recordFailed } from "./reconcile-failure.js";
import { recordThrown } from "./reconcile-thrown.js";
import { requeueFor } from "../errors.js";

export type { ReconcilerApplier, ReconcilerOptions, ReconcilerReader, ReconcilerSettings } from "./reconciler-options.js";

/**
 * Reconcile(key) reconciles that key: it reads desired and live state afresh, plans, decides per
 * the sync policy, applies and records. Concurrent callers share one batched read (BatchReader),
 * so a resync of N services costs ⌈N/10⌉ DescribeServices, not N; writes keep dependency order
 * across concurrent reconciles (WriteOrder).
 */
export class Reconciler {
  #o: ReconcilerOptions;
  #desired: DesiredState | undefined;
  readonly #reads: BatchReader<ResourceKey, KeyRead>;
  readonly #order = new WriteOrder();
  readonly #ahead = new ReadAhead();
  /** A key's reconcile that has not got its read yet: a second caller joins it rather than reading again. */
  readonly #unread = new Map<ResourceKey, Promise<QueueResult>>();
  readonly #records: ResourceRecords;
  readonly #projection: StatusProjection;
  /** Where this process's resync ticks fall within the period. */
  readonly #resyncPhase: number;
  readonly #desiredHashes = new WeakMap<Manifest, string>();

  constructor(options: ReconcilerOptions) {
    this.#o = { ...options };
    this.#resyncPhase = (options.random ?? Math.random)();
    // The records restored from the work dir (records.json), which the drift tracker keeps its episodes in too.
    this.#records = options.drift.records;
    this.#projection = new StatusProjection(this.#records, options.status);
    this.#reads = new BatchReader(
      async (keys) => {
        const context = { o: this.#o, records: this.#records, desired: this.#desired, now: this.#now(), upcoming: this.#o.upcoming?.() };
        const { slices, ahead } = await readBatch(keys, context);
        this.#ahead.keep(ahead);
        return slices;
      },
      { quietMs: options.waveDelayMs, maxDelayMs: options.maxWaveDelayMs, now: () => this.#now().getTime() },
    );
  }

  /** Settings that come from the commit's ecs-gitops.yaml change with it (ignore rules, policy, owner). */
  updateSettings(patch: Partial<ReconcilerSettings>): void {
    this.#o = { ...this.#o, settings: { ...this.#o.settings, ...patch } };
  }

  /** The one writer of per-resource status (held-back resources are shown through it too). */
  get projection(): StatusProjection {
    return this.#projection;
  }

  get desired(): DesiredState | undefined {
    return this.#desired;
  }

  /**
   * Switch to a new desired state; returns every key to reconcile (current and removed), task
   * definitions first and the prune pass last, so a bounded queue starts a family's reconcile
   * before those of the services that use it.
   */
  setDesired(state: DesiredState): ResourceKey[] {
    const previous = this.#desired;
    this.#desired = state;
    this.#ahead.clear();
    const keys = new Set(state.manifests.keys());
    for (const key of previous?.manifests.keys() ?? []) keys.add(key);
    // First desired state after a start: persisted records of keys that left git meanwhile are forgotten.
    if (previous === undefined) for (const key of this.#records.keys()) keys.add(key);
    const ordered = [...keys].sort((a, b) => planOrderOf(a) - planOrderOf(b));
    return this.#o.prune ? [...ordered, PRUNE_KEY] : ordered;
  }

  /**
   * Reconcile one key; never twice at once for a key, and a caller that comes before the read joins
   * it. `queuedAt` (when the queue last got the key): a slice read ahead after it is used, not read again.
   */
  reconcile(key: ResourceKey, queuedAt?: number): Promise<QueueResult> {
    const unread = this.#unread.get(key);
    if (unread) return unread;
    const previous = this.#order.running(key);
    // Assigned before the body first resumes (it awaits before touching it).
    let job: Promise<QueueResult> | undefined = undefined;
    job = this.#order.track(
      key,
      (async (): Promise<QueueResult> => {
        try {
          await previous?.catch(() => undefined);
          const read =
            this.#ahead.take(key, this.#desired, queuedAt, this.#o.settings.resyncMs, this.#now().getTime()) ??
            (await this.#reads.load(key));
          if (this.#unread.get(key) === job) this.#unread.delete(key);
          return await this.#reconcileRead(key, read);
        } catch (error) {
          return recordThrown(this.#o, this.#projection, key, this.#desired, error, this.#now());
        } finally {
          if (this.#unread.get(key) === job) this.#unread.delete(key);
          this.#ahead.settled(key);
        }
      })(),
    );
    this.#unread.set(key, job);
    return job;
  }

  async #reconcileRead(key: ResourceKey, read: KeyRead): Promise<QueueResult> {
    const { desired, now } = read;
    if (desired === undefined) return { requeueAfterMs: this.#o.settings.progressPollMs };
    if (read.type === "idle") {
      // Deletes after the creates and updates started before it (docs/prune.md#order).
      await Promise.all(this.#order.othersRunning(key));
      return this.#o.prune ? this.#o.prune.run(desired, this.#o.settings) : { requeueAfterMs: this.#o.settings.progressPollMs };
    }
    if (read.type === "gone") {
      // Left git. Prune is off by default (docs/design.md#policy-table): forget it, never delete it.
      this.#o.alerts.emitAll(this.#o.drift.forget(key, now)); // before the record that holds the episodes is forgotten
      this.#records.forget(key);
      this.#projection.remove(key);
      this.#o.deploys?.forget(key);
      return { stalled: true };
    }
    if (read.type === "failed") {
      const failed = recordFailed(this.#o, this.#records, key, desired, read.error, now);
      this.#projection.project(key);
      return failed;
    }
    const { action, result, snapshot } = read;
    // A plan that left the key out (planAll plans every manifest given; a planner seam may not): read again.
    if (action === undefined) return requeueFor("DependencyNotReady");
    const settings = this.#o.settings;
    const manifest = desired.manifests.get(key)!;
    this.#o.deploys?.observe(manifest, snapshot, now);
    const verdict = this.#decide(action, manifest, desired, result, snapshot, now);
    this.#o.onPlanned?.(action, snapshot, settings.isSecret, now);
    const wave = { desired, resolved: result.resolved, verdicts: new Map([[key, verdict]]), defaultCluster: settings.defaultCluster };
    // Deploy hooks (docs/hooks.md): a service whose preDeploy hooks run or failed is held back.
    const held = applies(verdict) ? (await this.#o.hooks?.hold([action], wave))?.get(key) : undefined;
    const outcome = applies(verdict) && held === undefined ? await this.#apply(action, manifest, read, wave) : undefined;
    const followed = (await this.#o.codeDeploy?.health([key]))?.get(key);
    const record = () => this.#record(action, verdict, outcome, desired, snapshot, now, followed);
    const queued = recordWithHooks(this.#o.hooks, this.#records, key, held, record, { now, ...settings });
    const applied = outcome?.outcome === "applied";
    if (applied || verdict.verdict === "in-sync")
      this.#records.update(key, { families: familySpecHashes(manifest, desired.manifests, (m) => this.#desiredHash(m)) });
    this.#o.deploys?.afterRecord(manifest, snapshot, now, applied && liftsPin(action));
    this.#projection.project(key);
    const label = "retry" in queued ? "retry" : "stalled" in queued ? "stalled" : applied ? "applied" : "synced";
    this.#o.metrics.reconciles.inc({ kind: action.kind, result: label });
    this.#o.metrics.reconcileDuration.observe({ kind: action.kind, result: label }, (performance.now() - read.started) / 1000);
    return queued;
  }

  /** Apply one key's action once the reconciles it depends on are done; what it wrote feeds the caches, deploys and hooks. */
  async #apply(
    action: Action,
    manifest: Manifest,
    read: KeyRead & { desired: DesiredState },
    wave: HookWave,
  ): Promise<ApplyOutcome | undefined> {
    const { desired, now } = read;
    this.#records.update(action.key, { postWrite: undefined });
    // A family whose reconcile is still queued behind this service starts now, where this replica may reconcile it.
    const start = (family: ResourceKey) => (this.#o.mayReconcile?.(family) ?? true) && this.reconcile(family) instanceof Promise;
    const options = await this.#order.dependencies(action, desired.manifests, read.seq, start);
    const apply = this.#o.apply ?? ((actions, options) => applyPlan(this.#o.aws, actions, options));
    const { outcomes, writes } = await this.#order.write(() => apply([action], options));
    const outcome = outcomes.find((o) => o.key === action.key);
    this.#order.noteOutcome(manifest, action, outcome);
    this.#recordWrites(writes);
    const context = (key: ResourceKey) => ({
      commit: desired.commitOf.get(key) ?? desired.commit,
      heal: wave.verdicts.get(key)?.verdict === "heal",
    });
    this.#o.deploys?.started(writes, context, now);
    await this.#o.hooks?.started(writes, wave);
    return outcome;
  }

  /** Gather what the policy looks at, ask it, and carry out what it says besides applying. */
  #decide(action: Action, manifest: Manifest, desired: DesiredState, plan: PlanResult, snapshot: LiveSnapshot, now: Date): Verdict {
    const key = action.key;
    const log = this.#o.log.child({ key, commit: desired.commit });
    const settings = this.#o.settings;
    const desiredHash = this.#desiredHash(manifest);
    const record = this.#records.get(key);
    const deletedByHand = action.type === "create" && record.seenLiveHash === desiredHash;
    if (action.type === "noop" || action.type === "update") this.#records.update(key, { seenLiveHash: desiredHash });
    const changes = action.type === "noop" || action.type === "blocked" ? [] : maskChanges(action.changes, settings.isSecret);
    const residue = record.residue;
    const appliedAt = record.appliedAt ?? 0;
    const families = referencedFamilies(manifest);
    const familyHashes = familySpecHashes(manifest, desired.manifests, (m) => this.#desiredHash(m));
    const revertedInGit = families.some((f) => {
      const before = record.families?.[f];
      return before !== undefined && familyHashes[f] !== undefined && before !== familyHashes[f];
    });
    const verdict = decide({
      action: action.type,
      blockedReason: action.type === "blocked" ? action.reason : undefined,
      changedPaths: changes.map((c) => c.path),
      deletedByHand,
      desiredCommit: desired.commitOf.get(key) ?? desired.commit,
      lastAppliedCommit: record.lastAppliedCommit,
      desiredSpecHash: desiredHash,
      // The spec hash our last write left on the resource's tag (undefined: no tag, or no resource).
      lastAppliedSpecHash: pluginFor(manifest).tags(manifest, snapshot)?.[SPEC_HASH_TAG],
      onlyResidue:
        residue === undefined || action.type === "noop" || action.type === "blocked" ? undefined : isOnlyResidue(action.changes, residue),
      family: {
        pendingInGit: revertedInGit || families.some((f) => plan.resolved.get(f)?.state === "pending"),
        registeredSinceApply: families.some((f) => this.#records.registeredAt(f) > appliedAt),
        interruptedDeploy:
          families.some((f) => isInterruptedDeploy(manifest, f, plan, snapshot)) || (this.#o.hooks?.began(action) ?? false),
      },
      inFlightDeploy: this.#o.inFlightDeploy?.(key, desired.commit),
      rolledBack: pluginFor(manifest).rolledBack(manifest, snapshot),
      pinLifted: liftsPin(action),
      mode: settings.mode,
      automated: settings.automated,
      selfHeal: selfHealOf(manifest, settings.selfHeal),
      healBudget: this.#o.drift.healBudget(key, changes, now),
      paused: this.#o.paused?.(manifest, now),
      rolloutInFlight: this.#o.codeDeploy?.isActive(key),
    });
    if (verdict.consumeResidue) this.#records.update(key, { residue: undefined });
    const identity = { ...identityOf(manifest, snapshot), commit: desired.commit, now };
    if (verdict.drift === "resolve") this.#o.alerts.emitAll(this.#o.drift.observe(key, { ...identity, changes: [] }));
    if (verdict.drift === "git") this.#o.alerts.emitAll(this.#o.drift.observe(key, { ...identity, changes: [], resolution: "git" }));
    if (verdict.drift === "observe")
      this.#o.alerts.emitAll(this.#o.drift.observe(key, { ...identity, changes, selfHeal: verdict.healMeant }));
    if (verdict.syncFailed) this.#o.alerts.emitAll(this.#o.drift.syncFailed(key, verdict.syncFailed, now, { commit: desired.commit }));
    if (verdict.recordHeal) this.#o.drift.recordHeal(key, now);
    if (verdict.verdict === "wait") log.info({ changes: changedCount(action), mode: settings.mode }, "out of sync, not applying");
    if (verdict.reason === "RolledBack") log.warn({ changes: changedCount(action) }, verdict.message);
    if (verdict.verdict === "heal") log.info({ changes: changedCount(action), missing: deletedByHand }, "reverting drift");
    return verdict;
  }

  /** What git says about the resource, as the spec-hash tag would carry it; cached per manifest (every key, every resync). */
  #desiredHash(manifest: Manifest): string {
    const hash = this.#desiredHashes.get(manifest) ?? pluginFor(manifest).specHash(manifest);
    this.#desiredHashes.set(manifest, hash);
    return hash;
  }

  #record(
    action: Action,
    verdict: Verdict,
    outcome: ApplyOutcome | undefined,
    desired: DesiredState,
    snapshot: LiveSnapshot,
    now: Date,
    followed?: HealthVerdict,
  ): QueueResult {
    const key = action.key;
    const commit = desired.commitOf.get(key) ?? desired.commit;
    const manifest = desired.manifests.get(key)!;
    const log = this.#o.log.child({ key, commit });
    const settings = this.#o.settings;
    if (action.type === "blocked") return recordBlocked(this.#o, this.#records, action, manifest, snapshot, commit, now);
    if (outcome?.outcome === "failed") return recordFailed(this.#o, this.#records, key, desired, outcome.error, now);
    const health =
      followed ?? (outcome?.outcome === "applied" ? pluginFor(manifest).healthAfterApply : pluginFor(manifest).health(manifest, snapshot));
    if (outcome?.outcome === "applied") {
      const heal = verdict.verdict === "heal";
      log.info({ action: action.type, calls: outcome.calls, heal }, heal ? "drift reverted" : "applied");
      // What we created exists as git says: gone at the next look means deleted by hand (drift).
      const seen = action.type === "create" ? { seenLiveHash: this.#desiredHash(manifest) } : {};
      const applied = { lastAppliedCommit: commit, lastAppliedAt: now.toISOString() };
      const look = reconciledLook({ applied: true, verdict, health });
      this.#records.update(key, { appliedAt: this.#now().getTime(), ...applied, ...seen, look });
      this.#armResidue(manifest, verdict, commit, snapshot);
      this.#o.alerts.emitAll(this.#o.drift.syncSucceeded(key, now));
      return { requeueAfterMs: pollAfterMs(settings.progressPollMs, this.#resyncPhase, this.#now().getTime()) };
    }
    // Found as git says without a write of ours (a first look): in force as of this commit.
    const firstLook = verdict.sync === "Synced" && this.#records.get(key).lastAppliedCommit === undefined;
    this.#records.update(key, {
      look: reconciledLook({ applied: false, verdict, health }),
      ...(firstLook && { lastAppliedCommit: commit }),
    });
    if (verdict.sync === "Synced") this.#o.alerts.emitAll(this.#o.drift.syncSucceeded(key, now));
    log.debug({ sync: verdict.sync, health: health.health }, "reconciled");
    // While a service rolls out, look again soon; otherwise at the next resync. Both on shared ticks.
    const [periodMs, after] = health.health === "Progressing" ? [settings.progressPollMs, pollAfterMs] : [settings.resyncMs, resyncAfterMs];
    return { requeueAfterMs: after(periodMs, this.#resyncPhase, this.#now().getTime()) };
  }

  /** After our write: what it left undone, for the next look (never after a retry that finished one). */
  #armResidue(manifest: Manifest, verdict: Verdict, commit: string, snapshot: LiveSnapshot): void {
    const postWrite = this.#records.get(manifest.key).postWrite;
    const { owner, repo, region, defaultCluster } = this.#o.settings;
    const residue =
      verdict.verdict === "finish"
        ? undefined
        : residueAfterWrite(manifest, postWrite, { owner, repo, region, defaultCluster, revision: commit, accountId: snapshot.accountId });
    this.#records.update(manifest.key, { postWrite: undefined, residue });
  }

  /** What our writes tell about in-flight deploys, and the reader's caches following them. */
  #recordWrites(writes: readonly AppliedWrite[]): void {
    for (const write of writes) {
      if (!("output" in write)) continue;
      this.#records.noteWrite(write.key, write.call, write.output, this.#now().getTime());
      this.#o.log.debug({ key: write.key, operation: write.call.operation }, "aws write");
    }
    // The reader's caches follow our own writes, so the next resync reads nothing extra.
    this.#o.reader.recordWrites(writes);
    this.#o.codeDeploy?.noteWrites(writes);
  }

  /** Wait for the records' pending saves (shutdown). */
  flush(): Promise<void> {
    return this.#records.flush();
  }

  #now(): Date {
    return this.#o.now?.() ?? new Date();
  }
}
