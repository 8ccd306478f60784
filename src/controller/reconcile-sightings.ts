import type { AppliedWrite } from "../engine/applier.js";
import type { SnapshotReader } from "../engine/read-plan.js";
import type { JsonObject } from "../json.js";
import type { ResourceKey } from "../manifests/types.js";
import type { PlannedCall } from "../resources/types.js";
import type { LiveReader } from "../engine/live-state.js";

type Sighting = { live: JsonObject; at: number };

/** The reader as the reconciler uses it (ReconcilerReader, not imported: reconciler-options imports the prune pass). */
type WatchedReader = SnapshotReader & Pick<LiveReader, "recordWrites" | "forgetCached">;

/**
 * What the reconcile read of the services it manages, for the prune pass of the same period
 * (docs/prune.md#read-budget): a service the wave described need not be described again to know
 * what it runs. Our write to a resource forgets its sighting (the next read of it counts), and
 * each write is told to whoever listens (the prune pass lists a family again after our
 * registration in it).
 */
export class ReconcileSightings {
  readonly #services = new Map<ResourceKey, Sighting>();
  readonly #listeners: ((call: PlannedCall) => void)[] = [];
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** The reader as the reconciler uses it, each snapshot's services noted on the way. */
  watch(reader: WatchedReader): WatchedReader {
    return {
      snapshot: async (manifests, settings) => {
        const at = this.#now();
        const snapshot = await reader.snapshot(manifests, settings);
        for (const [key, live] of snapshot.services) if (live !== undefined) this.#services.set(key, { live, at });
        return snapshot;
      },
      readAgain: (manifests, snapshot, keys, settings) => reader.readAgain(manifests, snapshot, keys, settings),
      recordWrites: (writes: readonly AppliedWrite[]) => {
        for (const write of writes) {
          this.#services.delete(write.key);
          for (const listener of this.#listeners) listener(write.call);
        }
        reader.recordWrites(writes);
      },
      forgetCached: () => {
        this.#services.clear();
        reader.forgetCached();
      },
    };
  }

  onWrite(listener: (call: PlannedCall) => void): void {
    this.#listeners.push(listener);
  }

  /** The service as last read, if that read started at most `maxAgeMs` ago and no write of ours to it came since. */
  seen(key: ResourceKey, maxAgeMs: number): JsonObject | undefined {
    const sighting = this.#services.get(key);
    return sighting !== undefined && this.#now() - sighting.at <= maxAgeMs ? sighting.live : undefined;
  }
}
