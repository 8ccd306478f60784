import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { AlertDispatcher } from "../alerts/dispatcher.js";
import { counterIn, gaugeIn } from "../alerts/metrics-sink.js";
import type { AwsClients } from "../aws/index.js";
import type { DesiredState } from "../engine/desired-state.js";
import { applyPrune } from "../engine/prune/apply.js";
import type { PruneOutcome } from "../engine/prune/apply.js";
import { InventoryReader } from "../engine/prune/inventory.js";
import type { InventoryReuse } from "../engine/prune/inventory.js";
import { keepOf, planPrune } from "../engine/prune/plan.js";
import type { PrunePlanContext } from "../engine/prune/plan.js";
import { BLOCK_HINT } from "../engine/prune/render.js";
import { retainedScope, scopeOf, scopeOfFormerFields, unionScope } from "../engine/prune/scope.js";
import type { Inventory, InventoryScope, Orphan, PrunePlan } from "../engine/prune/types.js";
import { resyncAfterMs } from "../engine/waves.js";
import { KINDS } from "../manifests/types.js";
import type { ResourceKey } from "../manifests/types.js";
import { PruneScopeStore } from "../state/prune-scope.js";
import type { StatusStore } from "../state/status.js";
import type { QueueResult } from "./queue.js";
import { asEcsGitopsError, requeueAfter } from "../errors.js";
import type { ReconcilerSettings } from "./reconciler-settings.js";
import type { ReconcileSightings } from "./reconcile-sightings.js";

/** The queue key of the prune pass: reconciled with every new commit and on the resync tick. */
export const PRUNE_KEY = "Prune/inventory";

export type PrunePassOptions = {
  aws: AwsClients;
  status: StatusStore;
  alerts: AlertDispatcher;
  registry: Registry;
  log: Logger;
  workDir: string;
  /** `--allow-mass-delete`: the first pass the guards hold goes through, once. */
  allowMassDelete: boolean;
  drainTimeoutMs?: number;
  /** The controller's clock; unset: the system clock. */
  now?: (() => Date) | undefined;
  /** Where the pass's resync ticks fall (default Math.random). */
  random?: (() => number) | undefined;
  /** The reconcile's reads of managed services and its writes: unset, the pass reads everything itself. */
  sightings?: Pick<ReconcileSightings, "seen" | "rulesListed" | "written" | "onWrite"> | undefined;
};

/**
 * Orphans and prune for the controller (docs/prune.md): read the inventory, plan, report the
 * orphans (status, metric, one log line each), and with prune on delete them, after the wave's
 * creates and updates. Every delete is alerted (`pruned`) with the commit that caused it; a pass
 * the guards hold raises one `prune-blocked` per commit.
 */
export class PrunePass {
  readonly #o: PrunePassOptions;
  readonly #reader: InventoryReader;
  readonly #scopes: PruneScopeStore;
  readonly #phase: number;
  readonly #logged = new Set<string>();
  #allowOnce: boolean;
  #blockedCommit: string | undefined;
  #listedCommit: string | undefined;

  constructor(options: PrunePassOptions) {
    this.#o = options;
    this.#phase = (options.random ?? Math.random)();
    this.#reader = new InventoryReader(options.aws);
    this.#scopes = new PruneScopeStore(options.workDir, (former) => scopeOfFormerFields(former));
    this.#allowOnce = options.allowMassDelete;
    options.sightings?.onWrite((call) => this.#reader.written(call));
  }

  #now(): Date {
    return this.#o.now?.() ?? new Date();
  }

  async run(desired: DesiredState, settings: ReconcilerSettings): Promise<QueueResult> {
    try {
      return await this.#run(desired, settings);
    } catch (error) {
      // Never let a prune pass take the wave (or the process) down: requeued by its code (REQUEUE, errors.ts).
      const failure = asEcsGitopsError(error);
      this.#o.log.warn({ key: PRUNE_KEY, commit: desired.commit, code: failure.code, err: failure.message }, "prune pass failed");
      return requeueAfter(failure);
    }
  }

  async #run(desired: DesiredState, settings: ReconcilerSettings): Promise<QueueResult> {
    const log = this.#o.log.child({ key: PRUNE_KEY, commit: desired.commit });
    const manifests = [...desired.manifests.values()];
    const enabled = settings.prune === true && settings.mode === "sync";
    // Written before any delete: a restart still knows where the departed resources live.
    const scope = unionScope(await this.#scopes.load(), scopeOf(manifests, settings.defaultCluster));
    await this.#scopes.save(scope);
    const ctx: PrunePlanContext = {
      owner: settings.owner,
      repo: settings.repo,
      sourcePrefix: settings.sourcePrefix,
      enabled,
      maxDeletes: settings.maxDeletes ?? 5,
      revisionHistoryLimit: settings.revisionHistoryLimit ?? 10,
      allowMassDelete: false,
      emptyCommit: enabled && desired.problems.some((p) => p.code === "EmptyRepo" || p.code === "PathNotFound"),
      heldBackFiles: desired.brokenFiles,
    };
    const named = new Set(desired.manifests.keys());
    const read = (reuse: InventoryReuse | undefined) => this.#reader.read(scope, named, (f) => keepOf(f, ctx), reuse);
    let inventory: Inventory;
    let plan: PrunePlan;
    try {
      // The reconcile's reads of this period serve a pass that only reports (docs/prune.md#read-budget);
      // one about to delete reads everything afresh and plans again.
      const sightings = this.#o.sightings;
      const seen = sightings && ((key: ResourceKey) => sightings.seen(key, 2 * settings.resyncMs));
      const rulesListed = sightings && ((bus: string) => sightings.rulesListed(bus, 2 * settings.resyncMs));
      inventory = await read({ seen, rulesListed, newCommit: this.#listedCommit !== desired.commit });
      this.#listedCommit = desired.commit;
      plan = planPrune(inventory, manifests, ctx);
      if (enabled && (plan.blocked === undefined ? plan.actions.length > 0 : this.#allowOnce)) {
        inventory = await read(undefined);
        plan = planPrune(inventory, manifests, ctx);
      }
    } catch (error) {
      const failure = asEcsGitopsError(error);
      log.warn({ code: failure.code, err: failure.message }, "could not read the prune inventory");
      return requeueAfter(failure);
    }
    if (plan.blocked && this.#allowOnce) {
      log.warn({ reason: plan.blocked.reason }, "mass delete allowed once by --allow-mass-delete");
      this.#allowOnce = false;
      plan = planPrune(inventory, manifests, { ...ctx, allowMassDelete: true });
    }
    this.#report(plan, desired.commit, log);
    const outcomes = enabled && !plan.blocked && plan.actions.length > 0 ? await this.#delete(plan, settings, desired.commit) : [];
    await this.#forgetDeparted(scope, inventory, desired, outcomes);
    const failed = outcomes.filter((o) => o.outcome === "failed");
    for (const o of failed) log.warn({ key: o.key, code: o.error.code, err: o.error.message }, "prune failed, will retry");
    if (failed.length > 0 || outcomes.length > 0) return { requeueAfterMs: settings.progressPollMs };
    return { requeueAfterMs: resyncAfterMs(settings.resyncMs, this.#phase, this.#now().getTime()) };
  }

  #report(plan: PrunePlan, commit: string, log: Logger): void {
    this.#o.status.setOrphans(plan.orphans, { enabled: plan.enabled, ...(plan.blocked ? { blocked: plan.blocked.reason } : {}) });
    const gauge = gaugeIn(this.#o.registry, "ecs_gitops_orphans", "Resources we own that no manifest names (docs/prune.md)", ["kind"]);
    for (const kind of KINDS) gauge.set({ kind }, plan.orphans.filter((o) => o.kind === kind).length);
    const now = new Set(plan.orphans.map((o) => o.key));
    for (const key of this.#logged) if (!now.has(key)) this.#logged.delete(key);
    for (const orphan of plan.orphans) {
      if (this.#logged.has(orphan.key)) continue;
      this.#logged.add(orphan.key);
      log.info(
        { key: orphan.key, arn: orphan.arn, source: orphan.source, kept: orphan.kept, renamedTo: orphan.renamedTo, prune: plan.enabled },
        "orphaned: ours, in no manifest",
      );
    }
    if (!plan.blocked) {
      this.#blockedCommit = undefined;
      return;
    }
    if (this.#blockedCommit === commit) return;
    this.#blockedCommit = commit;
    const first: Orphan | undefined = plan.orphans.find((o) => o.kept === undefined) ?? plan.orphans[0];
    const at = this.#now().toISOString();
    this.#o.alerts.emit({
      type: "prune-blocked",
      key: first?.key ?? PRUNE_KEY,
      ...(first === undefined ? {} : { kind: first.kind }),
      name: first?.name ?? "",
      commit,
      firstSeen: at,
      at,
      error: { code: "PruneBlocked", message: `${plan.blocked.reason}; nothing was deleted (${BLOCK_HINT})` },
    });
  }

  async #delete(plan: PrunePlan, settings: ReconcilerSettings, commit: string): Promise<PruneOutcome[]> {
    const counter = counterIn(this.#o.registry, "ecs_gitops_pruned_total", "Resources deleted because they left git", ["kind"]);
    const outcomes = await applyPrune(this.#o.aws, plan.actions, {
      owner: settings.owner,
      repo: settings.repo,
      ...(this.#o.drainTimeoutMs === undefined ? {} : { drainTimeoutMs: this.#o.drainTimeoutMs }),
      onWrite: (key, call, failed) => {
        this.#reader.written(call);
        this.#o.sightings?.written(call);
        this.#o.log.debug({ key, operation: call.operation, commit, ...(failed ? { failed } : {}) }, "aws write");
      },
    });
    const at = this.#now().toISOString();
    for (const o of outcomes) {
      const orphan = plan.orphans.find((x) => x.key === o.key);
      // Revisions past revisionHistoryLimit are housekeeping: logged, not alerted.
      if (o.outcome !== "deleted") continue;
      if (orphan === undefined) {
        this.#o.log.info({ key: o.key, commit, calls: o.calls.length }, "old revisions deregistered (revisionHistoryLimit)");
        continue;
      }
      counter.inc({ kind: o.kind });
      this.#o.alerts.emit({
        type: "pruned",
        key: o.key,
        kind: o.kind,
        name: orphan.name,
        ...(orphan.arn ? { arn: orphan.arn } : {}),
        commit,
        firstSeen: at,
        at,
        action: "reported",
      });
    }
    return outcomes;
  }

  /** The places each kind no longer needs (a family gone from git and from AWS) are no longer looked at. */
  async #forgetDeparted(scope: InventoryScope, inventory: Inventory, desired: DesiredState, outcomes: readonly PruneOutcome[]) {
    const deleted = new Set(outcomes.filter((o) => o.outcome !== "failed").map((o) => o.key));
    const kept = retainedScope(scope, inventory, new Set(desired.manifests.keys()), deleted);
    if (kept !== scope) await this.#scopes.save(kept);
  }
}
