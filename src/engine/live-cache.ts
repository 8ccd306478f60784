import { accountIdFromArn } from "../aws/index.js";
import { jittered } from "../jitter.js";
import type { JsonObject } from "../json.js";
import type { CachedRuleTags } from "../resources/live-snapshot.js";
import { declaredWrite } from "../resources/registry.js";
import type { LatestRevision, WriteCache } from "../resources/kind-writes.js";
import type { PlannedCall } from "../resources/types.js";

export type LiveReaderOptions = {
  accountId?: string | undefined;
  /** Reads in flight at once; each is still paced by the clients' rate limiter. Default 8. */
  readConcurrency?: number | undefined;
  /**
   * How long facts that are too costly to read on every resync are trusted: a rule's tags (one
   * ListTagsForResource per rule) and a family's latest revision (a DescribeTaskDefinition by
   * family). Each entry lives this long ±10 %, so refreshes spread over several resyncs. Our own
   * writes update both at once. 0 reads them every time. Default 1 h.
   */
  refreshMs?: number | undefined;
  now?: (() => number) | undefined;
  random?: (() => number) | undefined;
};

export const DEFAULT_READ_CONCURRENCY = 8;
export const DEFAULT_REFRESH_MS = 3_600_000;
/** Extra tries of a read that stayed throttled through the SDK's retries: pauses of ~1, 2, 4, 8 s. */

export type { CachedRuleTags, LatestRevision };

export type LiveCacheOptions = { accountId: string | undefined; refreshMs: number; now: () => number; random: () => number };

/**
 * What the reader keeps between waves (each kind's read says what it reads again when), and how our own
 * writes keep it true. Owned by one LiveReader.
 */
export class LiveCache implements WriteCache {
  // Each kind's part is typed by the kind (ReadCache): the engine keeps them, it never looks inside.
  /** Revisions by ARN. */
  readonly revisions: WriteCache["revisions"] = new Map();
  /** Each family's latest ACTIVE revision. */
  readonly latest: WriteCache["latest"] = new Map();
  /** Task definition describes in flight by ARN: concurrent waves asking for one revision share one call. */
  readonly describing: WriteCache["describing"] = new Map();
  /** By rule ARN. */
  readonly ruleTags = new Map<string, CachedRuleTags>();
  /** GetSchedule answers by schedule ARN, kept while ListSchedules shows the same LastModificationDate. */
  readonly schedules: WriteCache["schedules"] = new Map();
  accountId: string | undefined;
  readonly #o: LiveCacheOptions;

  constructor(options: LiveCacheOptions) {
    this.#o = options;
    this.accountId = options.accountId;
  }

  /** When an entry read now is read again. */
  expiry(): number {
    return this.#o.now() + jittered(this.#o.refreshMs, 0.1, this.#o.random);
  }

  /** Cached by ARN only (immutable content), never by family: the latest moves. */
  remember(revision: Parameters<WriteCache["remember"]>[0]): void {
    this.revisions.set(revision.arn, revision);
    this.accountId ??= accountIdFromArn(revision.arn);
  }

  /**
   * Keep the caches true after one of our own writes succeeded (as apply returned it): the kind
   * that declares the write says what it makes stale (a registered revision is known without a
   * describe, tag writes update the cached tags).
   */
  recordWrite(call: PlannedCall, output: JsonObject): void {
    declaredWrite(call.operation)?.stale?.written?.(this, call, output);
  }

  /**
   * One of our writes failed or was refused. It may still have landed (its response was lost):
   * what it touched is read afresh before the next plan (a family's latest revision, so it is
   * reused rather than registered a second time; a rule's tags).
   */
  recordFailedWrite(call: PlannedCall): void {
    declaredWrite(call.operation)?.stale?.failed?.(this, call);
  }

  forget(): void {
    this.revisions.clear();
    this.latest.clear();
    this.ruleTags.clear();
  }
}
