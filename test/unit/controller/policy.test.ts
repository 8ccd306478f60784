import { describe, expect, it } from "vitest";
import { applies, decide, ROLLED_BACK_MESSAGE } from "../../../src/controller/policy.js";
import type { PolicyInput, Verdict } from "../../../src/controller/policy.js";
import { DRIFTED } from "./policy-inputs.js";

const NO_FAMILY = DRIFTED.family;
const SPENT = { allowed: false, reason: "someone is fighting the controller" };
const SUSPENDED = { reason: "Suspended", message: "suspended" } as const;
/** A rollback by ECS: blocked until git changes, reported once, never counted as drift or healed. */
const ROLLED_BACK = {
  verdict: "blocked",
  reason: "RolledBack",
  sync: "OutOfSync",
  message: ROLLED_BACK_MESSAGE,
  syncFailed: { code: "RolledBack", message: ROLLED_BACK_MESSAGE },
  drift: "none",
  recordHeal: false,
} as const;

type Row = [name: string, patch: Partial<PolicyInput>, expected: Pick<Verdict, "verdict" | "reason" | "sync"> & Partial<Verdict>];

const ROWS: Row[] = [
  [
    "git names a rollback's pinned revision again: lifting the pin is a deploy, not drift (same spec hash)",
    { changedPaths: ["/tags/ecs-gitops:pinned-revision"], pinLifted: true },
    { verdict: "deploy", reason: "GitChanged", sync: "Synced", drift: "git" },
  ],
  [
    "in sync",
    { action: "noop", changedPaths: [] },
    { verdict: "in-sync", reason: "NoDifference", sync: "Synced", drift: "resolve", consumeResidue: true },
  ],
  [
    // decide() never sees an ignored path: the plan drops it first (policy-ignored-path.test.ts
    // follows one from the plan to the verdict). This row is the verdict that follows.
    "in sync with self-heal on and nothing left to change: no heal recorded",
    { action: "noop", changedPaths: [], selfHeal: true },
    { verdict: "in-sync", reason: "NoDifference", sync: "Synced", recordHeal: false },
  ],
  [
    "in sync in observe mode",
    { action: "noop", changedPaths: [], mode: "observe" },
    { verdict: "in-sync", reason: "NoDifference", sync: "Synced" },
  ],
  [
    "blocked: owned by another controller",
    { action: "blocked", blockedReason: "owned by another controller" },
    { verdict: "blocked", reason: "Blocked", sync: "OutOfSync", message: "owned by another controller", drift: "none" },
  ],
  [
    "blocked: written by another repository",
    { action: "blocked", blockedReason: "source tag names another repository", selfHeal: true },
    { verdict: "blocked", reason: "Blocked", sync: "OutOfSync", recordHeal: false },
  ],
  [
    "create (never applied)",
    { action: "create", lastAppliedCommit: undefined, lastAppliedSpecHash: undefined, changedPaths: [] },
    { verdict: "deploy", reason: "Create", sync: "Synced", drift: "none" },
  ],
  [
    "create in observe mode waits",
    { action: "create", mode: "observe" },
    { verdict: "wait", reason: "ObserveMode", sync: "OutOfSync", message: "observe mode: not applying" },
  ],
  [
    "create with automated sync off waits",
    { action: "create", automated: false },
    { verdict: "wait", reason: "AutomatedOff", sync: "OutOfSync", message: "automated sync is off" },
  ],
  [
    "pending deploy: spec hash moved in git",
    { desiredSpecHash: "h2" },
    { verdict: "deploy", reason: "GitChanged", sync: "Synced", drift: "git" },
  ],
  [
    "pending deploy: hash moved wins over an equal commit",
    { desiredSpecHash: "h2", lastAppliedCommit: "c1", desiredCommit: "c1" },
    { verdict: "deploy", reason: "GitChanged", sync: "Synced" },
  ],
  [
    "pending deploy, no hash tag: the commit moved",
    { lastAppliedSpecHash: undefined, desiredCommit: "c2" },
    { verdict: "deploy", reason: "GitChanged", sync: "Synced" },
  ],
  [
    "pending deploy after a restart: no tag, never applied by this process",
    { lastAppliedSpecHash: undefined, lastAppliedCommit: undefined },
    { verdict: "deploy", reason: "GitChanged", sync: "Synced" },
  ],
  [
    "a commit that did not touch the resource does not hide its drift",
    { desiredCommit: "c9" },
    { verdict: "alert-only", reason: "SelfHealOff", sync: "OutOfSync", drift: "observe" },
  ],
  [
    "pending deploy in observe mode waits and closes the drift episode",
    { desiredSpecHash: "h2", mode: "observe" },
    { verdict: "wait", reason: "ObserveMode", sync: "OutOfSync", drift: "git" },
  ],
  [
    "pending deploy with automated off waits",
    { desiredSpecHash: "h2", automated: false, selfHeal: true },
    { verdict: "wait", reason: "AutomatedOff", sync: "OutOfSync", recordHeal: false },
  ],
  [
    "pending deploy keeps the residue of our own write for the next look",
    { desiredSpecHash: "h2", onlyResidue: true },
    { verdict: "deploy", reason: "GitChanged", sync: "Synced", consumeResidue: false },
  ],
  [
    "unsettled write: only what our own write left undone",
    { onlyResidue: true },
    { verdict: "finish", reason: "UnsettledWrite", sync: "Synced", drift: "none", consumeResidue: true },
  ],
  [
    "unsettled write in observe mode waits",
    { onlyResidue: true, mode: "observe" },
    { verdict: "wait", reason: "ObserveMode", sync: "OutOfSync" },
  ],
  [
    "more than the residue differs: drift, and the residue is spent",
    { onlyResidue: false },
    { verdict: "alert-only", reason: "SelfHealOff", sync: "OutOfSync", consumeResidue: true },
  ],
  [
    "task definition family pending in git: a deploy",
    { changedPaths: ["/taskDefinition"], family: { ...NO_FAMILY, pendingInGit: true } },
    { verdict: "deploy", reason: "FamilyChanged", sync: "Synced" },
  ],
  [
    "revision registered since the service was applied: a deploy",
    { changedPaths: ["/taskDefinition"], family: { ...NO_FAMILY, registeredSinceApply: true } },
    { verdict: "deploy", reason: "FamilyChanged", sync: "Synced" },
  ],
  [
    "interrupted deploy after a restart: a deploy",
    { changedPaths: ["/taskDefinition"], family: { ...NO_FAMILY, interruptedDeploy: true } },
    { verdict: "deploy", reason: "FamilyChanged", sync: "Synced" },
  ],
  [
    "a deploy the shard's previous holder listed in flight, with git's state now: a deploy, without any timestamp",
    { changedPaths: ["/taskDefinition"], inFlightDeploy: true },
    { verdict: "deploy", reason: "InFlightDeploy", sync: "Synced", drift: "none", recordHeal: false },
  ],
  [
    "listed in flight but deleted outside git since this process saw it: drift, not a deploy",
    { action: "create", deletedByHand: true, inFlightDeploy: true },
    { verdict: "alert-only", reason: "SelfHealOff", sync: "OutOfSync", drift: "observe" },
  ],
  [
    "listed in flight in observe mode waits",
    { changedPaths: ["/taskDefinition"], inFlightDeploy: true, mode: "observe" },
    { verdict: "wait", reason: "ObserveMode", sync: "OutOfSync" },
  ],
  [
    "interrupted deploy with automated off waits",
    { changedPaths: ["/taskDefinition"], family: { ...NO_FAMILY, interruptedDeploy: true }, automated: false },
    { verdict: "wait", reason: "AutomatedOff", sync: "OutOfSync" },
  ],
  [
    "drift, self-heal off: alert only",
    {},
    {
      verdict: "alert-only",
      reason: "SelfHealOff",
      sync: "OutOfSync",
      message: "drift: /desiredCount",
      drift: "observe",
      healMeant: false,
    },
  ],
  [
    "drift on two paths names both",
    { changedPaths: ["/desiredCount", "/networkConfiguration/awsvpcConfiguration/subnets"] },
    {
      verdict: "alert-only",
      reason: "SelfHealOff",
      sync: "OutOfSync",
      message: "drift: /desiredCount, /networkConfiguration/awsvpcConfiguration/subnets",
    },
  ],
  [
    "drift, self-heal on: heal",
    { selfHeal: true },
    { verdict: "heal", reason: "Drift", sync: "Synced", drift: "observe", healMeant: true, recordHeal: true },
  ],
  [
    "drift of a nested path heals the same way",
    { selfHeal: true, changedPaths: ["/containerDefinitions/0/image"] },
    { verdict: "heal", reason: "Drift", sync: "Synced" },
  ],
  [
    "drift of another path, self-heal off: the message names the path",
    { changedPaths: ["/state"] },
    { verdict: "alert-only", reason: "SelfHealOff", sync: "OutOfSync", message: "drift: /state" },
  ],
  [
    "drift in observe mode never heals",
    { selfHeal: true, mode: "observe" },
    { verdict: "alert-only", reason: "SelfHealOff", sync: "OutOfSync", healMeant: false, recordHeal: false },
  ],
  [
    "heal suspended: budget spent",
    { selfHeal: true, healBudget: SPENT },
    {
      verdict: "alert-only",
      reason: "HealSuspended",
      sync: "OutOfSync",
      message: "drift: self-heal suspended (someone is fighting the controller)",
      healMeant: true,
      recordHeal: true,
    },
  ],
  [
    "heal suspended without a reason",
    { selfHeal: true, healBudget: { allowed: false } },
    { verdict: "alert-only", reason: "HealSuspended", sync: "OutOfSync", message: "drift: self-heal suspended (budget spent)" },
  ],
  [
    "spent budget does not matter with self-heal off",
    { healBudget: SPENT },
    { verdict: "alert-only", reason: "SelfHealOff", sync: "OutOfSync", recordHeal: false },
  ],
  [
    "deleted by hand, self-heal off: drift",
    { action: "create", deletedByHand: true, changedPaths: [] },
    { verdict: "alert-only", reason: "SelfHealOff", sync: "OutOfSync", message: "drift: deleted outside git" },
  ],
  [
    "deleted by hand, self-heal on: recreate as a heal",
    { action: "create", deletedByHand: true, selfHeal: true },
    { verdict: "heal", reason: "Drift", sync: "Synced", consumeResidue: false },
  ],
  [
    "deleted by hand never counts as a pending create, even when git moved",
    { action: "create", deletedByHand: true, desiredSpecHash: "h2" },
    { verdict: "alert-only", reason: "SelfHealOff", sync: "OutOfSync" },
  ],
  [
    "circuit-breaker rollback: not redeployed, reported once",
    { changedPaths: ["/taskDefinition"], rolledBack: true, selfHeal: true },
    ROLLED_BACK,
  ],
  [
    "rolled back, but other fields drifted too: drift",
    { changedPaths: ["/taskDefinition", "/desiredCount"], rolledBack: true },
    { verdict: "alert-only", reason: "SelfHealOff", sync: "OutOfSync" },
  ],
  [
    "rolled back, but git has a new revision: a deploy",
    { changedPaths: ["/taskDefinition"], rolledBack: true, desiredSpecHash: "h2" },
    { verdict: "deploy", reason: "GitChanged", sync: "Synced" },
  ],
  [
    "rolled back with self-heal off: blocked all the same, never left as drift",
    { changedPaths: ["/taskDefinition"], rolledBack: true },
    ROLLED_BACK,
  ],
  [
    "suspended: a commit waits, the episode of older drift closes",
    { desiredSpecHash: "h2", desiredCommit: "c2", paused: SUSPENDED },
    { verdict: "wait", reason: "Suspended", sync: "Suspended", drift: "git", message: `${SUSPENDED.message}; git changed, not applying` },
  ],
  [
    "suspended: drift is reported, never healed, the budget untouched",
    { selfHeal: true, paused: SUSPENDED },
    { verdict: "alert-only", reason: "Suspended", sync: "Suspended", drift: "observe", healMeant: false, recordHeal: false },
  ],
  [
    "suspended and in sync: shown Suspended, an open episode resolves",
    { action: "noop", changedPaths: [], paused: SUSPENDED },
    { verdict: "in-sync", reason: "NoDifference", sync: "Suspended", drift: "resolve", message: SUSPENDED.message },
  ],
  [
    "sync annotation false: a create waits",
    { action: "create", lastAppliedCommit: undefined, lastAppliedSpecHash: undefined, paused: { reason: "SyncDisabled", message: "off" } },
    { verdict: "wait", reason: "SyncDisabled", sync: "Suspended" },
  ],
  [
    "deny sync window: our own write's residue is not finished",
    { onlyResidue: true, paused: { reason: "SyncWindow", message: "inside deny window" } },
    { verdict: "wait", reason: "SyncWindow", sync: "Suspended", consumeResidue: true },
  ],
  [
    "deny sync window: a new revision of a family waits",
    { changedPaths: ["/taskDefinition"], family: { ...NO_FAMILY, pendingInGit: true }, paused: { reason: "SyncWindow", message: "w" } },
    { verdict: "wait", reason: "SyncWindow", sync: "Suspended" },
  ],
  [
    "a CodeDeploy deployment we started still runs: the old revision is not drift",
    { changedPaths: ["/taskDefinition"], rolloutInFlight: true, selfHeal: true },
    { verdict: "in-sync", reason: "RollingOut", sync: "Synced", drift: "none", recordHeal: false },
  ],
  [
    "a CodeDeploy deployment runs, and something else drifted too",
    { changedPaths: ["/taskDefinition", "/desiredCount"], rolloutInFlight: true },
    { verdict: "alert-only", reason: "SelfHealOff", sync: "OutOfSync", drift: "observe" },
  ],
  [
    "paused and blocked: the plan's refusal still shows",
    { action: "blocked", blockedReason: "owned by another controller", paused: SUSPENDED },
    { verdict: "blocked", reason: "Blocked", sync: "OutOfSync" },
  ],
];

describe("decide", () => {
  it("has a row for every case the end-to-end suites cover", () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(25);
  });

  it.each(ROWS)("%s", (_name, patch, expected) => {
    const verdict = decide({ ...DRIFTED, ...patch });
    expect(verdict).toMatchObject(expected);
    expect(applies(verdict)).toBe(["deploy", "finish", "heal"].includes(expected.verdict));
    // Only what asks AWS for nothing: the sync state says Synced exactly when the policy applies or nothing differs.
    expect(verdict.sync === "Synced").toBe(applies(verdict) || (verdict.verdict === "in-sync" && patch.paused === undefined));
    // Paused: never a write, always shown as Suspended unless the plan itself refused.
    if (patch.paused !== undefined)
      expect([applies(verdict), verdict.sync]).toEqual([false, patch.action === "blocked" ? "OutOfSync" : "Suspended"]);
  });

  it("is pure: the same input always gives the same verdict and the input is untouched", () => {
    const input = { ...DRIFTED, selfHeal: true };
    const frozen = structuredClone(input);
    expect(decide(input)).toEqual(decide(input));
    expect(input).toEqual(frozen);
  });
});
