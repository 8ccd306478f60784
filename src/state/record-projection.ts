import type { HealthVerdict } from "../resources/types.js";
import type { DriftStatus } from "./drift.js";
import type { ResourceRecord } from "./records.js";
import type { ResourcePatch, SyncStatus } from "./status.js";

/**
 * The part of a resource's status its record decides: what was last applied, and when. /status
 * shows the record's values (persisted, so also after a restart), never a second copy kept apart.
 */
export function appliedStatus(record: Readonly<ResourceRecord>): Pick<ResourcePatch, "lastAppliedRevision" | "lastAppliedAt"> {
  return { lastAppliedRevision: record.lastAppliedCommit, lastAppliedAt: record.lastAppliedAt };
}

/** What one reconcile that did not fail or block found: our write (if one landed), the policy's verdict, health, open drift. */
export type Reconciled = {
  record: Readonly<ResourceRecord>;
  applied: boolean;
  verdict: { sync: SyncStatus; message?: string | undefined };
  health: HealthVerdict;
  drift: DriftStatus | undefined;
};

/**
 * A resource's status after a reconcile, computed from its record and what this look found. A
 * write of ours is Synced with the write's health and ends any drift on show; otherwise the
 * verdict says the sync and the open episode (if any) the drift. Fields in the order /status has
 * always listed them.
 */
export function reconciledStatus(r: Reconciled): ResourcePatch {
  if (r.applied)
    return {
      sync: "Synced",
      health: r.health.health,
      message: r.health.message,
      ...appliedStatus(r.record),
      lastError: undefined,
      drift: undefined,
    };
  return {
    sync: r.verdict.sync,
    health: r.health.health,
    message: r.verdict.message ?? r.health.message,
    lastError: undefined,
    drift: r.drift ? { since: r.drift.firstSeen, fields: r.drift.fields.map((f) => f.path) } : undefined,
    ...appliedStatus(r.record),
  };
}
