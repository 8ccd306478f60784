import type { Logger } from "pino";
import { LeaseStore } from "../aws/lease-store.js";
import type { Manifest, ResourceKey } from "../manifests/types.js";
import { LeaseManager } from "./lease-manager.js";
import type { LeaseSnapshot } from "./lease-manager.js";
import { shardIndex, shardsOf } from "./shards.js";
import type { ShardBy } from "./shards.js";

export type LeaseSettings = {
  /** `--lease-table`: leasing is on only with a table. */
  table: string;
  durationMs: number;
  shards: number;
  shardBy: ShardBy;
  replicaId: string;
};

export const DEFAULT_LEASE_DURATION_MS = 15_000;

/**
 * The controller's side of leasing: which resources this replica reconciles now (those whose
 * shard it holds) and the fence every AWS write passes (src/engine/applier.ts). Resources of a
 * shard are handed to the queue when the shard is acquired.
 */
export class ControllerLeasing {
  readonly #settings: LeaseSettings;
  readonly #store: LeaseStore;
  readonly #manager: LeaseManager;
  #shardOf = new Map<ResourceKey, number>();
  #onAcquired: (keys: ResourceKey[]) => void = () => undefined;

  constructor(
    settings: LeaseSettings,
    aws: { region: string | undefined; endpoint: string | undefined; accountIdHeader: string | undefined },
    log: Logger,
  ) {
    this.#settings = settings;
    this.#store = new LeaseStore({ table: settings.table, ...aws, requestTimeoutMs: Math.max(500, Math.round(settings.durationMs / 5)) });
    this.#manager = new LeaseManager({
      table: this.#store,
      replicaId: settings.replicaId,
      shards: settings.shards,
      leaseDurationMs: settings.durationMs,
      log: log.child({ replica: settings.replicaId }),
      onChange: (held) => this.#onAcquired([...this.#shardOf].flatMap(([key, shard]) => (held.has(shard) ? [key] : []))),
    });
  }

  /** Keys of shards newly held go back to the queue (the previous holder may have left them half done). */
  onAcquired(callback: (keys: ResourceKey[]) => void): void {
    this.#onAcquired = callback;
  }

  start(): Promise<void> {
    return this.#manager.start();
  }

  async stop(): Promise<void> {
    await this.#manager.stop();
    this.#store.destroy();
  }

  /** A new commit: every replica computes the same shards from it. */
  setDesired(manifests: ReadonlyMap<ResourceKey, Manifest>, defaultCluster: string | undefined): void {
    this.#shardOf = shardsOf(manifests, {
      shards: this.#settings.shards,
      shardBy: this.#settings.shardBy,
      defaultCluster,
      account: undefined,
    });
  }

  shardOf(key: ResourceKey): number {
    // A key that left git (being forgotten or pruned) goes by its own name.
    return this.#shardOf.get(key) ?? shardIndex(key, this.#settings.shards);
  }

  owns(key: ResourceKey): boolean {
    return this.#manager.holds(this.shardOf(key));
  }

  /** Undefined when `key` may be written now; else why not. */
  fence(key: ResourceKey): string | undefined {
    if (this.owns(key)) return undefined;
    return `${key}: this replica (${this.#settings.replicaId}) does not hold a valid lease on shard ${this.shardOf(key)}, so nothing was written; the holder reconciles it`;
  }

  snapshot(): LeaseSnapshot & { table: string; shardBy: ShardBy } {
    return { ...this.#manager.snapshot(), table: this.#settings.table, shardBy: this.#settings.shardBy };
  }
}
