import { describe, expect, it } from "vitest";
import { reconciledStatus } from "../../../src/state/record-projection.js";
import type { Reconciled } from "../../../src/state/record-projection.js";
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

/** The /status entry a series of reconciles leaves, as JSON text: field order included. */
function shown(steps: Reconciled[]): string {
  const store = new StatusStore({ source: { url: "repo", branch: "main", path: "." } });
  for (const step of steps) store.update(KEY, reconciledStatus(step));
  return JSON.stringify(store.snapshot().resources[0]);
}

/** One reconcile: in sync, healthy, nothing applied, no drift, unless `patch` says otherwise. */
const step = (patch: Partial<Reconciled>): Reconciled => ({
  record: {},
  applied: false,
  verdict: { sync: "Synced" },
  health: HEALTHY,
  drift: undefined,
  ...patch,
});
/** A reconcile that reports the drift on /state. */
const DRIFT_REPORTED = { applied: false, verdict: { sync: "OutOfSync", message: "drift: /state" }, drift: DRIFT } as const;
const APPLIED_A2 = { lastAppliedCommit: "a2", lastAppliedAt: "2026-07-01T09:00:00.000Z" };
/** The first fields of the resource's entry, in the order /status shows them. */
const ENTRY = { key: KEY, kind: "ScheduledRule", name: "reports" } as const;

describe("a resource's status as a projection of its record", () => {
  it.each<[string, Reconciled[], object]>([
    [
      "first look in sync: the record's commit, no applied time",
      [step({ record: { lastAppliedCommit: "a1" } })],
      { ...ENTRY, sync: "Synced", health: "Healthy", message: "exists", lastAppliedRevision: "a1" },
    ],
    [
      "applied: Synced with the write's health and the record's commit and time",
      [step({ record: APPLIED_A2, applied: true, health: PROGRESSING })],
      {
        ...ENTRY,
        sync: "Synced",
        health: "Progressing",
        message: "1 deployment rolling out",
        lastAppliedRevision: "a2",
        lastAppliedAt: APPLIED_A2.lastAppliedAt,
      },
    ],
    [
      "applied, then drift reported: the verdict's message and the episode, the applied fields kept in place",
      [step({ record: APPLIED_A2, applied: true }), step({ record: APPLIED_A2, ...DRIFT_REPORTED })],
      {
        ...ENTRY,
        sync: "OutOfSync",
        health: "Healthy",
        message: "drift: /state",
        lastAppliedRevision: "a2",
        lastAppliedAt: APPLIED_A2.lastAppliedAt,
        drift: { since: DRIFT.firstSeen, fields: ["/state"] },
      },
    ],
    [
      "drift healed by our write: the drift is gone from view",
      [
        step({ record: { lastAppliedCommit: "a3" }, ...DRIFT_REPORTED }),
        step({ record: { lastAppliedCommit: "a3", lastAppliedAt: "2026-07-01T11:00:00.000Z" }, applied: true, drift: DRIFT }),
      ],
      {
        ...ENTRY,
        sync: "Synced",
        health: "Healthy",
        message: "exists",
        lastAppliedRevision: "a3",
        lastAppliedAt: "2026-07-01T11:00:00.000Z",
      },
    ],
    [
      "no record yet and out of sync (observe mode): nothing applied on show",
      [step({ verdict: { sync: "OutOfSync", message: "observe mode: not applying" } })],
      { ...ENTRY, sync: "OutOfSync", health: "Healthy", message: "observe mode: not applying" },
    ],
  ])("%s", (_what, steps, expected) => {
    expect(shown(steps)).toBe(JSON.stringify(expected));
  });
});
