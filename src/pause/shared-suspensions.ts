import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { SUSPEND_RECORD_KEY } from "../aws/suspend-record.js";
import type { StoredRecord } from "../aws/suspend-record.js";
import { EcsGitopsError } from "../errors.js";
import type { ResourceKey } from "../manifests/types.js";
import { EMPTY, parseSuspendState, resumed, suspended } from "./suspensions.js";
import type { SuspendState, SuspendTarget } from "./suspensions.js";

/** What the store needs of the lease table's suspensions row (src/aws/suspend-record.ts). */
export type SuspendRecord = {
  read(): Promise<StoredRecord | undefined>;
  write(body: string, version: string, expected: string | undefined): Promise<boolean>;
};

const EVERYTHING: SuspendState = { all: true, keys: [], except: [] };
/** Conflicting writers retry this often before the API answers 503; each retry is one read and one write. */
const MAX_ATTEMPTS = 8;

/**
 * Suspensions with several replicas: kept in the lease table, which every replica reads, instead
 * of one replica's workdir. A suspend sent to any replica is in the table before it is
 * acknowledged; the replica holding the resource's shard reads it at its next poll, and a replica
 * taking a shard over reads the same row, so a suspension survives the death of its holder.
 *
 * Until the first read succeeds every resource counts as suspended, and an unreadable row
 * suspends everything, as an unreadable `suspended.json` does: a pause that silently lapsed would
 * write exactly when someone asked it not to. A failed poll keeps the last state read.
 */
export class SharedSuspendStore {
  readonly #record: SuspendRecord;
  readonly #log: Logger;
  readonly #onChange: (target: SuspendTarget) => void;
  #state: SuspendState = EVERYTHING;
  #version: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** False until a read succeeded: the first read is the starting state, not another replica's change. */
  #known = false;
  /** Counts this replica's own changes, so a read that crossed one is not adopted. */
  #changes = 0;

  /** `onChange`: what another replica's suspend or resume changed, to reconcile again here. */
  constructor(record: SuspendRecord, log: Logger, onChange: (target: SuspendTarget) => void) {
    this.#record = record;
    this.#log = log;
    this.#onChange = onChange;
  }

  /** Read the row now, then every `intervalMs` until stop(). */
  async start(intervalMs: number): Promise<void> {
    const poll = async () => {
      await this.refresh();
      // Unref: the HTTP server and the queue keep the process alive, a poll alone must not.
      if (!this.#stopped) this.#timer = setTimeout(() => void poll(), intervalMs).unref();
    };
    await poll();
    const s = this.#state;
    if (s.all || s.keys.length > 0)
      this.#log.warn({ all: s.all, keys: s.keys, except: s.except }, "suspended resources (shared by every replica)");
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  get state(): SuspendState {
    return structuredClone(this.#state);
  }

  isSuspended(key: ResourceKey): boolean {
    const s = this.#state;
    return s.all ? !s.except.includes(key) : s.keys.includes(key);
  }

  /** One read of the row; a change made elsewhere is adopted and reported to `onChange`. */
  async refresh(): Promise<void> {
    let row: StoredRecord | undefined;
    const changes = this.#changes;
    try {
      row = await this.#record.read();
    } catch (error) {
      this.#log.warn(
        { err: error instanceof Error ? error.message : String(error) },
        "suspensions not refreshed; keeping the last ones read",
      );
      return;
    }
    // A read sent before our own change landed would undo it here until the next poll.
    if (changes !== this.#changes || (row !== undefined && row.version === this.#version)) return;
    const before = this.#state;
    const known = this.#known;
    this.#adopt(row);
    this.#known = true;
    const changed = difference(before, this.#state);
    if (changed === undefined) return;
    if (known) this.#log.info({ keys: changed === "all" ? "all" : changed, state: this.#state }, "suspensions changed on another replica");
    // Also after a failed first read: what counted as suspended until now may be written again.
    this.#onChange(changed);
  }

  suspend(target: SuspendTarget): Promise<SuspendState> {
    return this.#change((state) => suspended(state, target));
  }

  resume(target: SuspendTarget): Promise<SuspendState> {
    return this.#change((state) => resumed(state, target));
  }

  /** Read, change, write on the version read; another replica's write in between makes us read again. */
  async #change(apply: (state: SuspendState) => SuspendState): Promise<SuspendState> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const row = await this.#record.read();
      const current = row === undefined ? EMPTY : (parseSuspendState(row.body) ?? EVERYTHING);
      const next = apply(current);
      const version = randomUUID();
      if (await this.#record.write(JSON.stringify(next), version, row?.version)) {
        this.#state = next;
        this.#version = version;
        this.#changes++;
        this.#known = true;
        return this.state;
      }
    }
    throw new EcsGitopsError(
      "AwsUnavailable",
      `the suspensions row changed ${MAX_ATTEMPTS} times while this replica ` +
        `tried to change it (other replicas are changing it too): send the request ` +
        `again`,
      { where: SUSPEND_RECORD_KEY },
    );
  }

  #adopt(row: StoredRecord | undefined): void {
    if (row === undefined) {
      this.#state = EMPTY;
      this.#version = undefined;
      return;
    }
    const state = parseSuspendState(row.body);
    if (state === undefined)
      this.#log.error(
        { row: SUSPEND_RECORD_KEY },
        "suspensions row of the lease table unreadable: suspending every resource until `ecs-gitops resume` rewrites it",
      );
    this.#state = state ?? EVERYTHING;
    this.#version = row.version;
  }
}

/** What differs between two suspend states: "all" when the blanket changed, else the keys that moved, or undefined. */
function difference(a: SuspendState, b: SuspendState): SuspendTarget | undefined {
  if (a.all !== b.all) return "all";
  const [left, right] = a.all ? [a.except, b.except] : [a.keys, b.keys];
  const moved = [...left.filter((k) => !right.includes(k)), ...right.filter((k) => !left.includes(k))];
  return moved.length === 0 ? undefined : moved.sort();
}
