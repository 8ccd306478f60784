import type { HeldBack } from "../engine/desired-state.js";
import type { ResourceKey } from "../manifests/types.js";
import { statusOf } from "./record-projection.js";
import type { ResourceRecords } from "./records.js";
import type { StatusStore } from "./status.js";

/**
 * The one writer of per-resource status: after a resource's record changed, its status is
 * computed from it (record-projection.ts) and stored whole. Writers record facts in the record
 * and never touch the status (test/unit/arch/status-writers.test.ts holds that).
 */
export class StatusProjection {
  readonly #records: ResourceRecords;
  readonly #status: StatusStore;

  /** The records it shows (a failure path records into them before it projects). */
  get records(): ResourceRecords {
    return this.#records;
  }

  constructor(records: ResourceRecords, status: StatusStore) {
    this.#records = records;
    this.#status = status;
  }

  /** The record of `key` changed: show it. */
  project(key: ResourceKey): void {
    this.#status.update(key, statusOf(this.#records.get(key)));
  }

  /** The resource left git (its record is forgotten): it is no longer shown. */
  remove(key: ResourceKey): void {
    this.#status.remove(key);
  }

  /** Resources of shards another replica holds now: shown by their holder, not here (docs/ha.md). */
  hideWhere(notMine: (key: ResourceKey) => boolean): void {
    this.#status.removeWhere(notMine);
  }

  /** A commit was loaded: which resources run an older commit's spec (a broken manifest), cleared once fixed. */
  heldBack(held: ReadonlyMap<ResourceKey, HeldBack | undefined>): void {
    for (const [key, value] of held) {
      if (value === undefined && this.#records.get(key).heldBack === undefined) continue;
      this.#records.update(key, { heldBack: value });
      this.project(key);
    }
  }
}
