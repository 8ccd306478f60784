import { describe, expect, it } from "vitest";
import {
  blockedLook,
  failedLook,
  heldLook,
  reconciledLook,
  statusOf,
  withHookFailed,
  withPin,
} from "../../../src/state/record-projection.js";
import type { Reconciled } from "../../../src/state/record-projection.js";
import type { ResourceRecord } from "../../../src/state/records.js";
import { StatusStore } from "../../../src/state/status.js";
import type { DriftStatus } from "../../../src/state/drift.js";

const KEY = "ScheduledRule/default/reports";
const PROGRESSING = { health: "Progressing", message: "1 deployment rolling out" } as const;
const HEALTHY = { health: "Healthy", message: "exists" } as const;
const DRIFT: DriftStatus = {
  firstSeen: "2026-07-01T10:00:00.000Z",
  fields: [{ path: "/state", desired: "ENABLED", live: "DISABLED" }],
  action: "reported",
  healSuspended: false,
};

/** One look: the record it left (its persisted fields as given, the look from the reconcile) and the open episode. */
type Step = ResourceRecord;

/** A record with the open episode as the drift tracker keeps it there. */
function withDrift(record: ResourceRecord, drift: DriftStatus | undefined): ResourceRecord {
  if (drift === undefined) return record;
  const episode = { kind: "ScheduledRule", name: "reports", commit: "a1", fingerprint: "f", firstSeen: drift.firstSeen } as const;
  const state = { reportedPaths: drift.fields.map((f) => f.path), healing: false, healSuspended: false, suspensionReported: false };
  return { ...record, driftEpisode: { ...episode, ...state }, driftFields: drift.fields };
}

function reconciled(record: ResourceRecord, r: Reconciled & { drift: DriftStatus | undefined }): Step {
  return withDrift({ ...record, look: reconciledLook(r) }, r.drift);
}

/** The /status entry a series of looks leaves, as JSON text: field order included. */
function shown(steps: Step[]): string {
  const store = new StatusStore({ source: { url: "repo", branch: "main", path: "." } });
  for (const step of steps) store.update(KEY, statusOf(step));
  return JSON.stringify(store.snapshot().resources[0]);
}

describe("a resource's status as a projection of its record", () => {
  it.each<[string, Step[], object]>([
    [
      "first look in sync: the record's commit, no applied time",
      [reconciled({ lastAppliedCommit: "a1" }, { applied: false, verdict: { sync: "Synced" }, health: HEALTHY, drift: undefined })],
      { key: KEY, kind: "ScheduledRule", name: "reports", sync: "Synced", health: "Healthy", message: "exists", lastAppliedRevision: "a1" },
    ],
    [
      "applied: Synced with the write's health and the record's commit and time",
      [
        reconciled(
          { lastAppliedCommit: "a2", lastAppliedAt: "2026-07-01T09:00:00.000Z" },
          { applied: true, verdict: { sync: "Synced" }, health: PROGRESSING, drift: undefined },
        ),
      ],
      {
        key: KEY,
        kind: "ScheduledRule",
        name: "reports",
        sync: "Synced",
        health: "Progressing",
        message: "1 deployment rolling out",
        lastAppliedRevision: "a2",
        lastAppliedAt: "2026-07-01T09:00:00.000Z",
      },
    ],
    [
      "applied, then drift reported: the verdict's message and the episode, the applied fields kept in place",
      [
        reconciled(
          { lastAppliedCommit: "a2", lastAppliedAt: "2026-07-01T09:00:00.000Z" },
          { applied: true, verdict: { sync: "Synced" }, health: HEALTHY, drift: undefined },
        ),
        reconciled(
          { lastAppliedCommit: "a2", lastAppliedAt: "2026-07-01T09:00:00.000Z" },
          { applied: false, verdict: { sync: "OutOfSync", message: "drift: /state" }, health: HEALTHY, drift: DRIFT },
        ),
      ],
      {
        key: KEY,
        kind: "ScheduledRule",
        name: "reports",
        sync: "OutOfSync",
        health: "Healthy",
        message: "drift: /state",
        lastAppliedRevision: "a2",
        lastAppliedAt: "2026-07-01T09:00:00.000Z",
        drift: { since: DRIFT.firstSeen, fields: ["/state"] },
      },
    ],
    [
      "drift healed by our write: the drift is gone from view",
      [
        reconciled(
          { lastAppliedCommit: "a3" },
          { applied: false, verdict: { sync: "OutOfSync", message: "drift: /state" }, health: HEALTHY, drift: DRIFT },
        ),
        reconciled(
          { lastAppliedCommit: "a3", lastAppliedAt: "2026-07-01T11:00:00.000Z" },
          { applied: true, verdict: { sync: "Synced" }, health: HEALTHY, drift: DRIFT },
        ),
      ],
      {
        key: KEY,
        kind: "ScheduledRule",
        name: "reports",
        sync: "Synced",
        health: "Healthy",
        message: "exists",
        lastAppliedRevision: "a3",
        lastAppliedAt: "2026-07-01T11:00:00.000Z",
      },
    ],
    [
      "no record yet and out of sync (observe mode): nothing applied on show",
      [
        reconciled(
          {},
          { applied: false, verdict: { sync: "OutOfSync", message: "observe mode: not applying" }, health: HEALTHY, drift: undefined },
        ),
      ],
      { key: KEY, kind: "ScheduledRule", name: "reports", sync: "OutOfSync", health: "Healthy", message: "observe mode: not applying" },
    ],
  ])("%s", (_what, steps, expected) => {
    expect(shown(steps)).toBe(JSON.stringify(expected));
  });
});

const HELD = { commit: "c9", file: "svc.yaml", line: 3, column: 1, message: "bad port" };
const DEPLOY = {
  commit: "c2",
  revision: "arn:td:7",
  startedAt: "2026-07-01T09:00:00.000Z",
  outcome: "succeeded",
  trigger: "commit",
} as const;
const RUN = {
  hook: "smoke",
  phase: "postDeploy",
  revision: "arn:td:7",
  attempt: 1,
  outcome: "succeeded",
  startedAt: "2026-07-01T09:01:00.000Z",
} as const;
const ERROR = { code: "AwsUnavailable", message: "ECS did not answer", at: "2026-07-01T12:00:00.000Z" } as const;
const IN_SYNC = reconciledLook({ applied: false, verdict: { sync: "Synced" }, health: HEALTHY });
const OUT_OF_SYNC = reconciledLook({ applied: false, verdict: { sync: "OutOfSync", message: "drift: /state" }, health: HEALTHY });
const APPLIED = reconciledLook({ applied: true, verdict: { sync: "Synced" }, health: PROGRESSING });
const SHOWN_DRIFT = { since: DRIFT.firstSeen, fields: ["/state"] };

describe("each writer's fact, as the status shows it", () => {
  it.each<[string, ResourceRecord, object]>([
    ["no look yet, held back: only the held-back commit", { heldBack: HELD }, { sync: undefined, health: undefined, heldBack: HELD }],
    [
      "a failed reconcile keeps the health and the drift shown, says Unknown and the error",
      { look: failedLook(OUT_OF_SYNC, ERROR) },
      { sync: "Unknown", health: "Healthy", message: ERROR.message, lastError: ERROR, drift: SHOWN_DRIFT },
    ],
    [
      "a failed reconcile after a failed postDeploy hook keeps Degraded but shows its own error",
      { look: failedLook(withHookFailed(IN_SYNC, "hook smoke failed"), ERROR) },
      { sync: "Unknown", health: "Degraded", message: ERROR.message, lastError: ERROR },
    ],
    [
      "a failed first reconcile: Unknown, the record's commit from before a restart",
      { lastAppliedCommit: "c0", look: failedLook(undefined, ERROR) },
      { sync: "Unknown", health: "Unknown", lastError: ERROR, lastAppliedRevision: "c0" },
    ],
    [
      "blocked after our write: out of sync with the error, the drift still hidden",
      { look: blockedLook(APPLIED, HEALTHY, "create-only field changed", ERROR) },
      { sync: "OutOfSync", health: "Healthy", message: "create-only field changed", lastError: ERROR, drift: undefined },
    ],
    [
      "held by a running preDeploy hook: Progressing, no error, the drift still shown",
      { look: heldLook(failedLook(OUT_OF_SYNC, ERROR), { message: "hook migrate running" }) },
      { sync: "OutOfSync", health: "Progressing", message: "hook migrate running", lastError: undefined, drift: SHOWN_DRIFT },
    ],
    [
      "held by a failed blocking preDeploy hook: Degraded with HookFailed",
      { look: heldLook(IN_SYNC, { message: "hook migrate failed", error: { ...ERROR, code: "HookFailed" } }) },
      { sync: "OutOfSync", health: "Degraded", message: "hook migrate failed", lastError: { ...ERROR, code: "HookFailed" } },
    ],
    [
      "a failed postDeploy hook after our write: Degraded with the run's message",
      { look: withHookFailed(APPLIED, "hook smoke exited 1") },
      { sync: "Synced", health: "Degraded", message: "hook smoke exited 1" },
    ],
    [
      "pinned by a rollback over a failed hook: Pinned, the pin's message wins, Degraded stays",
      { look: withPin(withHookFailed(IN_SYNC, "hook smoke exited 1"), "pinned to :7") },
      { sync: "Pinned", health: "Degraded", message: "pinned to :7" },
    ],
    [
      "a new look ends the pin and the hook's failure",
      { look: reconciledLook({ applied: false, verdict: { sync: "Synced" }, health: HEALTHY }), history: [DEPLOY], hookRuns: [RUN] },
      { sync: "Synced", health: "Healthy", message: "exists", history: [DEPLOY], hooks: [RUN] },
    ],
  ])("%s", (_what, record, expected) => {
    expect(statusOf(withDrift(record, DRIFT))).toMatchObject(expected);
    for (const [field, value] of Object.entries(expected))
      if (value === undefined) expect(statusOf(withDrift(record, DRIFT))[field as "sync"]).toBeUndefined();
  });
});
