import PQueue from "p-queue";
import { accountIdFromArn, describeClusters, listTaskDefinitionArns } from "../aws/index.js";
import { revisionOfRef } from "../aws/arn.js";
import type { AwsClients } from "../aws/index.js";
import { isEcsGitopsError } from "../errors.js";
import type { JsonObject } from "../json.js";
import type { Manifest, ResourceKey } from "../manifests/types.js";
import { describeRevision } from "../resources/task-definition/read.js";
import type { LiveTaskDefinition } from "../resources/task-definition/plan.js";
import { SPEC_HASH_TAG } from "../resources/types.js";
import type { PlannedCall } from "../resources/types.js";
import type { AppliedWrite } from "./applier.js";
import { allPlugins, pluginFor } from "../resources/registry.js";
import type { KindReadIo } from "../resources/kind-plugin.js";
import type { LiveReads } from "../resources/live-snapshot.js";
import { jittered } from "../jitter.js";
import { DEFAULT_READ_CONCURRENCY, DEFAULT_REFRESH_MS, familyOfArn, LiveCache } from "./live-cache.js";
import type { LatestRevision, LiveReaderOptions } from "./live-cache.js";
import { latestActiveFamilies } from "./references.js";
import type { LiveSnapshot } from "../resources/live-snapshot.js";

export { DEFAULT_READ_CONCURRENCY, DEFAULT_REFRESH_MS };
export type { LiveReaderOptions };

const THROTTLED_READ_RETRIES = 4;
const THROTTLED_READ_PAUSE_MS = 1_000;

/**
 * Reads what AWS has for a set of manifests in as few calls as the APIs allow (the budget of
 * docs/scale.md): services 10 per DescribeServices (tags included), rules by listing each bus
 * once plus ListTargetsByRule per managed rule, task definitions by the ARN a service or rule
 * target uses. Independent reads run in parallel (bounded).
 *
 * What a no-op resync does not re-read, and when it is read again:
 * - a revision, by ARN: its content never changes; its tags change only through our own writes
 *   (`recordWrite`) or by hand (seen after a restart). A hand-registered revision is seen as soon
 *   as a service or rule target uses it (a new ARN).
 * - a family's latest revision: learned at cold start, from our own registrations, or from a
 *   newer ARN in use; re-read after `refreshMs`. Only a plan that would register uses it (to
 *   reuse an identical revision), so a stale answer costs at most one redundant revision.
 * - a rule's tags (ownership and spec-hash): filled on cold start, kept by our own writes,
 *   re-read after `refreshMs`. A tag removed or edited by hand is therefore seen within
 *   `refreshMs` (or at restart), not at the next resync.
 * - the account id: from any ARN read or written; DescribeClusters at most once per process.
 */
export { familyOfArn };

/** How many earlier revisions a plan that would register looks through for an identical one. */
const EARLIER_REVISIONS = 5;

export class LiveReader {
  readonly #aws: AwsClients;
  readonly #reads: PQueue;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #cache: LiveCache;
  readonly #describing = new Map<string, Promise<LiveTaskDefinition | undefined>>();
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
    const reading = new Map<string, Promise<LiveReads>>();
    const io = this.#io(settings.defaultCluster, (kind) => reading.get(kind) ?? Promise.resolve({}));
    for (const plugin of allPlugins())
      reading.set(
        plugin.kind,
        plugin.readLive(
          manifests.filter((m) => m.kind === plugin.kind),
          io,
        ),
      );
    const { services = new Map(), rules = new Map(), resources = new Map(), ...kinds } = mergeReads(await Promise.all(reading.values()));
    await this.#learnAccountId(manifests, settings.defaultCluster, { services, rules, resources });
    const families = [...new Set(manifests.flatMap((m) => pluginFor(m).definesFamily(m) ?? []))];
    const wanted = new Set(families);
    const inUse = new Map<string, Set<string>>();
    const readSoFar: LiveSnapshot = {
      accountId: undefined,
      revisions: new Map(),
      latestKnown: new Set(),
      services,
      rules,
      resources,
      ...kinds,
    };
    for (const manifest of manifests)
      for (const arn of pluginFor(manifest).revisionsInUse(manifest, readSoFar)) {
        const family = familyOfArn(arn);
        if (family && wanted.has(family)) inUse.set(family, (inUse.get(family) ?? new Set()).add(arn));
      }
    const latestKnown = new Set<string>();
    const read = await Promise.all(
      families.map(async (family) => {
        const arns = [...(inUse.get(family) ?? [])];
        // Cold (a start, or a one-shot command): the revision in use is nearly always the latest, so
        // one describe by family answers both "what runs" and "what would a registration follow",
        // and a deploy needs no second DescribeTaskDefinition. Warm, nothing is read here.
        if (this.#knownLatest(family) === undefined && arns.some((arn) => !this.#cache.revisions.has(arn))) await this.#readLatest(family);
        const found = await Promise.all(arns.map((arn) => this.#revision(arn)));
        const candidates = found.filter((r): r is LiveTaskDefinition => r !== undefined);
        for (const revision of candidates) this.#noteRevisionSeen(family, revision);
        // Nothing in use: the latest revision is the only thing to compare with.
        const latest = this.#knownLatest(family) ?? (candidates.length === 0 ? await this.#readLatest(family) : undefined);
        if (latest !== undefined) {
          latestKnown.add(family);
          const revision = latest.arn === undefined ? undefined : await this.#revision(latest.arn);
          if (revision && !candidates.some((c) => c.arn === revision.arn)) candidates.push(revision);
        }
        // Nothing in use (or latest) was registered by ecs-gitops: someone pointed the service at a
        // hand-made revision. Offer the managed revisions already read, so the plan settles on ours
        // and the service shows its drift, instead of the family looking foreign. Cache only: no call.
        if (!candidates.some((c) => c.tags[SPEC_HASH_TAG] !== undefined)) {
          for (const known of this.#cache.revisions.values())
            if (familyOfArn(known.arn) === family && known.tags[SPEC_HASH_TAG] !== undefined) candidates.push(known);
        }
        return [family, candidates] as const;
      }),
    );
    // Never cached: ECS would deploy whatever is latest now, and a service must follow it.
    const latestActive = new Map(
      await Promise.all(
        [...new Set(manifests.flatMap(latestActiveFamilies))]
          .filter((f) => !wanted.has(f))
          .map(async (family) => [family, (await this.#readLatest(family)).arn] as const),
      ),
    );
    return { accountId: this.#cache.accountId, revisions: new Map(read), latestKnown, latestActive, services, rules, resources, ...kinds };
  }

  /** The snapshot with each family's latest revision read afresh and added to its candidates. */
  async withLatest(snapshot: LiveSnapshot, families: readonly string[]): Promise<LiveSnapshot> {
    const revisions = new Map(snapshot.revisions);
    const latestKnown = new Set(snapshot.latestKnown);
    await Promise.all(
      families.map(async (family) => {
        const latest = await this.#readLatest(family);
        latestKnown.add(family);
        const revision = latest.arn === undefined ? undefined : await this.#revision(latest.arn);
        const existing = revisions.get(family) ?? [];
        if (revision && !existing.some((r) => r.arn === revision.arn)) revisions.set(family, [...existing, revision]);
      }),
    );
    return { ...snapshot, revisions, latestKnown };
  }

  /**
   * The snapshot with up to `depth` more ACTIVE revisions of each family (newest first) among its
   * candidates: a `git revert` then finds the identical revision it deployed before (docs/deploys.md#git-revert).
   */
  async withEarlier(snapshot: LiveSnapshot, families: readonly string[], depth = EARLIER_REVISIONS): Promise<LiveSnapshot> {
    const revisions = new Map(snapshot.revisions);
    await Promise.all(
      families.map(async (family) => {
        const existing = revisions.get(family) ?? [];
        const arns = (await this.#read(() => listTaskDefinitionArns(this.#aws, family, "ACTIVE"))).filter(
          (a) => !existing.some((r) => r.arn === a),
        );
        const newest = arns.sort((a, b) => (revisionOfRef(b) ?? 0) - (revisionOfRef(a) ?? 0)).slice(0, depth);
        const found = (await Promise.all(newest.map((arn) => this.#revision(arn)))).filter((r): r is LiveTaskDefinition => r !== undefined);
        revisions.set(family, [...existing, ...found]);
      }),
    );
    return { ...snapshot, revisions };
  }

  /**
   * The snapshot with the given earlier revisions of each family (by ARN) among its candidates:
   * those whose recorded hash is git's (a `git revert`). One that is no longer ACTIVE is left out.
   */
  async withRevisions(snapshot: LiveSnapshot, arnsByFamily: ReadonlyMap<string, readonly string[]>): Promise<LiveSnapshot> {
    const revisions = new Map(snapshot.revisions);
    await Promise.all(
      [...arnsByFamily].map(async ([family, arns]) => {
        const found = await Promise.all(arns.map((arn) => this.#cache.revisions.get(arn) ?? this.#describe(arn, { activeOnly: true })));
        revisions.set(family, [...(revisions.get(family) ?? []), ...found.filter((r): r is LiveTaskDefinition => r !== undefined)]);
      }),
    );
    return { ...snapshot, revisions };
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
  #io(defaultCluster: string | undefined, readsOf: (kind: string) => Promise<LiveReads>): KindReadIo {
    return {
      aws: this.#aws,
      read: (call) => this.#read(call),
      cache: this.#cache,
      now: this.#now,
      defaultCluster,
      readsOf,
    };
  }

  /** A revision by ARN: cached, or described once even when several waves ask at the same time. */
  async #revision(arn: string): Promise<LiveTaskDefinition | undefined> {
    const cached = this.#cache.revisions.get(arn);
    if (cached) return cached;
    let pending = this.#describing.get(arn);
    if (pending === undefined) {
      pending = this.#describe(arn).finally(() => this.#describing.delete(arn));
      this.#describing.set(arn, pending);
    }
    return pending;
  }

  /** The latest ACTIVE revision of a family, asked of AWS now. */
  async #readLatest(family: string): Promise<LatestRevision> {
    const revision = await this.#describe(family);
    const latest: LatestRevision = { arn: revision?.arn, expiresAt: this.#cache.expiry() };
    this.#cache.latest.set(family, latest);
    return latest;
  }

  /** What this process knows of a family's latest revision, while it is fresh. */
  #knownLatest(family: string): LatestRevision | undefined {
    const latest = this.#cache.latest.get(family);
    return latest !== undefined && latest.expiresAt > this.#now() ? latest : undefined;
  }

  /** A revision newer than the latest we knew is in use: someone registered it; it is the latest now. */
  #noteRevisionSeen(family: string, revision: LiveTaskDefinition): void {
    const latest = this.#knownLatest(family);
    if (latest === undefined) return;
    const known = latest.arn === undefined ? undefined : this.#cache.revisions.get(latest.arn);
    if (known === undefined || revision.revision > known.revision)
      this.#cache.latest.set(family, { arn: revision.arn, expiresAt: latest.expiresAt });
  }

  async #describe(familyOrArn: string, options: { activeOnly?: boolean } = {}): Promise<LiveTaskDefinition | undefined> {
    const revision = await describeRevision(this.#aws, familyOrArn, (call) => this.#read(call), options);
    if (revision) this.#cache.remember(revision);
    return revision;
  }

  /** Rule targets and `family:rev` pins need ARNs; any live ARN, or the clusters, tell the account. */
  async #learnAccountId(
    manifests: readonly Manifest[],
    defaultCluster: string | undefined,
    live: Pick<LiveSnapshot, "services" | "rules" | "resources">,
  ): Promise<void> {
    if (this.#cache.accountId) return;
    // Revisions are read after this: only what the batched reads brought back so far counts.
    const read: LiveSnapshot = { accountId: undefined, revisions: new Map(), latestKnown: new Set(), ...live };
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

/**
 * Every kind's batched read in one: each field merged over the plug-ins that filled it (a kind
 * reads the field of its own kind, or adds to a shared one), present only when some plug-in read
 * it. No field is named here: a new kind's field needs no change in the engine.
 */
export function mergeReads(reads: readonly LiveReads[]): LiveReads {
  const merged = new Map<string, Map<ResourceKey, unknown>>();
  for (const read of reads)
    for (const [field, values] of Object.entries(read) as [string, ReadonlyMap<ResourceKey, unknown> | undefined][]) {
      if (values === undefined) continue;
      const into = merged.get(field) ?? new Map<ResourceKey, unknown>();
      for (const [key, value] of values) into.set(key, value);
      merged.set(field, into);
    }
  return Object.fromEntries(merged) as LiveReads;
}
