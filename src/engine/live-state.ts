import PQueue from "p-queue";
import { accountIdFromArn, describeClusters } from "../aws/index.js";
import type { AwsClients } from "../aws/index.js";
import { isEcsGitopsError } from "../errors.js";
import type { JsonObject } from "../json.js";
import type { Manifest, ResourceKey } from "../manifests/types.js";
import type { PlannedCall } from "../resources/types.js";
import type { AppliedWrite } from "./applier.js";
import { allPlugins, pluginFor } from "../resources/registry.js";
import type { KindReadIo, OthersRun } from "../resources/kind-plugin.js";
import type { LiveReads } from "../resources/live-snapshot.js";
import { jittered } from "../jitter.js";
import { DEFAULT_READ_CONCURRENCY, DEFAULT_REFRESH_MS, LiveCache } from "./live-cache.js";
import type { LiveReaderOptions } from "./live-cache.js";
import { mergeReads, withReads } from "./merge-reads.js";
import { readKinds } from "./read-kinds.js";
import { latestActiveFamilies } from "./references.js";
import type { LiveSnapshot } from "../resources/live-snapshot.js";

export { DEFAULT_READ_CONCURRENCY, DEFAULT_REFRESH_MS, mergeReads };
export type { LiveReaderOptions };

const THROTTLED_READ_RETRIES = 4;
const THROTTLED_READ_PAUSE_MS = 1_000;

/**
 * Reads what AWS has for a set of manifests in as few calls as the APIs allow (the budget of
 * docs/scale.md): each kind's batched read (`readLive` of its plug-in), side by side and bounded
 * by one queue. A read that needs what the other kinds run (task definitions: the revisions the
 * services and rule targets use) waits on `io.othersRun()`, which the reader answers once every
 * other read is in and the account id is learned. What each kind keeps between waves is in its
 * part of the cache (live-cache.ts; when each is read again: its read's own comment).
 *
 * The account id: from any ARN read or written; DescribeClusters at most once per process.
 */
export class LiveReader {
  readonly #aws: AwsClients;
  readonly #reads: PQueue;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #cache: LiveCache;
  #clustersDescribed = false;

  constructor(aws: AwsClients, options: LiveReaderOptions = {}) {
    this.#aws = aws;
    this.#reads = new PQueue({ concurrency: options.readConcurrency ?? DEFAULT_READ_CONCURRENCY });
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#cache = new LiveCache({
      accountId: options.accountId,
      refreshMs: options.refreshMs ?? DEFAULT_REFRESH_MS,
      now: this.#now,
      random: this.#random,
    });
  }

  get accountId(): string | undefined {
    return this.#cache.accountId;
  }

  async snapshot(manifests: readonly Manifest[], settings: { defaultCluster: string | undefined }): Promise<LiveSnapshot> {
    const read = await readKinds(
      allPlugins(),
      manifests,
      (plugin, own, waits) => plugin.readLive(own, this.#io(settings.defaultCluster, waits.readsOf, waits.othersRun)),
      async (others) => {
        await this.#learnAccountId(manifests, settings.defaultCluster, others);
        return runsOf(manifests, others);
      },
    );
    const {
      services = new Map(),
      rules = new Map(),
      resources = new Map(),
      revisions = new Map(),
      latestKnown = new Set(),
      ...kinds
    } = read;
    return { accountId: this.#cache.accountId, revisions, latestKnown, services, rules, resources, ...kinds };
  }

  /**
   * The snapshot with more read for the resources whose plan asked it (`KindPlan.readAgain`): each
   * kind's `readLive` again, with `io.again`, for its asked resources only; what it answers is
   * merged into the snapshot.
   */
  async readAgain(
    manifests: readonly Manifest[],
    snapshot: LiveSnapshot,
    keys: readonly ResourceKey[],
    settings: { defaultCluster: string | undefined },
  ): Promise<LiveSnapshot> {
    const asked = new Set(keys);
    const run = runsOf(manifests, snapshot);
    const reads = await Promise.all(
      allPlugins().flatMap((plugin) => {
        const again = manifests.filter((m) => m.kind === plugin.kind && asked.has(m.key));
        if (again.length === 0) return [];
        return [
          plugin.readLive(
            again,
            this.#io(
              settings.defaultCluster,
              () => Promise.resolve(snapshot),
              () => Promise.resolve(run),
              snapshot,
            ),
          ),
        ];
      }),
    );
    return withReads(snapshot, mergeReads(reads));
  }

  /** Our own writes, as apply made them: the caches follow them, so the next resync reads nothing extra. */
  recordWrites(writes: readonly AppliedWrite[]): void {
    for (const write of writes) {
      if ("output" in write) this.#cache.recordWrite(write.call, write.output);
      else this.#cache.recordFailedWrite(write.call);
    }
  }

  /** One of our own writes succeeded: a registered revision is known without a describe, tag writes update the cached tags. */
  recordWrite(call: PlannedCall, output: JsonObject): void {
    this.#cache.recordWrite(call, output);
  }

  /** One of our writes failed or was refused: what it may have changed is read again. */
  recordFailedWrite(call: PlannedCall): void {
    this.#cache.recordFailedWrite(call);
  }

  /**
   * AWS did not answer: writes in flight may have landed or not, and the endpoint may come back
   * without what was cached (a failover, a restarted emulator). Everything is read afresh once,
   * rather than trusted until `refreshMs` (a stale latest revision would be reused by a plan).
   */
  forgetCached(): void {
    this.#cache.forget();
  }

  /** What a kind's batched read may use. */
  #io(
    defaultCluster: string | undefined,
    readsOf: (kind: string) => Promise<LiveReads>,
    othersRun: () => Promise<OthersRun>,
    again?: LiveSnapshot,
  ): KindReadIo {
    return {
      aws: this.#aws,
      read: (call) => this.#read(call),
      cache: this.#cache,
      now: this.#now,
      defaultCluster,
      readsOf,
      othersRun,
      again,
    };
  }

  /** Rule targets and `family:rev` pins need ARNs; any live ARN, or the clusters, tell the account. */
  async #learnAccountId(
    manifests: readonly Manifest[],
    defaultCluster: string | undefined,
    { services = new Map(), rules = new Map(), resources = new Map() }: LiveReads,
  ): Promise<void> {
    if (this.#cache.accountId) return;
    // Revisions are read after this: only what the batched reads brought back so far counts.
    const read: LiveSnapshot = { accountId: undefined, revisions: new Map(), latestKnown: new Set(), services, rules, resources };
    for (const m of manifests) {
      const arn = pluginFor(m).arn(m, read);
      if (arn !== undefined) this.#cache.accountId ??= accountIdFromArn(arn);
    }
    // Asked once per process: an account whose clusters do not exist yet learns its id from the
    // first ARN it reads or writes instead.
    if (this.#cache.accountId || this.#clustersDescribed) return;
    const clusters = new Set(manifests.flatMap((m) => pluginFor(m).clusters(m, defaultCluster)));
    if (clusters.size === 0) return;
    const found = await this.#read(() => describeClusters(this.#aws, [...clusters]));
    this.#clustersDescribed = true;
    for (const cluster of found) {
      const arn = cluster["clusterArn"];
      if (typeof arn === "string") this.#cache.accountId ??= accountIdFromArn(arn);
    }
  }

  /**
   * One read through the bounded queue. A read the SDK's own retries could not get past
   * throttling is tried again after a pause (the queue slot is released meanwhile): one throttled
   * batch must not fail a whole wave of thousands of keys. Persistent throttling still fails it
   * after `THROTTLED_READ_RETRIES`, and the keys back off in the work queue with status Throttled.
   */
  async #read<T>(read: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.#reads.add(read);
      } catch (error) {
        if (!isEcsGitopsError(error) || error.code !== "Throttled" || attempt >= THROTTLED_READ_RETRIES) throw error;
        await sleep(jittered(THROTTLED_READ_PAUSE_MS * 2 ** attempt, 0.5, this.#random));
      }
    }
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What the first reads brought back, as a snapshot: no revision read yet. */
function soFar(live: LiveReads): LiveSnapshot {
  const { services = new Map(), rules = new Map(), resources = new Map(), ...kinds } = live;
  return { accountId: undefined, ...kinds, revisions: new Map(), latestKnown: new Set(), services, rules, resources };
}

/** What the resources run, as read (each plug-in's `revisionsInUse` and the references that follow the latest ACTIVE revision). */
function runsOf(manifests: readonly Manifest[], live: LiveReads): OthersRun {
  const read = soFar(live);
  return {
    revisions: [...new Set(manifests.flatMap((m) => pluginFor(m).revisionsInUse(m, read)))],
    latestActive: [...new Set(manifests.flatMap(latestActiveFamilies))],
  };
}
