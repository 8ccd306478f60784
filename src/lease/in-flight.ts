import { createHash } from "node:crypto";
import type { Logger } from "pino";
import type { InFlightEntry } from "../aws/lease-store.js";
import { familySpecHashes } from "../engine/references.js";
import type { Manifest, ResourceKey } from "../manifests/types.js";
import { pluginFor } from "../resources/registry.js";

/**
 * An entry's keys and hashes stop at this many bytes: every replica scans every row every sixth
 * of a lease duration, and a row this size costs two more read units per scan while it is set.
 */
export const MAX_ENTRY_BYTES = 8_192;

/** What a refused or failed write means, for its log line. */
const UNRECORDED = "a replica taking the shard over judges this deploy by AWS's timestamps (docs/ha.md#deploys-cut-by-a-takeover)";
const UNCLEARED = "the entry stays until a later deploy replaces it; it covers only keys still at its commit and state";

/** What the tracker needs of the lease manager: the row as read at acquire, and a fenced write of it. */
export type InFlightRows = {
  inFlightRead(shard: number): InFlightEntry | undefined;
  markInFlight(shard: number, entry: InFlightEntry | undefined): Promise<boolean>;
};

export type InFlightOptions = {
  rows: InFlightRows;
  replicaId: string;
  shardOf: (key: ResourceKey) => number;
  log: Logger;
};

/** What the row holds as far as this replica knows: an entry it wrote (`mine`) or read when it took the shard, and its keys. */
type Row = { commit: string; mine: boolean; written: Set<ResourceKey> };

/**
 * Keys hashed between two turns of the event loop: 10,000 manifests took 0.6 s to hash on a
 * loaded 2-core machine, too long a stall for the lease loop; in chunks of 100 the longest was 18 ms.
 */
const CHUNK = 100;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The desired state of a key as a deploy sees it: its own spec hash and those of the task
 * definition families it uses (a service is deployed when its family changes). Pure.
 */
export function deployStateHash(
  manifest: Manifest,
  manifests: ReadonlyMap<ResourceKey, Manifest>,
  specHash: (manifest: Manifest) => string,
): string {
  const state = JSON.stringify([specHash(manifest), Object.entries(familySpecHashes(manifest, manifests, specHash)).sort()]);
  return createHash("sha256").update(state).digest("hex").slice(0, 16);
}

/** The entry listing `keys` (by key order) up to MAX_ENTRY_BYTES; `capped` when some did not fit. Pure. */
export function inFlightEntry(commit: string, replica: string, keys: ReadonlyMap<ResourceKey, string>): InFlightEntry {
  const listed: Record<string, string> = {};
  let bytes = 0;
  let capped = false;
  for (const key of [...keys.keys()].sort()) {
    const hash = keys.get(key)!;
    bytes += Buffer.byteLength(key) + hash.length + 6;
    if (bytes > MAX_ENTRY_BYTES) {
      capped = true;
      break;
    }
    listed[key] = hash;
  }
  return { commit, replica, keys: listed, capped };
}

/**
 * The in-flight record of each held shard (docs/ha.md#deploys-cut-by-a-takeover). A deploy is
 * several writes (RegisterTaskDefinition, then an UpdateService per service); a holder killed
 * between them leaves services on the old revision, which its successor, without the holder's
 * memory, would take for a hand change. So before the first write of a commit's deploy in a
 * shard, the holder lists in the shard's lease row the keys that commit changes there, each with
 * its desired state's hash, and removes the entry once each of them was reconciled. A replica
 * taking the shard reads the entry with the lease and counts a listed key as an interrupted
 * deploy while git still wants, at the same commit, the state that was listed.
 */
export class InFlightDeploys {
  readonly #o: InFlightOptions;
  #commit: string | undefined;
  #manifests: ReadonlyMap<ResourceKey, Manifest> = new Map();
  /** The hashes of the last desired state diffed (#diff), to tell what the next one changes. */
  #hashes: Map<ResourceKey, string> | undefined;
  /** The diffs of the desired states set so far, one after the other. */
  #ready: Promise<void> = Promise.resolve();
  readonly #specHashes = new WeakMap<Manifest, string>();
  /** By shard: keys the commit in force changes there that no reconcile of this replica finished yet. */
  readonly #pending = new Map<number, Map<ResourceKey, string>>();
  /** By shard: the entry a predecessor left, as read when this replica took the shard. */
  readonly #adopted = new Map<number, InFlightEntry>();
  readonly #rows = new Map<number, Row>();
  readonly #writing = new Map<number, Promise<void>>();

  constructor(options: InFlightOptions) {
    this.#o = options;
  }

  /** The commit in force (a reconcile that started at it ends it for its key: `done`). */
  get commit(): string | undefined {
    return this.#commit;
  }

  /** A new desired state: what it changes since the previous one is pending in its key's shard (once `ready`). */
  setDesired(commit: string, manifests: ReadonlyMap<ResourceKey, Manifest>): void {
    this.#commit = commit;
    this.#manifests = manifests;
    this.#ready = this.#ready.then(() => this.#diff(manifests));
  }

  /** Settles once the desired states set so far are diffed: a reconcile waits for it (ControllerLeasing.gate). */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** Hash every key in chunks (never one long stall), then mark what changed as pending. */
  async #diff(manifests: ReadonlyMap<ResourceKey, Manifest>): Promise<void> {
    const hashes = new Map<ResourceKey, string>();
    for (const [key, manifest] of manifests) {
      const hash = deployStateHash(manifest, manifests, (m) => this.#specHash(m));
      hashes.set(key, hash);
      if (hashes.size % CHUNK === 0) await nextTurn();
    }
    // Without a previous state (a start) nothing is known to change: no entry, the timestamps decide.
    const previous = this.#hashes ?? hashes;
    this.#hashes = hashes;
    for (const pending of this.#pending.values()) for (const key of pending.keys()) if (!hashes.has(key)) pending.delete(key);
    for (const [key, hash] of hashes) {
      const shard = this.#o.shardOf(key);
      const pending = this.#pending.get(shard) ?? new Map<ResourceKey, string>();
      if (previous.get(key) !== hash || pending.has(key)) pending.set(key, hash);
      if (pending.size > 0) this.#pending.set(shard, pending);
    }
  }

  /** This replica took `shard`: remember the entry its row holds, if any (read by the same scan). */
  acquired(shard: number): void {
    const entry = this.#o.rows.inFlightRead(shard);
    // What this replica diffed while another replica (or nobody) held the shard may have been
    // deployed since, and changed by hand after: pending here only while the predecessor's entry
    // of the commit in force still lists it, never on this replica's own older diff.
    const pending = this.#pending.get(shard);
    for (const key of [...(pending?.keys() ?? [])])
      if (entry === undefined || entry.commit !== this.#commit || entry.keys[key] === undefined) pending?.delete(key);
    if (entry === undefined) return;
    this.#adopted.set(shard, { ...entry, keys: { ...entry.keys } });
    this.#rows.set(shard, { commit: entry.commit, mine: false, written: new Set(Object.keys(entry.keys)) });
    const listed = Object.keys(entry.keys).length;
    this.#o.log.info(
      { shard, commit: entry.commit, by: entry.replica, keys: listed, capped: entry.capped },
      "in-flight deploy found in the lease row",
    );
  }

  /**
   * After each read of the table: an entry in a held shard's row that this replica neither wrote
   * nor adopted is cleared. It is an old holder's write that landed after the read this replica
   * took the shard with (the takeover's conditional write does not see it): nobody finishes it,
   * and a later holder must not take it for a deploy in flight.
   */
  disown(held: ReadonlySet<number>): void {
    for (const shard of held) {
      const entry = this.#o.rows.inFlightRead(shard);
      if (entry === undefined || this.#adopted.has(shard) || this.#rows.has(shard)) continue;
      // A placeholder while the clear is under way: the next read's entry is not cleared twice.
      const clearing: Row = { commit: entry.commit, mine: false, written: new Set() };
      this.#rows.set(shard, clearing);
      void this.#mark(shard, undefined, "stray in-flight entry cleared", UNCLEARED).then(() => {
        if (this.#rows.get(shard) === clearing) this.#rows.delete(shard);
      });
    }
  }

  /**
   * A live difference of `key` at `commit` is the interrupted deploy a predecessor listed: the
   * entry is of this very commit (never an older or newer one), lists the key with the hash of
   * the state git wants now, and no reconcile of this replica finished the key since.
   */
  covers(key: ResourceKey, commit: string): boolean {
    const entry = this.#adopted.get(this.#o.shardOf(key));
    if (entry === undefined || entry.commit !== commit || commit !== this.#commit) return false;
    const listed = entry.keys[key];
    return listed !== undefined && listed === this.#current(key);
  }

  /** The hash of what git wants now for `key` (undefined: it left git). */
  #current(key: ResourceKey): string | undefined {
    const manifest = this.#manifests.get(key);
    return manifest && deployStateHash(manifest, this.#manifests, (m) => this.#specHash(m));
  }

  /** Before writes of `keys`: record the deploy of each shard they belong to, once per commit and shard. */
  async beforeWrites(keys: readonly ResourceKey[]): Promise<void> {
    await this.#ready;
    const commit = this.#commit;
    if (commit === undefined) return;
    const shards = new Set<number>();
    for (const key of keys) {
      const shard = this.#o.shardOf(key);
      if (this.#pending.get(shard)?.has(key) || this.covers(key, commit)) shards.add(shard);
    }
    await Promise.all([...shards].map((shard) => this.#record(shard, commit)));
  }

  /** A reconcile of `key` that started at `commit` ended (applied, in sync, or refused for good). */
  done(key: ResourceKey, commit: string | undefined): void {
    if (commit === undefined || commit !== this.#commit) return;
    const shard = this.#o.shardOf(key);
    this.#pending.get(shard)?.delete(key);
    const adopted = this.#adopted.get(shard);
    if (adopted !== undefined) delete adopted.keys[key];
    void this.#settle(shard);
  }

  /**
   * With a renewal of `shard`: the row's entry less the keys reconciled since it was written, or
   * undefined when none was. A key done early in a long wave thus leaves the row within a renew
   * interval, not at the end of the wave, without a write of its own. An empty list is left to
   * the explicit clear (#settle), which follows the last key's reconcile at once.
   */
  trimmed(shard: number): InFlightEntry | undefined {
    const row = this.#rows.get(shard);
    if (row === undefined || row.commit !== this.#commit) return undefined;
    const listed = this.#listed(shard);
    if (listed.size === 0 || [...row.written].every((key) => listed.has(key))) return undefined;
    const entry = inFlightEntry(row.commit, this.#o.replicaId, listed);
    row.mine = true;
    row.written = new Set(Object.keys(entry.keys));
    return entry;
  }

  /** Keys still listed for `shard`: its own pending deploys and what it took over at this commit. */
  #listed(shard: number): Map<ResourceKey, string> {
    const listed = new Map(this.#pending.get(shard) ?? []);
    const adopted = this.#adopted.get(shard);
    if (adopted !== undefined && adopted.commit === this.#commit)
      for (const [key, hash] of Object.entries(adopted.keys)) if (this.#current(key) === hash) listed.set(key, hash);
    return listed;
  }

  #record(shard: number, commit: string): Promise<void> {
    const row = this.#rows.get(shard);
    if (row?.mine === true && row.commit === commit) return this.#writing.get(shard) ?? Promise.resolve();
    const entry = inFlightEntry(commit, this.#o.replicaId, this.#listed(shard));
    const mine: Row = { commit, mine: true, written: new Set(Object.keys(entry.keys)) };
    this.#rows.set(shard, mine);
    const writing = this.#mark(shard, entry, "in-flight deploy recorded", UNRECORDED).then((ok) => {
      // Not written (the lease lapsed, DynamoDB failed): a successor falls back to the timestamps.
      if (!ok && this.#rows.get(shard) === mine) this.#rows.delete(shard);
    });
    this.#writing.set(shard, writing);
    return writing;
  }

  /** Clear the row once nothing listed there is left to reconcile (or what it lists is of another commit). */
  async #settle(shard: number): Promise<void> {
    const row = this.#rows.get(shard);
    if (row === undefined || this.#listed(shard).size > 0) return;
    await this.#writing.get(shard);
    if (this.#rows.get(shard) !== row || this.#listed(shard).size > 0) return;
    if (await this.#mark(shard, undefined, "in-flight deploy cleared", UNCLEARED)) {
      if (this.#rows.get(shard) === row) this.#rows.delete(shard);
      this.#adopted.delete(shard);
    }
  }

  async #mark(shard: number, entry: InFlightEntry | undefined, message: string, otherwise: string): Promise<boolean> {
    try {
      const ok = await this.#o.rows.markInFlight(shard, entry);
      if (ok)
        this.#o.log.info({ shard, commit: entry?.commit, keys: entry && Object.keys(entry.keys).length, capped: entry?.capped }, message);
      // Refused: the lease lapsed here, or the row moved on (another holder, a renewal not yet seen).
      else this.#o.log.warn({ shard }, `${message}: refused, the shard's row no longer shows this replica's lease; ${otherwise}`);
      return ok;
    } catch (error) {
      const err = error instanceof Error ? error.message : String(error);
      this.#o.log.warn({ shard, err }, `${message}: the lease table write failed; ${otherwise}`);
      return false;
    }
  }

  #specHash(manifest: Manifest): string {
    const hash = this.#specHashes.get(manifest) ?? pluginFor(manifest).specHash(manifest);
    this.#specHashes.set(manifest, hash);
    return hash;
  }
}
