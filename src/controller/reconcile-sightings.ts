import type { AwsClients } from "../aws/index.js";
import type { AppliedWrite } from "../engine/applier.js";
import type { SnapshotReader } from "../engine/read-plan.js";
import type { JsonObject } from "../json.js";
import type { ResourceKey } from "../manifests/types.js";
import type { PlannedCall } from "../resources/types.js";
import type { LiveReader } from "../engine/live-state.js";
import { pruneSighting } from "../resources/service/prune-io.js";

type Sighting<T = JsonObject> = { live: T; at: number };

/** The reader as the reconciler uses it (ReconcilerReader, not imported: reconciler-options imports the prune pass). */
type WatchedReader = SnapshotReader & Pick<LiveReader, "recordWrites" | "forgetCached">;

/**
 * What the reconcile read of the services it manages, for the prune pass of the same period
 * (docs/prune.md#read-budget): a service the wave described need not be described again to know
 * what it runs, and a bus whose rules the wave listed need not be listed again. Our write to a
 * resource forgets its sighting (the next read of it counts), an EventBridge write of ours every
 * bus's listing, and each write is told to whoever listens (the prune pass lists a family again
 * after our registration in it). A sighting keeps only what the prune pass reads of a service.
 */
export class ReconcileSightings {
  readonly #services = new Map<ResourceKey, Sighting>();
  readonly #ruleLists = new Map<string, Sighting<readonly JsonObject[]>>();
  readonly #listeners: ((call: PlannedCall) => void)[] = [];
  readonly #now: () => number;
  /** Counts our EventBridge writes (and forgetCached): a listing that saw one land while in flight is not kept. */
  #ruleWrites = 0;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** The clients of the reconciler's reader: each whole listing of a bus's rules is noted, with the time it started. */
  clientsFor(aws: AwsClients): AwsClients {
    return {
      ...aws,
      listRulesVia: async (bus, list) => {
        const at = this.#now();
        const writes = this.#ruleWrites;
        const rules = await list();
        // Its pages may have been read before our write landed: not kept, the prune pass lists the bus itself.
        if (writes === this.#ruleWrites) this.#ruleLists.set(bus, { live: rules, at });
        return rules;
      },
    };
  }

  /** The reader as the reconciler uses it, each snapshot's services noted on the way. */
  watch(reader: WatchedReader): WatchedReader {
    return {
      snapshot: async (manifests, settings) => {
        const at = this.#now();
        const snapshot = await reader.snapshot(manifests, settings);
        for (const [key, live] of snapshot.services) if (live !== undefined) this.#services.set(key, { live: pruneSighting(live), at });
        return snapshot;
      },
      readAgain: (manifests, snapshot, keys, settings) => reader.readAgain(manifests, snapshot, keys, settings),
      recordWrites: (writes: readonly AppliedWrite[]) => {
        for (const write of writes) {
          this.#services.delete(write.key);
          this.written(write.call);
          for (const listener of this.#listeners) listener(write.call);
        }
        reader.recordWrites(writes);
      },
      forgetCached: () => {
        this.#services.clear();
        this.#forgetRuleLists();
        reader.forgetCached();
      },
    };
  }

  onWrite(listener: (call: PlannedCall) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * A write of ours, the reconcile's or the prune pass's: after an EventBridge write no bus's
   * listing stands for what is there (a rule made or deleted, on whichever bus).
   */
  written(call: PlannedCall): void {
    if (call.operation.startsWith("events:")) this.#forgetRuleLists();
  }

  /** Every listing made, and every one still in flight. */
  #forgetRuleLists(): void {
    this.#ruleWrites += 1;
    this.#ruleLists.clear();
  }

  /**
   * The rules of `bus` as listed last, if that listing started at most `maxAgeMs` ago and no
   * EventBridge write of ours landed since it started (nor while it was in flight).
   */
  rulesListed(bus: string, maxAgeMs: number): readonly JsonObject[] | undefined {
    const listing = this.#ruleLists.get(bus);
    return listing !== undefined && this.#now() - listing.at <= maxAgeMs ? listing.live : undefined;
  }

  /** The service as last read, if that read started at most `maxAgeMs` ago and no write of ours to it came since. */
  seen(key: ResourceKey, maxAgeMs: number): JsonObject | undefined {
    const sighting = this.#services.get(key);
    return sighting !== undefined && this.#now() - sighting.at <= maxAgeMs ? sighting.live : undefined;
  }
}
