import type { Logger } from "pino";
import type { AlertAction, AlertEvent, AlertResolution } from "../alerts/types.js";
import type { Change } from "../diff/structural.js";
import type { Kind, ResourceKey } from "../manifests/types.js";
import { CoalescingSaver } from "./coalescing-saver.js";
import { actionOf, episodeFields, openedEvent, syncEvent } from "./drift-episode.js";
import type { DriftEpisode, SyncEpisode } from "./drift-episode.js";
import type { EpisodeStore, PersistedHeal, SerializedEpisodes } from "./drift-store.js";
import { parseDate, parseTimeMs } from "../time.js";

export { classifyDifference, driftFingerprint, handMadeRevisions, kindAndName } from "../engine/difference.js";
import { driftFingerprint, kindAndName } from "../engine/difference.js";
export type { DifferenceClass, HandMadeRevision } from "../engine/difference.js";

export type DriftObservation = {
  kind: Kind;
  name: string;
  arn?: string | undefined;
  /** The commit the resource was last applied from. */
  commit: string;
  /** Drift changes after ignore-differences; empty when in sync or pending (git moved). */
  changes: readonly Change[];
  now: Date;
  /** The policy would revert this drift: the alert says `healing`, or `heal-suspended` once the budget is spent. */
  selfHeal?: boolean;
  /** How an episode that ends now ended; inferred when absent (heal recorded → healed, commit moved → git, else manual). */
  resolution?: AlertResolution;
};

export type DriftStatus = { firstSeen: string; fields: Change[]; action: AlertAction; healSuspended: boolean };
export type HealDecision = { allowed: boolean; reason?: string };
export type DriftTrackerOptions = { store?: EpisodeStore; log?: Logger; maxHeals?: number; healWindowMs?: number };

const NO_DRIFT_OPEN = "no drift is open for this resource";

export const FIGHTING_REASON = "someone is fighting the controller";

/**
 * Per resource key, at most one open drift episode and one open sync-failure episode. Each
 * alerts when it opens and when it ends, never while it persists, and not again after a restart
 * (open episodes live in the store). The record is a file, not AWS tags: observe mode must never
 * write to AWS, and tagging a resource would itself change what we diff (and cost API calls).
 */
export class DriftTracker {
  readonly #drift = new Map<ResourceKey, DriftEpisode>();
  /**
   * Seen-live hashes as versions before records.json kept them here: read once, carried into the
   * resource records (record-store.ts openRecords), no longer written.
   */
  readonly #seen = new Map<ResourceKey, string>();
  readonly #sync = new Map<ResourceKey, SyncEpisode>();
  #heals: PersistedHeal[] = [];
  readonly #store: EpisodeStore | undefined;
  readonly #log: Logger | undefined;
  readonly #maxHeals: number;
  readonly #healWindowMs: number;
  readonly #saver: CoalescingSaver | undefined;

  constructor(options: DriftTrackerOptions = {}) {
    this.#store = options.store;
    this.#saver = options.store && new CoalescingSaver(options.store, () => this.#snapshot(), options.log);
    this.#log = options.log;
    this.#maxHeals = options.maxHeals ?? 3;
    this.#healWindowMs = options.healWindowMs ?? 3_600_000;
  }

  /** Load open episodes from the store; call once before the first observe. Never throws. */
  async restore(): Promise<void> {
    let state: SerializedEpisodes | undefined;
    try {
      state = await this.#store?.load();
    } catch (error) {
      this.#log?.warn({ err: error }, "could not load drift episodes, starting empty");
    }
    if (state === undefined) return;
    for (const d of state.drift) this.#drift.set(d.key, { ...d, reportedPaths: new Set(d.reportedPaths), fields: [] });
    for (const s of state.sync) this.#sync.set(s.key, { ...s, error: { code: s.fingerprint, message: "(before restart)" } });
    this.#heals = [...state.heals];
    for (const s of state.seen ?? []) this.#seen.set(s.key, s.hash);
  }

  /** The seen-live hashes an older version left in episodes.json, to migrate into the resource records. */
  legacySeenLive(): ReadonlyMap<ResourceKey, string> {
    return new Map(this.#seen);
  }

  observe(key: ResourceKey, observation: DriftObservation): AlertEvent[] {
    const { now } = observation;
    const open = this.#drift.get(key);
    if (observation.changes.length === 0) return open === undefined ? [] : this.#resolve(key, open, observation);
    const fields = episodeFields(observation.changes);
    const fingerprint = driftFingerprint(key, fields);
    if (open === undefined) {
      const episode: DriftEpisode = {
        key,
        kind: observation.kind,
        name: observation.name,
        commit: observation.commit,
        fingerprint,
        firstSeen: now.toISOString(),
        reportedPaths: new Set(fields.map((f) => f.path)),
        fields,
        healing: false,
        healSuspended: false,
        suspensionReported: false,
      };
      if (observation.arn !== undefined) episode.arn = observation.arn;
      if (observation.selfHeal === true && this.#healsLeft(key, fingerprint, now) === 0) episode.healSuspended = true;
      episode.suspensionReported = episode.healSuspended;
      this.#drift.set(key, episode);
      this.#persist();
      return [openedEvent(episode, now, observation.selfHeal === true)];
    }
    // Same episode, whatever the drift looks like now; the status always shows the latest fields.
    const changed = open.fingerprint !== fingerprint || open.commit !== observation.commit;
    Object.assign(open, { fields, fingerprint, commit: observation.commit, kind: observation.kind, name: observation.name });
    if (observation.arn !== undefined) open.arn = observation.arn;
    const suspendedNow = observation.selfHeal === true && !open.healSuspended && this.#healsLeft(key, fingerprint, now) === 0;
    if (suspendedNow) open.healSuspended = true;
    const newPaths = fields.filter((f) => !open.reportedPaths.has(f.path));
    for (const f of newPaths) open.reportedPaths.add(f.path);
    const events: AlertEvent[] = [];
    if (newPaths.length > 0) {
      events.push({ ...openedEvent(open, now, observation.selfHeal === true), update: "fields" });
      if (open.healSuspended) open.suspensionReported = true;
    } else if (open.healSuspended && !open.suspensionReported) {
      open.suspensionReported = true;
      events.push({ ...openedEvent(open, now, true), update: "heal-suspended" });
    }
    if (changed || suspendedNow || events.length > 0) this.#persist();
    return events;
  }

  /**
   * What recordHeal will answer once `changes` are observed with self-heal on, without spending
   * or recording anything: the policy reads it as plain data.
   */
  healBudget(key: ResourceKey, changes: readonly Change[], now: Date): HealDecision {
    if (changes.length === 0) return { allowed: false, reason: NO_DRIFT_OPEN };
    const fingerprint = driftFingerprint(key, episodeFields(changes));
    if (this.#drift.get(key)?.healSuspended === true || this.#healsLeft(key, fingerprint, now) === 0)
      return { allowed: false, reason: this.#fightingReason() };
    return { allowed: true };
  }

  /** Budget check and bookkeeping for one revert of the open drift on `key`. */
  recordHeal(key: ResourceKey, now: Date): HealDecision {
    const open = this.#drift.get(key);
    if (open === undefined) return { allowed: false, reason: NO_DRIFT_OPEN };
    if (open.healSuspended || this.#healsLeft(key, open.fingerprint, now) === 0) {
      if (!open.healSuspended) {
        open.healSuspended = true;
        this.#persist();
        this.#log?.warn({ key, maxHeals: this.#maxHeals, healWindowMs: this.#healWindowMs }, "self-heal suspended");
      }
      return { allowed: false, reason: this.#fightingReason() };
    }
    this.#heals.push({ key, fingerprint: open.fingerprint, at: now.toISOString() });
    open.healing = true;
    this.#persist();
    return { allowed: true };
  }

  isHealSuspended(key: ResourceKey): boolean {
    return this.#drift.get(key)?.healSuspended === true;
  }

  /** Let the controller revert `key` again (an operator settled the fight). */
  resumeHeal(key: ResourceKey): void {
    const open = this.#drift.get(key);
    if (open !== undefined) Object.assign(open, { healSuspended: false, suspensionReported: false });
    this.#heals = this.#heals.filter((h) => h.key !== key);
    this.#persist();
  }

  syncFailed(
    key: ResourceKey,
    error: { code: string; message: string },
    now: Date,
    context: { arn?: string | undefined; commit?: string | undefined } = {},
  ): AlertEvent[] {
    const drift = this.#drift.get(key);
    const healFailed = drift?.healing === true;
    if (drift !== undefined && healFailed) {
      // A revert that failed changed nothing: it does not count against the heal budget.
      const last = this.#heals.findLastIndex((h) => h.key === key);
      if (last >= 0) this.#heals.splice(last, 1);
      drift.healing = false;
      this.#persist();
    }
    const open = this.#sync.get(key);
    if (open !== undefined) {
      open.error = { ...error };
      open.fingerprint = error.code;
      return [];
    }
    const episode: SyncEpisode = { key, ...kindAndName(key), fingerprint: error.code, firstSeen: now.toISOString(), error: { ...error } };
    if (context.arn !== undefined) episode.arn = context.arn;
    if (context.commit !== undefined) episode.commit = context.commit;
    this.#sync.set(key, episode);
    this.#persist();
    const event = syncEvent("sync.failed", episode, now);
    event.error = { ...error };
    if (healFailed) event.action = "heal-failed";
    return [event];
  }

  syncSucceeded(key: ResourceKey, now: Date): AlertEvent[] {
    const open = this.#sync.get(key);
    if (open === undefined) return [];
    this.#sync.delete(key);
    this.#persist();
    return [syncEvent("sync.recovered", open, now)];
  }

  /** The resource left git: close its episodes (resolution `deleted`) and drop its heal history. */
  forget(key: ResourceKey, now: Date): AlertEvent[] {
    const events: AlertEvent[] = [];
    const drift = this.#drift.get(key);
    if (drift !== undefined)
      events.push(
        ...this.#resolve(key, drift, { kind: drift.kind, name: drift.name, commit: drift.commit, changes: [], now, resolution: "deleted" }),
      );
    const sync = this.#sync.get(key);
    if (sync !== undefined) {
      this.#sync.delete(key);
      events.push({ ...syncEvent("sync.recovered", sync, now), resolution: "deleted" });
    }
    this.#heals = this.#heals.filter((h) => h.key !== key);
    this.#persist();
    return events;
  }

  /** Keys with an open episode: after a restart, forget those no longer in git. */
  openKeys(): ResourceKey[] {
    return [...new Set([...this.#drift.keys(), ...this.#sync.keys()])].sort();
  }

  /** One event per open episode, as it opened, to seed gauges after a restart (MetricsSink.seed). Not for sending. */
  openAlerts(): AlertEvent[] {
    const drift = [...this.#drift.values()].map((e) => openedEvent(e, parseDate(e.firstSeen), false));
    const sync = [...this.#sync.values()].map((e) => ({
      ...syncEvent("sync.failed", e, parseDate(e.firstSeen)),
      error: { ...e.error },
    }));
    return [...drift, ...sync];
  }

  driftStatus(key: ResourceKey): DriftStatus | undefined {
    const open = this.#drift.get(key);
    return open && { firstSeen: open.firstSeen, fields: open.fields, action: actionOf(open, false), healSuspended: open.healSuspended };
  }

  /** Wait for pending writes to the store (shutdown, tests). */
  async flush(): Promise<void> {
    await this.#saver?.flush();
  }

  #resolve(key: ResourceKey, open: DriftEpisode, observation: DriftObservation): AlertEvent[] {
    this.#drift.delete(key);
    this.#persist();
    const resolution = observation.resolution ?? (observation.commit !== open.commit ? "git" : open.healing ? "healed" : "manual");
    const event: AlertEvent = {
      type: "drift.resolved",
      key,
      kind: observation.kind,
      name: observation.name,
      commit: observation.commit,
      firstSeen: open.firstSeen,
      at: observation.now.toISOString(),
      resolution,
    };
    const arn = observation.arn ?? open.arn;
    if (arn !== undefined) event.arn = arn;
    if (open.fields.length > 0) event.fields = open.fields;
    if (resolution === "healed") event.action = "healed";
    return [event];
  }

  #fightingReason(): string {
    return (
      `${FIGHTING_REASON}: the same drift came back after ${this.#maxHeals} ` +
      `reverts within ${Math.round(this.#healWindowMs / 60_000)} min`
    );
  }

  #healsLeft(key: ResourceKey, fingerprint: string, now: Date): number {
    const since = now.getTime() - this.#healWindowMs;
    this.#heals = this.#heals.filter((h) => (parseTimeMs(h.at) ?? Number.NaN) > since);
    return Math.max(0, this.#maxHeals - this.#heals.filter((h) => h.key === key && h.fingerprint === fingerprint).length);
  }

  #snapshot(): SerializedEpisodes {
    return {
      version: 1,
      drift: [...this.#drift.values()].map(({ fields: _fields, reportedPaths, ...rest }) => ({
        ...rest,
        reportedPaths: [...reportedPaths].sort(),
      })),
      sync: [...this.#sync.values()].map(({ error: _error, ...rest }) => rest),
      heals: [...this.#heals],
    };
  }

  #persist(): void {
    this.#saver?.request();
  }
}
