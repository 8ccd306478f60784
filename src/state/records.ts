import { isJsonObject } from "../json.js";
import type { JsonObject } from "../json.js";
import type { PlannedCall } from "../resources/types.js";
import type { ResourceKey } from "../manifests/types.js";
import type { Residue } from "../engine/write-residue.js";

/**
 * Where the seen-live hashes outlive the process (the drift tracker's episode record): a resource
 * deleted by hand while the controller was down is still drift, never re-created behind the
 * back of someone who turned self-heal off.
 */
export interface SeenLiveStore {
  seenLive(): ReadonlyMap<ResourceKey, string>;
  /** Called when a key's seenLiveHash changes (undefined: dropped). */
  noteSeenLive(key: ResourceKey, hash: string | undefined): void;
}

/**
 * What this process remembers about one resource between two looks. Memory only, except
 * seenLiveHash, which a SeenLiveStore keeps across restarts: the other fields only sharpen a
 * judgement that is safe to lose (the spec-hash tag on AWS tells a deploy from drift, drift and
 * failure episodes are persisted by the drift tracker).
 */
export type ResourceRecord = {
  /** When this process last applied the resource (epoch ms, injected clock). */
  appliedAt?: number;
  /**
   * The desired spec hash when this process last saw the resource exist on AWS. Gone while that
   * hash still holds: deleted outside git, drift rather than a create. Persisted through the
   * SeenLiveStore, so this also holds for a resource deleted while the controller was down.
   */
  seenLiveHash?: string;
  /**
   * What our last write left undone as AWS answered it (AWS ignored or rewrote part of it). At the
   * next look, re-sending exactly that finishes our own write; anything else is drift. One look
   * only, so a perpetual difference cannot become a write loop.
   */
  residue?: Residue;
  /** The resource as the last write of this wave answered it (CreateService / UpdateService). */
  postWrite?: JsonObject;
  /**
   * Git's spec hash of each task definition family the resource uses, when it was last applied or
   * found in sync. A family whose content git changed since is git's change even when no revision
   * is registered for it (a `git revert` reuses an earlier revision), not drift.
   */
  families?: Readonly<Record<string, string>>;
};

/** One record per resource, plus what is per family (revisions this process registered). */
export class ResourceRecords {
  readonly #records = new Map<ResourceKey, ResourceRecord>();
  /** When this process last registered a revision of each family (deploys in flight). */
  readonly #registeredAt = new Map<string, number>();
  /** Hand-made revisions already noted in the log (once each). */
  readonly #notedRevisions = new Set<string>();
  readonly #seenStore: SeenLiveStore | undefined;

  constructor(seenStore?: SeenLiveStore) {
    this.#seenStore = seenStore;
    for (const [key, hash] of seenStore?.seenLive() ?? []) this.#records.set(key, { seenLiveHash: hash });
  }

  /** Keys with a record, persisted ones included: after a restart, forget those no longer in git. */
  keys(): ResourceKey[] {
    return [...this.#records.keys()];
  }

  get(key: ResourceKey): Readonly<ResourceRecord> {
    return this.#records.get(key) ?? {};
  }

  /** Set fields; a field given as undefined is cleared. */
  update(key: ResourceKey, patch: { [F in keyof ResourceRecord]?: ResourceRecord[F] | undefined }): void {
    const record: ResourceRecord = { ...this.#records.get(key) };
    for (const [field, value] of Object.entries(patch) as [keyof ResourceRecord, unknown][]) {
      if (value === undefined) delete record[field];
      else Object.assign(record, { [field]: value });
    }
    const before = this.#records.get(key)?.seenLiveHash;
    this.#records.set(key, record);
    if (record.seenLiveHash !== before) this.#seenStore?.noteSeenLive(key, record.seenLiveHash);
  }

  /** The resource left git. */
  forget(key: ResourceKey): void {
    const seen = this.#records.get(key)?.seenLiveHash !== undefined;
    this.#records.delete(key);
    if (seen) this.#seenStore?.noteSeenLive(key, undefined);
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
