import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { InFlightEntry, LeaseItem } from "../aws/lease-store.js";
import { fairShare } from "./shards.js";
import { lastHolder, releasedVersion, replicaKey, shardKey } from "./lease-rows.js";

/** What the manager needs of the table (src/aws/lease-store.ts; a fake in unit tests). */
export type LeaseTable = {
  scan(): Promise<LeaseItem[]>;
  create(leaseKey: string, owner: string, version: string): Promise<boolean>;
  swap(leaseKey: string, expected: LeaseItem, next: { owner: string; version: string; inflight?: InFlightEntry }): Promise<boolean>;
  heartbeat(leaseKey: string, owner: string, version: string): Promise<void>;
  mark(leaseKey: string, owner: string, version: string, entry: InFlightEntry | undefined): Promise<boolean>;
};

export type LeaseManagerOptions = {
  table: LeaseTable;
  replicaId: string;
  shards: number;
  leaseDurationMs: number;
  log: Logger;
  /** A monotonic clock in ms (performance.now): it keeps counting while the process is stopped. */
  now?: () => number;
  /** An in-flight entry to write with this renewal of `shard` (in-flight.ts), or undefined to leave the row's as it is. */
  renewWith?: (shard: number) => InFlightEntry | undefined;
  /**
   * Called after every tick, whatever happened in it: `held` are the shards whose lease is valid
   * now, `acquired` those this tick took from nobody or from another replica; `foreign` those of
   * `acquired` whose row another replica wrote last (it held the shard since this replica did).
   */
  onTick?: (tick: { held: ReadonlySet<number>; acquired: ReadonlySet<number>; foreign: ReadonlySet<number> }) => void;
  /** After each read: false makes this replica hold no shard and send no heartbeat (a shard layout not the table's: layout.ts). */
  mayHold?: (items: readonly LeaseItem[]) => Promise<boolean>;
};

export type LeaseSnapshot = {
  replica: string;
  /** Every shard and who holds it as last read; `held` is this replica's own, still valid, lease. */
  shards: { shard: number; holder: string | undefined; held: boolean }[];
  /** Replicas whose heartbeat moved within one lease duration. */
  replicas: string[];
};

/**
 * Shard leases in one DynamoDB table, in the manner of the DynamoDB lock client and the Kinesis
 * Client Library: every write of a holder changes the row's version; another replica takes a row
 * over only after it saw the same (owner, version) for a whole lease duration on its own clock,
 * and only with a conditional write on that version. No clock is compared across machines.
 *
 * Fencing: the holder counts its lease as valid until the time it SENT its last successful renew
 * plus the lease duration, less a margin. Anyone taking over waits a full duration from the time
 * it first READ that version, which is later than the send, so validity windows never overlap.
 * A replica paused past its window (SIGSTOP, a long GC) finds `holds()` false when it resumes and
 * writes nothing until a renew succeeds again.
 */
export class LeaseManager {
  readonly #o: LeaseManagerOptions;
  readonly #now: () => number;
  readonly #held = new Map<number, { version: string; attempted?: { version: string; sent: number }; validUntil: number }>();
  readonly #observed = new Map<string, { owner: string; version: string; since: number }>();
  #items: LeaseItem[] = [];
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #stopped = false;
  #lastRenew = Number.NEGATIVE_INFINITY;
  /** Ticks run one at a time: a renew racing another renew of the same row would look like a loss. */
  #serial: Promise<void> = Promise.resolve();

  constructor(options: LeaseManagerOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Holders renew every third of the lease duration. */
  get renewIntervalMs(): number {
    return Math.max(50, Math.round(this.#o.leaseDurationMs / 3));
  }

  /**
   * The table is read twice per renew interval: an expired lease is seen at most a sixth of a
   * duration late and taken at most a sixth later, so a takeover comes within one lease duration
   * plus one renew interval of the holder's last renew.
   */
  get tickIntervalMs(): number {
    return Math.max(25, Math.round(this.#o.leaseDurationMs / 6));
  }

  /** The first tick runs before this resolves, so a lone replica holds its shards at once. */
  async start(): Promise<void> {
    await this.tick();
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#ticking = this.tick().finally(() => this.#schedule());
    }, this.tickIntervalMs);
  }

  /** True while this replica's lease on `shard` is valid: checked right before every AWS write. */
  holds(shard: number): boolean {
    const lease = this.#held.get(shard);
    return lease !== undefined && this.#now() < lease.validUntil;
  }

  /** How long this replica's lease on `shard` stays valid, in ms (0 when it holds none): a write attempt's request timeout is cut to it. */
  validForMs(shard: number): number {
    const lease = this.#held.get(shard);
    return lease === undefined ? 0 : Math.max(0, lease.validUntil - this.#now());
  }

  held(): Set<number> {
    return new Set([...this.#held.keys()].filter((shard) => this.holds(shard)));
  }

  snapshot(): LeaseSnapshot {
    const byKey = new Map(this.#items.map((item) => [item.leaseKey, item]));
    return {
      replica: this.#o.replicaId,
      shards: Array.from({ length: this.#o.shards }, (_, shard) => {
        const owner = byKey.get(shardKey(shard))?.owner;
        return { shard, holder: owner === "" ? undefined : owner, held: this.holds(shard) };
      }),
      replicas: this.#alive(this.#now()),
    };
  }

  /** The in-flight entry of `shard`'s row as last read (the scan of the tick that acquired it, for a takeover). */
  inFlightRead(shard: number): InFlightEntry | undefined {
    return this.#items.find((item) => item.leaseKey === shardKey(shard))?.inflight;
  }

  /**
   * Write (or clear, with undefined) `shard`'s in-flight entry, fenced: only while this replica's
   * lease on it is valid, conditional on the version it wrote last. Queued with the ticks, so it
   * never races a renewal of the same row. False when the lease or the condition refused it.
   */
  markInFlight(shard: number, entry: InFlightEntry | undefined): Promise<boolean> {
    const next = this.#serial.then(async () => {
      const lease = this.#held.get(shard);
      if (lease === undefined || !this.holds(shard)) return false;
      return this.#o.table.mark(shardKey(shard), this.#o.replicaId, lease.version, entry);
    });
    this.#serial = next.then(() => undefined).catch(() => undefined);
    return next;
  }

  /** One round: read the table, heartbeat, renew, give back above the fair share, take up to it. */
  tick(): Promise<void> {
    return this.#queued(false);
  }

  /**
   * Before a batch of writes: renew now when the window of any of `shards` held here has less
   * than half its length left. A long plan (CPU-bound, or slow reads) can outlast a short lease
   * while the table still names this replica; renewing right before the writes saves the whole
   * batch from the fence. Safe as any renew: a conditional write on the version this replica wrote.
   */
  async refresh(shards: Iterable<number>): Promise<void> {
    const now = this.#now();
    const short = [...shards].some((shard) => {
      const lease = this.#held.get(shard);
      return lease !== undefined && lease.validUntil - now < this.#validity() / 2;
    });
    if (short) await this.#queued(true);
  }

  #queued(forceRenew: boolean): Promise<void> {
    const next = this.#serial.then(() => this.#tick(forceRenew));
    this.#serial = next.catch(() => undefined);
    return next;
  }

  async #tick(forceRenew: boolean): Promise<void> {
    if (this.#stopped) return;
    const acquired = new Set<number>();
    const foreign = new Set<number>();
    const started = this.#now();
    const me = this.#o.replicaId;
    try {
      this.#items = await this.#o.table.scan();
    } catch (error) {
      // Without a read nothing is renewed: leases run out on their own, and writes stop with them.
      this.#o.log.warn({ err: error instanceof Error ? error.message : String(error) }, "lease table unreadable; leases are not renewed");
      this.#o.onTick?.({ held: this.held(), acquired, foreign });
      return;
    }
    // A change seen now was read at the latest now: the takeover wait counts from the answer, not the request.
    this.#observe(this.#now());
    if (this.#o.mayHold && !(await this.#o.mayHold(this.#items))) {
      this.#held.clear();
      this.#o.onTick?.({ held: this.held(), acquired, foreign });
      return;
    }
    const items = new Map(this.#items.map((item) => [item.leaseKey, item]));
    // Half a tick of tolerance: timers fire a little late, and a renew must not slip a whole tick.
    const renewDue = forceRenew || started - this.#lastRenew >= this.renewIntervalMs - this.tickIntervalMs / 2;
    const renewals: Promise<void>[] = [];
    if (renewDue) {
      this.#lastRenew = started;
      renewals.push(
        this.#o.table.heartbeat(replicaKey(me), me, randomUUID()).catch((error: unknown) => {
          this.#o.log.warn({ err: error instanceof Error ? error.message : String(error) }, "lease heartbeat failed");
        }),
      );
    }
    for (const [shard, lease] of [...this.#held]) {
      const item = items.get(shardKey(shard));
      const landed = lease.attempted !== undefined && item?.version === lease.attempted.version ? lease.attempted : undefined;
      const current = item?.owner === me && (item.version === lease.version || landed !== undefined);
      if (!item || !current) {
        this.#held.delete(shard);
        this.#o.log.warn({ shard, holder: item?.owner }, "shard lease lost");
        continue;
      }
      // A renew whose answer was lost (timed out under load) landed after all: its window counts
      // from when it was sent, as if the answer had come.
      if (landed)
        this.#held.set(shard, { version: landed.version, validUntil: Math.max(lease.validUntil, landed.sent + this.#validity()) });
      if (renewDue) renewals.push(this.#renew(shard, item));
    }
    // All at once: under load each round trip is slow, and renewing one shard after another let
    // the last ones' windows close while the first were renewed.
    await Promise.all(renewals);
    const target = fairShare(this.#o.shards, this.#alive(started).length);
    if (this.#held.size > target) {
      const shard = Math.max(...this.#held.keys());
      const item = items.get(shardKey(shard));
      // Stop writing first, then give the row back: another replica may take it at once.
      this.#held.delete(shard);
      if (item)
        await this.#o.table
          .swap(
            shardKey(shard),
            { ...item, version: this.#lastVersion(shard, item) },
            { owner: "", version: releasedVersion(this.#o.replicaId) },
          )
          .catch(() => false);
      this.#o.log.info({ shard, target }, "shard lease released to rebalance");
    }
    for (let shard = 0; shard < this.#o.shards && this.#held.size < target; shard++) {
      if (this.#held.has(shard)) continue;
      const item = items.get(shardKey(shard));
      if (item !== undefined && item.owner !== "" && item.owner !== me && !this.#expired(item, started)) continue;
      if (!(await this.#acquire(shard, item))) continue;
      acquired.add(shard);
      const previous = lastHolder(item);
      if (previous !== undefined && previous !== me) foreign.add(shard);
    }
    this.#o.onTick?.({ held: this.held(), acquired, foreign });
  }

  /** SIGTERM: stop renewing and give every lease back, so another replica takes over at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#ticking?.catch(() => undefined);
    await this.#serial;
    const items = new Map(this.#items.map((item) => [item.leaseKey, item]));
    const held = [...this.#held];
    this.#held.clear();
    for (const [shard, lease] of held) {
      const item = items.get(shardKey(shard));
      if (item)
        await this.#o.table
          .swap(
            shardKey(shard),
            { owner: this.#o.replicaId, version: lease.version, leaseKey: item.leaseKey },
            { owner: "", version: releasedVersion(this.#o.replicaId) },
          )
          .catch(() => false);
    }
  }

  async #renew(shard: number, item: LeaseItem): Promise<void> {
    const version = randomUUID();
    const lease = this.#held.get(shard)!;
    // The window counts from when this renew was sent: earlier than anyone can read its version.
    const sent = this.#now();
    lease.attempted = { version, sent };
    try {
      const inflight = this.#o.renewWith?.(shard);
      if (await this.#o.table.swap(shardKey(shard), item, { owner: this.#o.replicaId, version, ...(inflight ? { inflight } : {}) })) {
        this.#held.set(shard, { version, validUntil: sent + this.#validity() });
      } else {
        this.#held.delete(shard);
        this.#o.log.warn({ shard }, "shard lease lost (renew refused)");
      }
    } catch (error) {
      // Unknown whether it landed: keep the old window (it runs out); the next read tells.
      this.#o.log.warn({ shard, err: error instanceof Error ? error.message : String(error) }, "shard lease renew failed");
    }
  }

  async #acquire(shard: number, item: LeaseItem | undefined): Promise<boolean> {
    const version = randomUUID();
    const me = this.#o.replicaId;
    const sent = this.#now();
    const took = await (
      item === undefined
        ? this.#o.table.create(shardKey(shard), me, version)
        : this.#o.table.swap(shardKey(shard), item, { owner: me, version })
    ).catch(() => false);
    if (!took) return false;
    this.#held.set(shard, { version, validUntil: sent + this.#validity() });
    this.#o.log.info({ shard, from: item?.owner || undefined }, "shard lease acquired");
    return true;
  }

  #validity(): number {
    // The margin covers a write already on the wire when the window closes.
    return this.#o.leaseDurationMs - Math.min(Math.round(this.#o.leaseDurationMs / 5), 3_000);
  }

  #lastVersion(shard: number, item: LeaseItem): string {
    return this.#held.get(shard)?.version ?? item.version;
  }

  #observe(now: number): void {
    for (const item of this.#items) {
      const seen = this.#observed.get(item.leaseKey);
      if (!seen || seen.owner !== item.owner || seen.version !== item.version)
        this.#observed.set(item.leaseKey, { owner: item.owner, version: item.version, since: now });
    }
  }

  /** Unchanged for a whole lease duration on our clock: its holder stopped renewing. */
  #expired(item: LeaseItem, now: number): boolean {
    const seen = this.#observed.get(item.leaseKey);
    return seen !== undefined && now - seen.since >= this.#o.leaseDurationMs;
  }

  #alive(now: number): string[] {
    const alive = new Set([this.#o.replicaId]);
    for (const item of this.#items) {
      if (item.leaseKey.startsWith("replica#") && !this.#expired(item, now)) alive.add(item.owner);
    }
    return [...alive].sort();
  }
}
