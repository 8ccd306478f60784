import type { HealthVerdict } from "../resources/types.js";
import type { Look, ResourceRecord } from "./records.js";
import type { ResourcePatch, StatusError, SyncStatus } from "./status.js";

/**
 * A resource's status is computed from its record by these pure functions: the writers (the
 * reconciler, the hooks, the deploy tracker, the failure paths) record facts, status-projection.ts
 * turns the record into the status once they are recorded (docs/records.md#status-as-a-projection).
 */

/** A key no look reached yet (a broken manifest shown before the first reconcile). */
const NO_LOOK: Look = { sync: "Unknown", health: "Unknown", showDrift: false };

/** A reconcile that did not fail or block: our write (if one landed), the policy's verdict, the health it found. */
export type Reconciled = {
  applied: boolean;
  verdict: { sync: SyncStatus; message?: string | undefined };
  health: HealthVerdict;
};

/**
 * A write of ours is Synced with the write's health and hides any drift until the next look
 * tells whether it held; otherwise the verdict says the sync, and the open episode (if any) shows.
 */
export function reconciledLook(r: Reconciled): Look {
  if (r.applied) return withMessage({ sync: "Synced", health: r.health.health, showDrift: false }, r.health.message);
  return withMessage({ sync: r.verdict.sync, health: r.health.health, showDrift: true }, r.verdict.message ?? r.health.message);
}

/** A plan the engine refuses to write: out of sync with the health found and the error; the drift shown stays as it was. */
export function blockedLook(previous: Look | undefined, health: HealthVerdict, message: string, error: StatusError): Look {
  return { sync: "OutOfSync", health: health.health, message, lastError: error, showDrift: previous?.showDrift ?? false };
}

/** A reconcile that failed knows nothing new of the resource: the health shown before stays, the sync is Unknown. */
export function failedLook(previous: Look | undefined, error: StatusError): Look {
  const before = previous ?? NO_LOOK;
  return { sync: "Unknown", health: shownHealth(before), message: error.message, lastError: error, showDrift: before.showDrift };
}

/** A deploy held by its preDeploy hooks: Progressing while one runs, Degraded (with the error) once a blocking one failed. */
export function heldLook(previous: Look | undefined, hold: { message: string; error?: StatusError | undefined }): Look {
  const showDrift = previous?.showDrift ?? false;
  if (hold.error === undefined) return { sync: "OutOfSync", health: "Progressing", message: hold.message, showDrift };
  return { sync: "OutOfSync", health: "Degraded", message: hold.message, lastError: hold.error, showDrift };
}

/** After the look: a blocking postDeploy hook of the newest deploy failed. */
export function withHookFailed(look: Look | undefined, message: string): Look {
  return { ...(look ?? NO_LOOK), hookFailed: message };
}

/** After the look: a rollback's pin holds the service. */
export function withPin(look: Look | undefined, message: string): Look {
  return { ...(look ?? NO_LOOK), pinned: message };
}

/**
 * The whole status of a resource from its record alone (its open drift episode included). Every
 * field is given (undefined clears it), in the order /status has always listed them: a field
 * first shown later (drift, hooks, history) comes after the others.
 */
export function statusOf(record: Readonly<ResourceRecord>): ResourcePatch {
  const look = record.look;
  const drift = record.driftEpisode;
  return {
    sync: look === undefined ? undefined : look.pinned === undefined ? look.sync : "Pinned",
    health: look === undefined ? undefined : shownHealth(look),
    message: look?.pinned ?? look?.hookFailed ?? look?.message,
    lastError: look?.lastError,
    drift:
      look?.showDrift === true && drift ? { since: drift.firstSeen, fields: (record.driftFields ?? []).map((f) => f.path) } : undefined,
    lastAppliedRevision: record.lastAppliedCommit,
    lastAppliedAt: record.lastAppliedAt,
    heldBack: record.heldBack,
    hooks: record.hookRuns === undefined ? undefined : [...record.hookRuns],
    history: record.history === undefined ? undefined : [...record.history],
  };
}

function shownHealth(look: Look): Look["health"] {
  return look.hookFailed === undefined ? look.health : "Degraded";
}

function withMessage(look: Look, message: string | undefined): Look {
  return message === undefined ? look : { ...look, message };
}
