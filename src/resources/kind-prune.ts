import type { AwsClients } from "../aws/index.js";
import type { EcsGitopsError } from "../errors.js";
import type { JsonObject } from "../json.js";
import type { Kind, Manifest, ResourceKey } from "../manifests/types.js";
import type { TagMap } from "./common/tags.js";
import type { TaskDefinitionRef } from "./common/validation.js";
import type { Action, PlannedCall, WriteGuard } from "./types.js";

/**
 * Where one kind's prune looks for resources of ours that no manifest names any more: places its
 * plug-in defines (a cluster for services, an event bus for rules, a family for task
 * definitions), opaque to the engine, which only merges, persists and hands them back.
 */
export type PrunePlaces = readonly string[];

/** Every pruned kind's places, by kind. A kind with no entry looks nowhere beyond its default places. */
export type PruneScope = Readonly<Partial<Record<Kind, PrunePlaces>>>;

/**
 * One live resource a kind's inventory found in the scope (any owner: what it runs protects
 * other kinds' resources too). `state`: "live" can be an orphan and counts as owned; "draining"
 * is on its way out but still runs what it runs; "gone" counts for nothing. `detail`: what the
 * kind's own plan needs (written and read by the same kind only).
 */
export type PruneLive<D = unknown> = {
  key: ResourceKey;
  name: string;
  arn?: string | undefined;
  tags: TagMap;
  state: "live" | "draining" | "gone";
  /** ARNs of the task definition revisions it runs: never deregistered while it stays. */
  runs: readonly string[];
  detail: D;
};

/** A resource we own that no manifest of the commit names. */
export type Orphan = {
  key: ResourceKey;
  kind: Kind;
  name: string;
  arn?: string | undefined;
  /** The `ecs-gitops:source` it was written from. */
  source?: string | undefined;
  /** Why it stays although prune is on (`ecs-gitops/prune: "false"`). */
  kept?: string | undefined;
  /** A manifest of the same kind now in its file: the resource was renamed (a create + a prune). */
  renamedTo?: ResourceKey | undefined;
};

export type DeleteAction = Extract<Action, { type: "delete" }>;

/** What the engine hands a kind's inventory read. */
export type PruneReadIo = {
  readonly aws: AwsClients;
  /** Keys a manifest defines: managed by the reconciler (their tags need not be read here). */
  readonly named: ReadonlySet<ResourceKey>;
  /** How many of the newest versions of a resource's history stay (revisionHistoryLimit, less what this run adds). */
  keep(name: string): number;
  /** What the kinds of earlier stages found (a family looks at what services and rules run). */
  readonly earlier: readonly PruneLive[];
  /** The reader's memo for this kind, kept for the process (what never changes, e.g. a revision's tags). */
  readonly memo: Map<string, unknown>;
  /**
   * A resource a manifest names as the reconcile read it within the last resync period, our
   * writes to it since forgotten (undefined: read it here). Unset: nothing is reused.
   */
  seen?: ((key: ResourceKey) => JsonObject | undefined) | undefined;
  /** A bus's rules as the reconcile listed them lately, none of our EventBridge writes since (undefined: list them here). */
  rulesListed?: ((bus: string) => readonly JsonObject[] | undefined) | undefined;
  /** What a kind lists only now and then (a family's revisions) is listed afresh in this pass: a new commit, or a pass about to delete. */
  readonly relist: boolean;
  /** This reader's passes so far, this one included. */
  readonly pass: number;
  /**
   * A read of a kind that reads per resource (a family's revisions), run when one of the pass's
   * few read slots is free: a thousand calls sent at once wait in the HTTP agent's queue, each a
   * built request, ~20 MiB at 1,000 families (docs/controller-memory.md#what-a-wave-no-longer-holds).
   */
  read<T>(call: () => Promise<T>): Promise<T>;
};

/** What the engine hands a kind's plan: the ownership rules, and what stays of the earlier stages. */
export type PrunePlanIo = {
  readonly kind: Kind;
  readonly named: ReadonlySet<ResourceKey>;
  /** The manifests of the commit (none for a commit without manifests). */
  readonly desired: readonly Manifest[];
  /** The task definitions a manifest refers to (its kind's `references`). */
  referencesOf(manifest: Manifest): TaskDefinitionRef[];
  /** Our owner, our repository, and not made from a file held back at this commit. */
  isOurs(tags: TagMap): boolean;
  orphanOf(live: Pick<PruneLive, "key" | "name" | "arn" | "tags">): Orphan;
  /** The delete of an orphan, with the rename note when the plan has one. */
  deleteOf(orphan: Orphan, calls: PlannedCall[]): DeleteAction;
  /** Resources of earlier stages that stay after this pass: what they run must stay too. */
  readonly staying: readonly PruneLive[];
  keep(name: string): number;
  readonly revisionHistoryLimit: number;
  readonly owner: string;
  readonly repo: string | undefined;
};

/** A kind's part of the prune plan: its orphans, its deletes in order, and how many resources of it we own (for the guards). */
export type KindPrunePlan = { orphans: Orphan[]; actions: DeleteAction[]; owned: number };

/** What a kind's delete steps may use: every write goes through `write` (fenced by the lease, counted, reported). */
export type PruneDeleteIo = {
  readonly aws: AwsClients;
  readonly claim: { owner: string; repo?: string | undefined; adopt: false };
  write(call: PlannedCall): Promise<JsonObject>;
  /** The write guard (tags read afresh), for the resource the action deletes. */
  guard(guard: WriteGuard): Promise<EcsGitopsError | undefined>;
  /** How long to wait for a delete AWS finishes on its own (a service draining), and how often to look. */
  readonly drainTimeoutMs: number;
  readonly pollMs: number;
};

/**
 * How prune treats a kind (docs/prune.md): where its resources live, how its owned live
 * resources are read (batched, through src/aws), which are orphans and what must stay, and the
 * delete steps. `stage` orders kinds: a stage is read after the earlier ones (it may need what
 * they run) and deleted only once every delete of the earlier ones went through.
 */
export type KindPruneOf<D> = {
  /** The places a manifest of this kind names. */
  scope(manifest: Manifest, defaultCluster: string | undefined): PrunePlaces;
  /** Where prune looks even when no manifest names the place (the configured default cluster, the default bus). */
  defaultScope(defaultCluster: string | undefined): PrunePlaces;
  /**
   * The field that held this kind's places in the first `prune-scope.json` format (one fixed field
   * per kind): read once on upgrade, so no place an earlier commit named is lost. Undefined for a
   * kind pruned only since the second format.
   */
  readonly formerScopeField: string | undefined;
  /** A write of the main plan adds a version to the resource's history (one fewer older version is kept). */
  addsVersion(action: Action): boolean;
  readonly stage: number;
  /** Its deletes run one after another (true) or side by side (false). */
  readonly oneByOne: boolean;
  inventory(places: PrunePlaces, io: PruneReadIo): Promise<PruneLive<D>[]>;
  /** Pure. */
  plan(live: readonly PruneLive<D>[], io: PrunePlanIo): KindPrunePlan;
  /** Runs one delete of the plan; "gone": it had nothing left to delete. Tags are read again before the first write. */
  remove(action: DeleteAction, io: PruneDeleteIo): Promise<"deleted" | "gone">;
  /** Memo entries a write of the pass makes stale. */
  staleAfter(call: PlannedCall): string[];
  /**
   * The places kept for the next pass, after this one's deletes (`deleted`: keys deleted or found
   * gone). Returns `places` itself when it keeps them all (nothing to write).
   */
  retainScope(
    places: PrunePlaces,
    live: readonly PruneLive<D>[],
    named: ReadonlySet<ResourceKey>,
    deleted: ReadonlySet<ResourceKey>,
  ): PrunePlaces;
};

export type KindPrune = KindPruneOf<unknown>;

/** A kind's prune capability, its detail type checked here and erased for the registry. */
export function prunes<D>(capability: KindPruneOf<D>): KindPrune {
  return capability as unknown as KindPrune;
}

/**
 * The plan of a kind whose live resources are deleted one by one with `steps`: every live
 * resource of ours no manifest names is an orphan; owned counts the live ones we own or name.
 */
export function orphanDeletes<D>(
  live: readonly PruneLive<D>[],
  io: PrunePlanIo,
  steps: (live: PruneLive<D>) => Pick<DeleteAction, "calls" | "guard">,
): KindPrunePlan {
  const current = live.filter((l) => l.state === "live");
  const orphans = current.filter((l) => !io.named.has(l.key) && io.isOurs(l.tags)).map((l) => ({ live: l, orphan: io.orphanOf(l) }));
  const actions = orphans
    .filter(({ orphan }) => orphan.kept === undefined)
    .map(({ live: l, orphan }) => {
      const { calls, guard } = steps(l);
      return { ...io.deleteOf(orphan, calls), ...(guard === undefined ? {} : { guard }) };
    });
  return {
    orphans: orphans.map((o) => o.orphan),
    actions,
    owned: current.filter((l) => io.named.has(l.key) || io.isOurs(l.tags)).length,
  };
}

/** The places as they were: the kind never lets a place go. */
export function keepScope(places: PrunePlaces): PrunePlaces {
  return places;
}

/**
 * How prune treats a resource that runs task definition revisions and has no history of its own
 * (a service, a rule): deleted in the first stage, before the revisions it runs, side by side;
 * nothing memoized; a place (a cluster, a bus) stays looked at once named.
 */
export const RUNNER_PRUNE = {
  addsVersion: () => false,
  stage: 0,
  oneByOne: false,
  staleAfter: () => [],
  retainScope: keepScope,
} as const satisfies Pick<KindPrune, "addsVersion" | "stage" | "oneByOne" | "staleAfter" | "retainScope">;
