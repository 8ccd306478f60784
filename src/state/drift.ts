import type { Logger } from "pino";
import type { AlertAction, AlertEvent, AlertResolution } from "../alerts/types.js";
import type { Change } from "../diff/structural.js";
import type { Kind, ResourceKey } from "../manifests/types.js";
import { actionOf, episodeFields, openedEvent, syncEvent } from "./drift-episode.js";
import type { DriftEpisode } from "./drift-episode.js";
import { ResourceRecords } from "./records.js";
import { parseTimeMs } from "../time.js";

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
export type DriftTrackerOptions = {
  /** Where the episodes live: each resource's record (records.json); unset, a fresh memory-only one. */
  records?: ResourceRecords;
  log?: Logger;
  maxHeals?: number;
  healWindowMs?: number;
};

const NO_DRIFT_OPEN = "no drift is open for this resource";

export const FIGHTING_REASON = "someone is fighting the controller";

/**
 * Per resource key, at most one open drift episode and one open sync-failure episode. Each
 * alerts when it opens and when it ends, never while it persists, and not again after a restart:
 * the episodes are part of the resource's record, which records.json keeps. A file, not AWS tags:
 * observe mode must never write to AWS, and tagging a resource would itself change what we diff
 * (and cost API calls).
 */
export class DriftTracker {
  readonly #records: ResourceRecords;
  readonly #log: Logger | undefined;
  readonly #maxHeals: number;
  readonly #healWindowMs: number;

  constructor(options: DriftTrackerOptions = {}) {
    this.#records = options.records ?? new ResourceRecords(options.log ? { log: options.log } : {});
    this.#log = options.log;
    this.#maxHeals = options.maxHeals ?? 3;
    this.#healWindowMs = options.healWindowMs ?? 3_600_000;
  }

  /** The records the episodes live in: the reconciler's, so a resource's status sees its episode. */
  get records(): ResourceRecords {
    return this.#records;
  }

  observe(key: ResourceKey, observation: DriftObservation): AlertEvent[] {
    const { now } = observation;
    const open = this.#records.get(key).driftEpisode;
    if (observation.changes.length === 0) return open === undefined ? [] : this.#resolve(key, open, observation);
    const fields = episodeFields(observation.changes);
    const fingerprint = driftFingerprint(key, fields);
    if (open === undefined) {
      const healSuspended = observation.selfHeal === true && this.#healsLeft(key, fingerprint, now) === 0;
      const episode: DriftEpisode = {
        kind: observation.kind,
        name: observation.name,
        ...(observation.arn === undefined ? {} : { arn: observation.arn }),
        commit: observation.commit,
        fingerprint,
        firstSeen: now.toISOString(),
        reportedPaths: [...new Set(fields.map((f) => f.path))].sort(),
        healing: false,
        healSuspended,
        suspensionReported: healSuspended,
      };
      this.#records.update(key, { driftEpisode: episode, driftFields: fields });
      return [openedEvent(key, episode, fields, now, observation.selfHeal === true)];
    }
    // Same episode, whatever the drift looks like now; the status always shows the latest fields.
    const next: DriftEpisode = { ...open, fingerprint, commit: observation.commit, kind: observation.kind, name: observation.name };
    if (observation.arn !== undefined) next.arn = observation.arn;
    if (observation.selfHeal === true && !open.healSuspended && this.#healsLeft(key, fingerprint, now) === 0) next.healSuspended = true;
    const reported = new Set(open.reportedPaths);
    const newPaths = fields.filter((f) => !reported.has(f.path));
    if (newPaths.length > 0) next.reportedPaths = [...new Set([...reported, ...newPaths.map((f) => f.path)])].sort();
    const events: AlertEvent[] = [];
    if (newPaths.length > 0) {
      if (next.healSuspended) next.suspensionReported = true;
      events.push({ ...openedEvent(key, next, fields, now, observation.selfHeal === true), update: "fields" });
    } else if (next.healSuspended && !next.suspensionReported) {
      next.suspensionReported = true;
      events.push({ ...openedEvent(key, next, fields, now, true), update: "heal-suspended" });
    }
    // Saved only when a persisted field changed (records.ts): fields alone stay in memory.
    this.#records.update(key, { driftEpisode: next, driftFields: fields });
    return events;
  }

  /**
   * What recordHeal will answer once `changes` are observed with self-heal on, without spending
   * or recording anything: the policy reads it as plain data.
   */
  healBudget(key: ResourceKey, changes: readonly Change[], now: Date): HealDecision {
    if (changes.length === 0) return { allowed: false, reason: NO_DRIFT_OPEN };
    const fingerprint = driftFingerprint(key, episodeFields(changes));
    if (this.#records.get(key).driftEpisode?.healSuspended === true || this.#healsLeft(key, fingerprint, now) === 0)
      return { allowed: false, reason: this.#fightingReason() };
    return { allowed: true };
  }

  /** Budget check and bookkeeping for one revert of the open drift on `key`. */
  recordHeal(key: ResourceKey, now: Date): HealDecision {
    const open = this.#records.get(key).driftEpisode;
    if (open === undefined) return { allowed: false, reason: NO_DRIFT_OPEN };
    if (open.healSuspended || this.#healsLeft(key, open.fingerprint, now) === 0) {
      if (!open.healSuspended) {
        this.#records.update(key, { driftEpisode: { ...open, healSuspended: true } });
        this.#log?.warn({ key, maxHeals: this.#maxHeals, healWindowMs: this.#healWindowMs }, "self-heal suspended");
      }
      return { allowed: false, reason: this.#fightingReason() };
    }
    const heals = [...this.#healsWithin(key, now), { fingerprint: open.fingerprint, at: now.toISOString() }];
    this.#records.update(key, { heals, driftEpisode: { ...open, healing: true } });
    return { allowed: true };
  }

  isHealSuspended(key: ResourceKey): boolean {
    return this.#records.get(key).driftEpisode?.healSuspended === true;
  }

  /** Let the controller revert `key` again (an operator settled the fight). */
  resumeHeal(key: ResourceKey): void {
    const open = this.#records.get(key).driftEpisode;
    const episode = open && { driftEpisode: { ...open, healSuspended: false, suspensionReported: false } };
    this.#records.update(key, { heals: undefined, ...episode });
  }

  syncFailed(
    key: ResourceKey,
    error: { code: string; message: string },
    now: Date,
    context: { arn?: string | undefined; commit?: string | undefined } = {},
  ): AlertEvent[] {
    const record = this.#records.get(key);
    const healFailed = record.driftEpisode?.healing === true;
    if (record.driftEpisode !== undefined && healFailed) {
      // A revert that failed changed nothing: it does not count against the heal budget.
      const heals = [...(record.heals ?? [])];
      heals.pop();
      this.#records.update(key, { heals: heals.length > 0 ? heals : undefined, driftEpisode: { ...record.driftEpisode, healing: false } });
    }
    const open = record.syncEpisode;
    if (open !== undefined) {
      this.#records.update(key, { syncEpisode: { ...open, fingerprint: error.code } });
      return [];
    }
    const episode = {
      ...kindAndName(key),
      ...(context.arn === undefined ? {} : { arn: context.arn }),
      ...(context.commit === undefined ? {} : { commit: context.commit }),
      fingerprint: error.code,
      firstSeen: now.toISOString(),
    };
    this.#records.update(key, { syncEpisode: episode });
    const event = syncEvent("sync.failed", key, episode, now);
    event.error = { ...error };
    if (healFailed) event.action = "heal-failed";
    return [event];
  }

  syncSucceeded(key: ResourceKey, now: Date): AlertEvent[] {
    const open = this.#records.get(key).syncEpisode;
    if (open === undefined) return [];
    this.#records.update(key, { syncEpisode: undefined });
    return [syncEvent("sync.recovered", key, open, now)];
  }

  /** The resource left git: close its episodes (resolution `deleted`) and drop its heal history. */
  forget(key: ResourceKey, now: Date): AlertEvent[] {
    const events: AlertEvent[] = [];
    const { driftEpisode: drift, syncEpisode: sync } = this.#records.get(key);
    if (drift !== undefined)
      events.push(
        ...this.#resolve(key, drift, { kind: drift.kind, name: drift.name, commit: drift.commit, changes: [], now, resolution: "deleted" }),
      );
    if (sync !== undefined) events.push({ ...syncEvent("sync.recovered", key, sync, now), resolution: "deleted" });
    this.#records.update(key, { syncEpisode: undefined, heals: undefined });
    return events;
  }

  /** Keys with an open episode. */
  openKeys(): ResourceKey[] {
    return this.#records
      .keys()
      .filter((key) => this.#records.get(key).driftEpisode !== undefined || this.#records.get(key).syncEpisode !== undefined)
      .sort();
  }

  driftStatus(key: ResourceKey): DriftStatus | undefined {
    const { driftEpisode: open, driftFields } = this.#records.get(key);
    return (
      open && {
        firstSeen: open.firstSeen,
        fields: [...(driftFields ?? [])],
        action: actionOf(open, false),
        healSuspended: open.healSuspended,
      }
    );
  }

  /** Wait for pending writes of the records (shutdown, tests). */
  async flush(): Promise<void> {
    await this.#records.flush();
  }

  #resolve(key: ResourceKey, open: DriftEpisode, observation: DriftObservation): AlertEvent[] {
    const fields = this.#records.get(key).driftFields ?? [];
    this.#records.update(key, { driftEpisode: undefined, driftFields: undefined });
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
    if (fields.length > 0) event.fields = [...fields];
    if (resolution === "healed") event.action = "healed";
    return [event];
  }

  #fightingReason(): string {
    return (
      `${FIGHTING_REASON}: the same drift came back after ${this.#maxHeals} ` +
      `reverts within ${Math.round(this.#healWindowMs / 60_000)} min`
    );
  }

  /** The resource's heals still inside the window. */
  #healsWithin(key: ResourceKey, now: Date): { fingerprint: string; at: string }[] {
    const since = now.getTime() - this.#healWindowMs;
    return (this.#records.get(key).heals ?? []).filter((h) => (parseTimeMs(h.at) ?? Number.NaN) > since);
  }

  #healsLeft(key: ResourceKey, fingerprint: string, now: Date): number {
    return Math.max(0, this.#maxHeals - this.#healsWithin(key, now).filter((h) => h.fingerprint === fingerprint).length);
  }
}
