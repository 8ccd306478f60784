import type { Logger } from "pino";
import { isJsonObject, jsonEqual } from "../json.js";
import type { JsonObject } from "../json.js";
import type { PlannedCall } from "../resources/types.js";
import type { ResourceKey } from "../manifests/types.js";
import type { Residue } from "../engine/write-residue.js";
import { CoalescingSaver } from "./coalescing-saver.js";
import type { HeldBack } from "../engine/desired-state.js";
import type { Health } from "../resources/types.js";
import type { DeployRecord } from "./history.js";
import type { HookRunStatus } from "./hook-runs.js";
import type { StatusError, SyncStatus } from "./status.js";
import type { Change } from "../diff/structural.js";
import type { DriftEpisode, Heal, SyncEpisode } from "./drift-episode.js";

/**
 * What the last look at a resource concluded (a reconcile, a failure, a block, a hook hold): the
 * sync, health, message and error its status shows. Each look replaces the one before, so what
 * was set after it (a hook's failure, a rollback's pin) lasts until the next look.
 */
export type Look = {
  sync: SyncStatus;
  health: Health;
  message?: string;
  lastError?: StatusError;
  /** Whether the open drift episode shows: not after our own write (the next look tells whether it held). */
  showDrift: boolean;
  /** A blocking postDeploy hook of the newest deploy failed: Degraded, with the run's message. */
  hookFailed?: string;
  /** A rollback's pin holds the service against git: Pinned, with why. */
  pinned?: string;
};

/**
 * What the engine remembers about one resource, one record per key. The fields marked persisted
 * outlive the process (records.json in the work dir, docs/records.md); the others are about one
 * process's own writes and only sharpen a judgement that is safe to lose.
 */
export type ResourceRecord = {
  /**
   * Persisted. The commit whose spec we last applied, or found in sync: git changed the resource
   * since when the commit that last changed it differs (a deploy, not drift), also after a restart.
   */
  lastAppliedCommit?: string;
  /** Persisted. When we last applied it (ISO 8601), shown on /status. */
  lastAppliedAt?: string;
  /**
   * Memory only. When this process last applied the resource (epoch ms, injected clock); compared
   * with this process's own registrations, which a restart forgets too.
   */
  appliedAt?: number;
  /**
   * Persisted. The desired spec hash when we last saw the resource exist on AWS. Gone while that
   * hash still holds: deleted outside git, drift rather than a create, also for a resource deleted
   * while the controller was down.
   */
  seenLiveHash?: string;
  /**
   * Memory only: what our last write left undone as AWS answered it (AWS ignored or rewrote part
   * of it). At the next look, re-sending exactly that finishes our own write; anything else is
   * drift. One look only, so a perpetual difference cannot become a write loop; a restart ends it.
   */
  residue?: Residue;
  /** Memory only: the resource as the last write of this wave answered it (CreateService / UpdateService). */
  postWrite?: JsonObject;
  /**
   * Persisted. Git's spec hash of each task definition family the resource uses, when it was last
   * applied or found in sync. A family whose content git changed since is git's change even when
   * no revision is registered for it (a `git revert` reuses an earlier revision), not drift, also
   * when the revert landed while the controller was down.
   */
  families?: Readonly<Record<string, string>>;
  /**
   * Persisted. The open drift episode (drift.ts): alerted when it opened, and not again after a
   * restart; its heal state, so a suspension holds across one too.
   */
  driftEpisode?: DriftEpisode;
  /** Memory only: the open episode's differences as last seen, masked; values never go to disk (after a restart, none until a look). */
  driftFields?: readonly Change[];
  /** Persisted. The open sync-failure episode: `sync.failed` once, `sync.recovered` once, also across a restart. */
  syncEpisode?: SyncEpisode;
  /** Persisted. This resource's self-heals within the heal window: the budget against fighting someone. */
  heals?: readonly Heal[];
  /** Memory only: the last look, what its status shows (record-projection.ts). A restart looks again. */
  look?: Look;
  /** Memory only, copied at each look: the service's hook runs, newest first (hooks.json keeps them). */
  hookRuns?: readonly HookRunStatus[];
  /** Memory only, copied at each look: the last deploys, newest first (history.json keeps them). */
  history?: readonly DeployRecord[];
  /** Memory only, set for every commit loaded: the manifest is broken, the resource runs an older commit's spec. */
  heldBack?: HeldBack;
};

/** The fields of a record that a restart keeps. */
export const PERSISTED_FIELDS = [
  "lastAppliedCommit",
  "lastAppliedAt",
  "seenLiveHash",
  "families",
  "driftEpisode",
  "syncEpisode",
  "heals",
] as const;
export type PersistedRecord = Pick<ResourceRecord, (typeof PERSISTED_FIELDS)[number]>;

export type ResourceRecordsOptions = {
  /** Records a previous process left (records.json). */
  restored?: ReadonlyMap<ResourceKey, PersistedRecord>;
  /** Where the persisted fields go after each change (coalesced); unset: memory only. */
  store?: { save(state: SerializedRecords): Promise<void> };
  log?: Logger;
};

/**
 * records.json as written: one entry per resource (record-store.ts reads and writes it). Version 2
 * holds the episodes too; version 1 did not (they were in episodes.json).
 */
export type SerializedRecords = { version: 2; records: ({ key: ResourceKey } & PersistedRecord)[] };

/** One record per resource, plus what is per family (revisions this process registered). */
export class ResourceRecords {
  readonly #records = new Map<ResourceKey, ResourceRecord>();
  /** When this process last registered a revision of each family (deploys in flight). */
  readonly #registeredAt = new Map<string, number>();
  /** Hand-made revisions already noted in the log (once each). */
  readonly #notedRevisions = new Set<string>();
  readonly #saver: CoalescingSaver<SerializedRecords> | undefined;

  constructor(options: ResourceRecordsOptions = {}) {
    for (const [key, record] of options.restored ?? []) this.#records.set(key, { ...record });
    const what = "resource records; a restart may repeat open episodes' alerts, or take a revert made meanwhile for drift";
    this.#saver = options.store && new CoalescingSaver(options.store, () => this.serialize(), options.log, what);
  }

  /** Keys with a record, persisted ones included: after a restart, forget those no longer in git. */
  keys(): ResourceKey[] {
    return [...this.#records.keys()];
  }

  get(key: ResourceKey): Readonly<ResourceRecord> {
    return this.#records.get(key) ?? {};
  }

  /** Set fields; a field given as undefined is cleared. Saves when a persisted field changed. */
  update(key: ResourceKey, patch: { [F in keyof ResourceRecord]?: ResourceRecord[F] | undefined }): void {
    const before = this.#records.get(key);
    const record: ResourceRecord = { ...before };
    for (const [field, value] of Object.entries(patch) as [keyof ResourceRecord, unknown][]) {
      if (value === undefined) delete record[field];
      else Object.assign(record, { [field]: value });
    }
    this.#records.set(key, record);
    if (PERSISTED_FIELDS.some((f) => f in patch && !jsonEqual(before?.[f], record[f]))) this.#saver?.request();
  }

  /** The resource left git. */
  forget(key: ResourceKey): void {
    const before = this.#records.get(key);
    this.#records.delete(key);
    if (before !== undefined && PERSISTED_FIELDS.some((f) => before[f] !== undefined)) this.#saver?.request();
  }

  /**
   * Another replica held the shard of these keys since this one wrote their records (leases,
   * docs/records.md#after-another-replica-held-a-shard): forget the family hashes, which would
   * take a family git changed during that hold for a change since our own apply, and so a hand
   * move made meanwhile for git's. Without them such a move is drift (a revert is then drift too,
   * as for a replica that never held the key). The other fields stay: a missing last applied
   * commit reads as a pending deploy, and a seen-live hash can only hold back a create.
   * Returns how many records changed.
   */
  forgetFamilies(heldElsewhere: (key: ResourceKey) => boolean): number {
    const stale = [...this.#records].filter(([key, record]) => record.families !== undefined && heldElsewhere(key));
    for (const [key] of stale) this.update(key, { families: undefined });
    return stale.length;
  }

  /** The persisted fields of every record that has any, as records.json holds them. */
  serialize(): SerializedRecords {
    const records: SerializedRecords["records"] = [];
    for (const [key, record] of [...this.#records].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const kept = Object.fromEntries(PERSISTED_FIELDS.filter((f) => record[f] !== undefined).map((f) => [f, record[f]]));
      if (Object.keys(kept).length > 0) records.push({ key, ...kept });
    }
    return { version: 2, records };
  }

  /** Wait for pending saves (shutdown, tests). */
  async flush(): Promise<void> {
    await this.#saver?.flush();
  }

  registered(family: string, at: number): void {
    this.#registeredAt.set(family, at);
  }

  registeredAt(family: string): number {
    return this.#registeredAt.get(family) ?? 0;
  }

  /** What one of our successful writes tells: a deploy in flight (a registration), the service as AWS answered. */
  noteWrite(key: ResourceKey, call: PlannedCall, output: JsonObject, at: number): void {
    if (call.operation === "ecs:RegisterTaskDefinition") this.registered(String(call.input["family"]), at);
    const service = output["service"];
    if ((call.operation === "ecs:CreateService" || call.operation === "ecs:UpdateService") && isJsonObject(service))
      this.update(key, { postWrite: service });
  }

  /** True the first time a hand-made revision is noted. */
  noteRevision(arn: string): boolean {
    if (this.#notedRevisions.has(arn)) return false;
    this.#notedRevisions.add(arn);
    return true;
  }
}
