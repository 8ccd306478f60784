import type { Logger } from "pino";
import type { AwsClients } from "../aws/index.js";
import { LeaseStore } from "../aws/lease-store.js";
import type { QueueResult } from "../queue-result.js";
import type { Manifest, ResourceKey } from "../manifests/types.js";
import type { Registry } from "prom-client";
import { LayoutCheck } from "./layout.js";
import { LeaseMetrics } from "./lease-metrics.js";
import { InFlightDeploys } from "./in-flight.js";
import { LeaseManager } from "./lease-manager.js";
import type { LeaseSnapshot, LeaseTable } from "./lease-manager.js";
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

/** Shards one tick acquired; `foreign`: those whose row another replica wrote last (see LeaseManager). */
export type AcquiredShards = { acquired: ReadonlySet<number>; foreign: ReadonlySet<number> };

export const DEFAULT_LEASE_DURATION_MS = 15_000;
/**
 * How long an acquired shard's keys wait for the git fetch (and commit load) that follows the
 * acquire: git's own timeout. A load took 25 to 31 s at load average 20 on a 2-core machine.
 */
export const CATCH_UP_LIMIT_MS = 60_000;

/** Tests: an in-memory table and a fake clock instead of DynamoDB and performance.now. */
export type LeasingParts = { table?: LeaseTable; now?: () => number; registry?: Registry };

/**
 * The controller's side of leasing: which resources this replica reconciles now (those whose
 * shard it holds) and the fence every AWS write passes (src/engine/applier.ts).
 *
 * No key is ever dropped: a key the queue hands over while its shard's lease is not valid here,
 * or whose write the fence refused, is parked. After every lease tick the parked keys of shards
 * held then go back to the queue, and every key of a shard just acquired does too (the previous
 * holder may have left it half done). So whatever the order of a commit, an acquire, a loss or a
 * lease window that closed for a moment under load, each key of a held shard is reconciled
 * within one tick (a sixth of the lease duration).
 */
export class ControllerLeasing {
  readonly #settings: LeaseSettings;
  readonly #store: LeaseStore | undefined;
  readonly #manager: LeaseManager;
  readonly #layout: LayoutCheck;
  readonly #metrics: LeaseMetrics | undefined;
  readonly #log: Logger;
  #shardOf = new Map<ResourceKey, number>();
  readonly #parked = new Set<ResourceKey>();
  /** Keys whose write the fence refused since their handler started. */
  readonly #fenced = new Set<ResourceKey>();
  #requeue: (keys: ResourceKey[]) => void = () => undefined;
  #catchUp: (() => Promise<void>) | undefined;
  #acquired: (shards: AcquiredShards) => void = () => undefined;
  #read: (notMine: (key: ResourceKey) => boolean) => void = () => undefined;
  /** Shards acquired before the first desired state: which keys they hold is not known yet. */
  #unmapped: { acquired: Set<number>; foreign: Set<number> } | undefined = { acquired: new Set(), foreign: new Set() };
  /** Shards just acquired whose keys wait until this replica's git source caught up (catchUpWith): how many fetches each waits for. */
  readonly #catchingUp = new Map<number, number>();
  /** The in-flight record of each held shard's deploy, in its lease row (in-flight.ts). */
  readonly #inFlight: InFlightDeploys;

  constructor(
    settings: LeaseSettings,
    aws: { region: string | undefined; endpoint: string | undefined; accountIdHeader: string | undefined },
    log: Logger,
    parts: LeasingParts = {},
  ) {
    this.#settings = settings;
    this.#log = log.child({ replica: settings.replicaId });
    this.#store = parts.table
      ? undefined
      : new LeaseStore({ table: settings.table, ...aws, requestTimeoutMs: Math.max(500, Math.round(settings.durationMs / 5)) });
    const table = parts.table ?? this.#store!;
    this.#metrics = parts.registry ? new LeaseMetrics(parts.registry) : undefined;
    this.#layout = new LayoutCheck(table, settings.table, settings, this.#log);
    this.#manager = new LeaseManager({
      table,
      replicaId: settings.replicaId,
      shards: settings.shards,
      leaseDurationMs: settings.durationMs,
      log: this.#log,
      ...(parts.now ? { now: parts.now } : {}),
      onTick: ({ held, acquired, foreign }) => this.#afterTick(held, acquired, foreign),
      mayHold: (items) => this.#layout.allows(items),
      renewWith: (shard) => this.#inFlight.trimmed(shard),
    });
    this.#inFlight = new InFlightDeploys({
      rows: this.#manager,
      replicaId: settings.replicaId,
      shardOf: (key) => this.shardOf(key),
      log: this.#log,
    });
  }

  /** Where keys go that this replica must reconcile now (the work queue's `add`). */
  onRequeue(callback: (keys: ResourceKey[]) => void): void {
    this.#requeue = callback;
  }

  /**
   * `fetch` brings this replica's git source up to date (a poll started after the call). Run when
   * a shard is acquired, before any of its keys is reconciled: replicas poll git on their own, and
   * the previous holder may have applied a commit this replica has not fetched yet; reconciling
   * the older one would roll those resources back. Anything the previous holder applied was on the
   * remote before it fetched it, so a fetch started after the acquire sees it (or a newer commit).
   * A fetch that fails or outlasts CATCH_UP_LIMIT_MS releases the keys anyway (docs/ha.md#known-limits).
   */
  catchUpWith(fetch: () => Promise<void>): void {
    this.#catchUp = fetch;
  }

  /**
   * Called once per tick that acquired shards, before any of their keys is reconciled (they are
   * parked until the catch-up fetch). `foreign` names those another replica held since this one
   * last did: what this replica remembers of their keys (records.json) may predate that hold.
   * Shards acquired before the first desired state (the first ticks after a start) are announced
   * when it arrives, since only then does shardOf map keys to their shards.
   */
  onShardsAcquired(callback: (shards: AcquiredShards) => void): void {
    this.#acquired = callback;
  }

  /**
   * Called after every lease tick with a test for the keys whose shard the table does not name
   * this replica for (another replica holds it, or nobody): what this replica shows of them went
   * stale when it lost the shard, and the holder shows them now.
   */
  onShardsRead(callback: (notMine: (key: ResourceKey) => boolean) => void): void {
    this.#read = callback;
  }

  /**
   * The queue handler's wrapper: runs `reconcile` only while this replica holds the key's shard.
   * A key of another shard, or one the fence stopped mid-write, is parked instead of retried
   * with backoff: the holder reconciles it (this replica, once its lease is valid again, or the
   * replica that takes the shard over), within one tick rather than after minutes of backoff.
   */
  async gate(key: ResourceKey, reconcile: () => Promise<QueueResult>): Promise<QueueResult> {
    if (!this.mayReconcile(key)) {
      this.#parked.add(key);
      return {};
    }
    this.#fenced.delete(key);
    // The keys a new commit changes are known first: a key done before would be listed after.
    await this.#inFlight.ready();
    const commit = this.#inFlight.commit;
    const result = await reconcile();
    if (this.#fenced.delete(key) && "retry" in result) {
      this.#parked.add(key);
      return {};
    }
    // A reconcile that will be retried has not finished its part of the deploy: it stays listed.
    if (!("retry" in result)) this.#inFlight.done(key, commit);
    return result;
  }

  /** The clients the write paths use: every write attempt passes the fence, and a batch renews short windows first. */
  fencedClients(aws: AwsClients): AwsClients {
    return {
      ...aws,
      writeFence: (key: string, operation?: string, minWindowMs?: number) => this.fence(key, operation, minWindowMs),
      writeWindowMs: (key: string) => this.#manager.validForMs(this.shardOf(key)),
      beforeWrites: (keys: readonly string[]) => this.beforeWrites(keys),
    };
  }

  /** Before writing `keys`: renew their shards' leases now if their windows run short (see LeaseManager.refresh). */
  async beforeWrites(keys: readonly ResourceKey[]): Promise<void> {
    await this.#manager.refresh(new Set(keys.map((key) => this.shardOf(key)))).catch((error: unknown) => {
      // The fence still decides each write; a failed refresh only means fewer of them go through.
      this.#log.warn({ err: error instanceof Error ? error.message : String(error) }, "lease refresh before writes failed");
    });
    await this.#inFlight.beforeWrites(keys);
  }

  /** `key`'s live difference at `commit` is a deploy the shard's previous holder left half done (in-flight.ts). */
  inFlightDeploy(key: ResourceKey, commit: string): boolean {
    return this.#inFlight.covers(key, commit);
  }

  /** One round of the lease loop (tests drive it with a fake clock; `start` runs it on a timer). */
  tick(): Promise<void> {
    return this.#manager.tick();
  }

  start(): Promise<void> {
    return this.#manager.start();
  }

  async stop(): Promise<void> {
    await this.#manager.stop();
    this.#store?.destroy();
  }

  /** A new commit: every replica computes the same shards from it. */
  setDesired(manifests: ReadonlyMap<ResourceKey, Manifest>, defaultCluster: string | undefined, commit?: string): void {
    this.#shardOf = shardsOf(manifests, {
      shards: this.#settings.shards,
      shardBy: this.#settings.shardBy,
      defaultCluster,
      account: undefined,
    });
    if (commit !== undefined) this.#inFlight.setDesired(commit, manifests);
    const early = this.#unmapped;
    this.#unmapped = undefined;
    if (early && early.acquired.size > 0) this.#acquired(early);
  }

  shardOf(key: ResourceKey): number {
    // A key that left git (being forgotten or pruned) goes by its own name.
    return this.#shardOf.get(key) ?? shardIndex(key, this.#settings.shards);
  }

  /** This replica holds the key's shard now and has caught up with git since it acquired it. */
  mayReconcile(key: ResourceKey): boolean {
    return this.owns(key) && !this.#catchingUp.has(this.shardOf(key));
  }

  owns(key: ResourceKey): boolean {
    return this.#manager.holds(this.shardOf(key));
  }

  /** Undefined when `key` may be written now (and for `minWindowMs` more); else why not. Counted by operation. */
  fence(key: ResourceKey, operation?: string, minWindowMs = 0): string | undefined {
    const leftMs = this.#manager.validForMs(this.shardOf(key));
    if (leftMs > minWindowMs) return undefined;
    this.#fenced.add(key);
    this.#metrics?.fenced(operation);
    if (leftMs > 0)
      return (
        `${key}: only ${Math.round(leftMs)} ms were left of this replica's (${this.#settings.replicaId}) lease on shard ` +
        `${this.shardOf(key)}, too little for ${operation ?? "a write"} to be answered inside it, so nothing was sent; ` +
        `the lease is renewed at the next tick, or the holder reconciles it`
      );
    return (
      `${key}: this replica (${this.#settings.replicaId}) does not hold a valid ` +
      `lease on shard ${this.shardOf(key)}, so nothing was written; the holder ` +
      `reconciles it`
    );
  }

  /** Keys waiting for their shard's lease on this replica. */
  get parked(): number {
    return this.#parked.size;
  }

  #afterTick(held: ReadonlySet<number>, acquired: ReadonlySet<number>, foreign: ReadonlySet<number>): void {
    this.#metrics?.tick(held, acquired, foreign);
    const me = this.#settings.replicaId;
    const mine = new Set(this.#manager.snapshot().shards.flatMap((s) => (s.held || s.holder === me ? [s.shard] : [])));
    this.#read((key) => !mine.has(this.shardOf(key)));
    for (const shard of acquired) this.#inFlight.acquired(shard);
    this.#inFlight.disown(held);
    if (acquired.size > 0) this.#announce(acquired, foreign);
    if (acquired.size > 0 && this.#catchUp) this.#startCatchUp(this.#catchUp, acquired);
    this.#release(held, acquired);
  }

  #announce(acquired: ReadonlySet<number>, foreign: ReadonlySet<number>): void {
    if (foreign.size > 0) this.#log.info({ shards: [...foreign] }, "shards taken over from another replica");
    if (this.#unmapped === undefined) return this.#acquired({ acquired, foreign });
    for (const shard of acquired) this.#unmapped.acquired.add(shard);
    for (const shard of foreign) this.#unmapped.foreign.add(shard);
  }

  /** Park the keys of `acquired` until a git fetch started now has finished (or taken too long), then reconcile them. */
  #startCatchUp(fetch: () => Promise<void>, acquired: ReadonlySet<number>): void {
    for (const shard of acquired) this.#catchingUp.set(shard, (this.#catchingUp.get(shard) ?? 0) + 1);
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CATCH_UP_LIMIT_MS);
      timer.unref();
    });
    const fetched = fetch().catch((error: unknown) => {
      this.#log.warn({ err: error instanceof Error ? error.message : String(error) }, "git fetch after a lease acquire failed");
    });
    void Promise.race([fetched, limit]).then(() => {
      clearTimeout(timer);
      for (const shard of acquired) {
        const waiting = (this.#catchingUp.get(shard) ?? 1) - 1;
        if (waiting > 0) this.#catchingUp.set(shard, waiting);
        else this.#catchingUp.delete(shard);
      }
      this.#release(this.#manager.held(), acquired);
    });
  }

  /** Requeue the keys of `acquired` and the parked keys of `held`, except those of shards still catching up. */
  #release(held: ReadonlySet<number>, acquired: ReadonlySet<number>): void {
    const due = new Set<ResourceKey>();
    const ready = (shard: number) => !this.#catchingUp.has(shard);
    for (const [key, shard] of this.#shardOf) if (acquired.has(shard) && held.has(shard) && ready(shard)) due.add(key);
    for (const key of this.#parked) if (held.has(this.shardOf(key)) && ready(this.shardOf(key))) due.add(key);
    for (const key of due) this.#parked.delete(key);
    if (due.size === 0) return;
    const fresh = [...acquired].filter((shard) => held.has(shard) && ready(shard));
    if (fresh.length > 0) this.#log.info({ shards: fresh, keys: due.size }, "reconciling the keys of shards just acquired");
    this.#requeue([...due]);
  }

  /** Set while this replica's shard layout is not the table's: it then holds nothing (layout.ts). */
  get layoutMismatch(): string | undefined {
    return this.#layout.problem;
  }

  snapshot(): LeaseSnapshot & { table: string; shardBy: ShardBy; parked: number; layoutMismatch?: string } {
    const mismatch = this.#layout.problem;
    return {
      ...this.#manager.snapshot(),
      table: this.#settings.table,
      shardBy: this.#settings.shardBy,
      parked: this.#parked.size,
      ...(mismatch === undefined ? {} : { layoutMismatch: mismatch }),
    };
  }
}
