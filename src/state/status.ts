import type { ErrorCode } from "../errors.js";
import type { Kind, ResourceKey } from "../manifests/types.js";
import type { HeldBack } from "../engine/desired-state.js";
import type { Orphan } from "../engine/prune/types.js";
import { kindAndName } from "../engine/difference.js";
import type { Health } from "../resources/types.js";
import { setCurrentCommit } from "./metrics.js";
import type { DeployRecord } from "./history.js";
import type { ControllerMetrics } from "./metrics.js";
import type { HookRunStatus } from "./hook-runs.js";

export { serviceHealth } from "../resources/service/health.js";
export type { Health, HealthVerdict } from "../resources/types.js";

/**
 * Pinned: a rollback holds the service's revision against git (docs/deploys.md#rollback).
 * Suspended: writes are paused for the resource (docs/pause.md); drift is still reported.
 */
export type SyncStatus = "Synced" | "OutOfSync" | "Unknown" | "Pinned" | "Suspended";

/** Timestamps are ISO 8601 strings: the document is served as JSON as is. */
export type StatusError = { code: ErrorCode; message: string; at: string };

export type ResourceStatus = {
  key: ResourceKey;
  kind: Kind;
  name: string;
  sync: SyncStatus;
  health: Health;
  lastAppliedRevision?: string;
  lastAppliedAt?: string;
  lastError?: StatusError;
  message?: string;
  /** Set while the manifest is broken at the current commit: the resource runs an older commit's spec. */
  heldBack?: HeldBack;
  /** Set while live differs from git although git did not change since the last apply. */
  drift?: { since: string; fields: string[] };
  /** The environment whose controller manages it, when one process follows several (`run --env a --env b`). */
  environment?: string;
  /** The resource's last deploys, newest first (docs/deploys.md#history). */
  history?: DeployRecord[];
  /** A Service's deploy hook runs, newest first (docs/hooks.md#status). */
  hooks?: HookRunStatus[];
};

export type ManifestError = { file: string; line: number; column: number; message: string };

export type SourceStatus = { url: string; branch: string; path: string; lastFetchAt?: string; lastError?: StatusError };

export type StatusDocument = {
  /** The commit being reconciled. */
  commit?: string;
  /** The newest commit whose manifests loaded; in force for files broken in `commit`. */
  lastGoodCommit?: string;
  source: SourceStatus;
  ready: boolean;
  resources: ResourceStatus[];
  manifestErrors: ManifestError[];
  /** One process following several environments: each one's commit, source and errors (resources carry `environment`). */
  environments?: EnvironmentStatus[];
  /** High availability: this replica, the replicas alive, and who holds each shard. */
  leases?: {
    replica: string;
    table: string;
    shardBy: string;
    replicas: string[];
    shards: { shard: number; holder: string | undefined; held: boolean }[];
    /** Keys waiting here for their shard's lease, and the work queue's counts (diagnosing a stall). */
    parked?: number;
    /** Why this replica holds no shard: its --shards/--shard-by differ from the table's (docs/ha.md#changing-the-shard-layout). */
    layoutMismatch?: string;
    queue?: { waiting: number; inFlight: number; scheduled: number };
  };
  /** Resources we own that no manifest names (docs/prune.md#orphans); absent until the first inventory. */
  orphans?: OrphanStatus[];
  /** Whether orphans are deleted, and why a pass deleted nothing. */
  prune?: { enabled: boolean; blocked?: string };
};

/** An orphan as /status shows it: the prune plan's own record (engine/prune/types.ts). */
export type OrphanStatus = Orphan;

export type EnvironmentStatus = { name: string } & Omit<StatusDocument, "resources" | "environments">;

/** A partial update: omitted fields are kept, an optional field given as `undefined` is cleared. */
export type ResourcePatch = { [K in Exclude<keyof ResourceStatus, "key">]?: ResourceStatus[K] | undefined };

type Optional<T> = { [K in keyof T]?: T[K] | undefined };

export type StatusStoreOptions = {
  source: { url: string; branch: string; path: string };
  /** When given, ecs_gitops_resources, ecs_gitops_manifest_errors and the commit info follow the store. */
  metrics?: Pick<ControllerMetrics, "resources" | "manifestErrors" | "currentCommit">;
};

/**
 * The controller's status, one writer per field family: the reconciler updates resources, the
 * source loop the commit and source fields. `snapshot()` hands out a copy for /status.
 * A resource's stored status is frozen, and a write replaces it (sharing the fields it kept), so
 * `get` and `update` hand it out without a copy: the reconciler reads and writes every key on
 * every resync, and deep copies of each status (its history, its hook runs) were that pass's garbage.
 * The URL given here is shown on /status: pass it already redacted.
 */
export class StatusStore {
  readonly #resources = new Map<ResourceKey, ResourceStatus>();
  readonly #counts = new Map<string, number>();
  readonly #metrics: StatusStoreOptions["metrics"];
  #source: SourceStatus;
  #commit: { commit?: string; lastGoodCommit?: string } = {};
  #ready = false;
  #manifestErrors: ManifestError[] = [];
  /** Bumped by every write: a reader polling for changes (the dashboard's stream) skips the copy while it holds still. */
  #version = 0;
  #orphans: Pick<StatusDocument, "orphans" | "prune"> = {};

  constructor(options: StatusStoreOptions) {
    this.#source = { ...options.source };
    this.#metrics = options.metrics;
  }

  /**
   * Create or patch a resource's status. A new key starts Unknown/Unknown, with kind and name
   * taken from the key (`Service/<cluster>/<name>`) unless the patch gives them.
   */
  update(key: ResourceKey, patch: ResourcePatch): Readonly<ResourceStatus> {
    const previous = this.#resources.get(key);
    const identity = patch.kind !== undefined && patch.name !== undefined ? { kind: patch.kind, name: patch.name } : undefined;
    const next: ResourceStatus =
      previous === undefined ? { key, ...(identity ?? kindAndName(key)), sync: "Unknown", health: "Unknown" } : { ...previous };
    const target = next as Record<string, unknown>;
    for (const [field, value] of Object.entries(patch)) {
      if (field === "key") continue;
      if (value === undefined) {
        if (!["kind", "name", "sync", "health"].includes(field)) delete target[field];
      } else {
        target[field] = frozenCopy(value);
      }
    }
    Object.freeze(next);
    this.#resources.set(key, next);
    this.#version++;
    if (previous !== undefined) this.#count(previous, -1);
    this.#count(next, +1);
    return next;
  }

  /** Forget a resource (it left git and was pruned, or is no longer managed). */
  remove(key: ResourceKey): boolean {
    return this.#drop(key);
  }

  #drop(key: ResourceKey): boolean {
    const previous = this.#resources.get(key);
    if (previous === undefined) return false;
    this.#resources.delete(key);
    this.#version++;
    this.#count(previous, -1);
    return true;
  }

  /** Forget the resources `stale` names (leases: those of shards another replica holds now, docs/ha.md#status-of-a-replica). */
  removeWhere(stale: (key: ResourceKey) => boolean): number {
    let removed = 0;
    for (const key of [...this.#resources.keys()]) if (stale(key) && this.#drop(key)) removed++;
    return removed;
  }

  /** Frozen: a caller that wants to change it copies it. */
  get(key: ResourceKey): Readonly<ResourceStatus> | undefined {
    return this.#resources.get(key);
  }

  keys(): ResourceKey[] {
    return [...this.#resources.keys()].sort();
  }

  setCommit(patch: Optional<{ commit: string; lastGoodCommit: string }>): void {
    this.#version++;
    for (const field of ["commit", "lastGoodCommit"] as const) {
      if (!(field in patch)) continue;
      const value = patch[field];
      if (value === undefined) delete this.#commit[field];
      else this.#commit[field] = value;
    }
    if (this.#metrics !== undefined && "commit" in patch) setCurrentCommit(this.#metrics, this.#commit.commit);
  }

  setSource(patch: Optional<Omit<SourceStatus, "url" | "branch" | "path">>): void {
    this.#version++;
    const next: Record<string, unknown> = { ...this.#source };
    for (const [field, value] of Object.entries(patch)) {
      if (value === undefined) delete next[field];
      else next[field] = structuredClone(value);
    }
    this.#source = next as SourceStatus;
  }

  setManifestErrors(errors: readonly ManifestError[]): void {
    this.#version++;
    this.#manifestErrors = structuredClone([...errors]);
    this.#metrics?.manifestErrors.set(errors.length);
  }

  /** The prune pass's view, replaced whole on every inventory. */
  setOrphans(orphans: readonly OrphanStatus[], prune: NonNullable<StatusDocument["prune"]>): void {
    this.#orphans = structuredClone({ orphans: [...orphans], prune });
  }

  setReady(ready: boolean): void {
    this.#version++;
    this.#ready = ready;
  }

  get version(): number {
    return this.#version;
  }

  get ready(): boolean {
    return this.#ready;
  }

  snapshot(): StatusDocument {
    const document: StatusDocument = {
      ...this.#commit,
      source: this.#source,
      ready: this.#ready,
      resources: this.keys()
        .map((key) => this.#resources.get(key))
        .filter((s) => s !== undefined),
      manifestErrors: this.#manifestErrors,
      ...this.#orphans,
    };
    return structuredClone(document);
  }

  // Incremental, so a burst of updates over thousands of resources stays O(1) each; a combination
  // that drops to zero keeps a 0 series rather than vanishing (alerts see the recovery).
  #count(status: ResourceStatus, delta: number): void {
    const id = `${status.kind}\u0000${status.sync}\u0000${status.health}`;
    const count = (this.#counts.get(id) ?? 0) + delta;
    this.#counts.set(id, count);
    this.#metrics?.resources.set({ kind: status.kind, sync: status.sync, health: status.health }, count);
  }
}

/** A patch value as the store keeps it: the caller's object copied (it may change it later), then frozen to the leaves. */
function frozenCopy<T>(value: T): T {
  return typeof value === "object" && value !== null ? deepFreeze(structuredClone(value)) : value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}
