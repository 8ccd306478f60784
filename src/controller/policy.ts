import type { ErrorCode } from "../errors.js";
import { classifyDifference } from "../engine/difference.js";
import type { HealDecision } from "../state/drift.js";
import type { Paused } from "../pause/gate.js";

/**
 * Everything the sync policy looks at for one resource, gathered by the reconciler. Plain data:
 * no clock, no AWS, no store, so every rule is one row of a table test.
 */
export type PolicyInput = {
  /** What the plan says: nothing to do, create, update / delete, or refused (foreign, immutable, not ready). */
  action: "noop" | "create" | "update" | "delete" | "blocked";
  /** Why the plan refused (action blocked). */
  blockedReason?: string | undefined;
  /** Paths that differ after ignore rules and normalization (update) or the whole spec (create). */
  changedPaths: readonly string[];
  /** A create of a resource this process saw on AWS with the same desired spec: deleted outside git. */
  deletedByHand: boolean;
  /** Commit that last changed this resource in git, and the commit we last applied (status; undefined after a restart). */
  desiredCommit: string;
  lastAppliedCommit: string | undefined;
  /** Spec hash git gives the resource, and the one our last write left on its tag (undefined: no tag). */
  desiredSpecHash: string | undefined;
  lastAppliedSpecHash: string | undefined;
  /** Our own last write left something undone: undefined none armed; true what differs is exactly that. */
  onlyResidue: boolean | undefined;
  /** A task definition family this resource uses changes in git, or changed under a deploy still rolling out. */
  family: { pendingInGit: boolean; registeredSinceApply: boolean; interruptedDeploy: boolean };
  /**
   * The previous holder of the resource's shard listed it, at this commit and with the desired
   * state git wants now, among the writes of a deploy it did not finish (docs/ha.md): what differs is that deploy.
   */
  inFlightDeploy?: boolean | undefined;
  /** Git names a rollback's pinned revision again: lifting the pin is git's change, not drift. */
  pinLifted?: boolean | undefined;
  /** ECS rolled the service's last deployment back (circuit breaker or alarm). */
  rolledBack: boolean;
  mode: "sync" | "observe";
  automated: boolean;
  /** Controller setting, already overridden by the resource's `ecs-gitops/self-heal` annotation. */
  selfHeal: boolean;
  /** What the heal budget would answer for this drift (as the drift tracker counts reverts). */
  healBudget: HealDecision;
  /** Writes paused (suspend, `ecs-gitops/sync: "false"`, a sync window): report, never write. */
  paused?: Paused | undefined;
  /** A CodeDeploy deployment our write started is still running: the service shows the old revision until it ends. */
  rolloutInFlight?: boolean | undefined;
};

/**
 * - in-sync: nothing differs.
 * - deploy: git changed the resource (or a task definition it uses): apply it.
 * - finish: re-send what our own last write left undone.
 * - heal: revert drift.
 * - alert-only: drift, reported and left alone (self-heal off, observe mode, budget spent).
 * - blocked: cannot or must not apply until git changes (plan refused, rollback by ECS).
 * - wait: a deploy is pending but policy does not apply (observe mode, automated sync off).
 */
export type VerdictKind = "in-sync" | "deploy" | "finish" | "heal" | "alert-only" | "blocked" | "wait";

/** Why, as a short PascalCase reason (status, logs, tests). */
export type VerdictReason =
  | "NoDifference"
  | "Blocked"
  | "Create"
  | "GitChanged"
  | "UnsettledWrite"
  | "FamilyChanged"
  | "InFlightDeploy"
  | "ObserveMode"
  | "AutomatedOff"
  | "RolledBack"
  | "SelfHealOff"
  | "HealSuspended"
  | "Drift"
  | "RollingOut"
  | Paused["reason"];

export type Verdict = {
  verdict: VerdictKind;
  reason: VerdictReason;
  sync: "Synced" | "OutOfSync" | "Suspended";
  /** Status message; undefined: the health message. */
  message?: string | undefined;
  /**
   * What the drift tracker hears: `resolve` closes an open episode (nothing differs), `git`
   * closes it because git moved, `observe` opens or updates one with the changes.
   */
  drift: "none" | "resolve" | "git" | "observe";
  /** The self-heal flag the drift observation carries (whether a revert is meant). */
  healMeant: boolean;
  /** Spend one revert from the budget (heal), or mark the heal suspended (budget spent). */
  recordHeal: boolean;
  /** The one look at our own write's residue happened: forget it. */
  consumeResidue: boolean;
  /** A failure episode to open (no write happened). */
  syncFailed?: { code: ErrorCode; message: string } | undefined;
};

export const ROLLED_BACK_MESSAGE =
  "ECS rolled the deployment back (circuit breaker or alarm): not redeploying the failing revision; fix it in git";

const QUIET = { drift: "none", healMeant: false, recordHeal: false, consumeResidue: false } as const;

/** Apply the action the plan made for this resource? */
export function applies(verdict: Verdict): boolean {
  return verdict.verdict === "deploy" || verdict.verdict === "finish" || verdict.verdict === "heal";
}

/**
 * The sync policy: pending deploy or drift, and what to do about it. A difference is a deploy
 * when git changed the resource since it was last applied, when our own last write did not
 * converge yet, or when a task definition it uses gets a new revision; anything else is drift.
 * See docs/design.md#policy-table.
 */
export function decide(input: PolicyInput): Verdict {
  if (input.paused === undefined) return decideUnpaused(input);
  // Paused is observe mode for one resource: what observe mode would do, never a write.
  return pausedVerdict(decideUnpaused({ ...input, mode: "observe" }), input.paused);
}

function pausedVerdict(verdict: Verdict, paused: Paused): Verdict {
  if (verdict.verdict === "blocked") return verdict;
  if (verdict.verdict === "in-sync") return { ...verdict, sync: "Suspended", message: paused.message };
  const what = verdict.verdict === "wait" ? "git changed, not applying" : (verdict.message ?? "");
  return { ...verdict, reason: paused.reason, sync: "Suspended", message: `${paused.message}; ${what}` };
}

function decideUnpaused(input: PolicyInput): Verdict {
  if (input.action === "noop")
    return { ...QUIET, verdict: "in-sync", reason: "NoDifference", sync: "Synced", drift: "resolve", consumeResidue: true };
  if (input.action === "blocked")
    return { ...QUIET, verdict: "blocked", reason: "Blocked", sync: "OutOfSync", message: input.blockedReason };
  const pending = pendingReason(input);
  if (pending.reason !== undefined) {
    // Git changed the resource since the drift was seen: what differs now is a deploy, and the
    // episode is over (observe mode never applies, so nothing else would close it).
    const drift = pending.reason === "GitChanged" ? "git" : "none";
    const base = { ...QUIET, drift, consumeResidue: pending.consumedResidue } as const;
    if (input.mode === "observe")
      return { ...base, verdict: "wait", reason: "ObserveMode", sync: "OutOfSync", message: "observe mode: not applying" };
    if (!input.automated) return { ...base, verdict: "wait", reason: "AutomatedOff", sync: "OutOfSync", message: "automated sync is off" };
    const verdict = pending.reason === "UnsettledWrite" ? "finish" : "deploy";
    return { ...base, verdict, reason: pending.reason, sync: "Synced" };
  }
  const residue = { consumeResidue: pending.consumedResidue };
  if (input.rolloutInFlight && input.changedPaths.every((p) => p === "/taskDefinition"))
    return { ...QUIET, ...residue, verdict: "in-sync", reason: "RollingOut", sync: "Synced" };
  if (input.changedPaths.every((p) => p === "/taskDefinition") && input.rolledBack) {
    // Redeploying what the circuit breaker just rolled back would fail again (and "heal" into a
    // fight with ECS). Report it once; a new commit with a fixed revision deploys normally.
    const message = ROLLED_BACK_MESSAGE;
    return {
      ...QUIET,
      ...residue,
      verdict: "blocked",
      reason: "RolledBack",
      sync: "OutOfSync",
      message,
      syncFailed: { code: "RolledBack", message },
    };
  }
  const heal = input.selfHeal && input.mode === "sync";
  const observed = { ...QUIET, ...residue, drift: "observe", healMeant: heal } as const;
  const what = input.deletedByHand ? "deleted outside git" : input.changedPaths.join(", ");
  if (!heal) return { ...observed, verdict: "alert-only", reason: "SelfHealOff", sync: "OutOfSync", message: `drift: ${what}` };
  if (!input.healBudget.allowed) {
    const message = `drift: self-heal suspended (${input.healBudget.reason ?? "budget spent"})`;
    return { ...observed, verdict: "alert-only", reason: "HealSuspended", sync: "OutOfSync", message, recordHeal: true };
  }
  return { ...observed, verdict: "heal", reason: "Drift", sync: "Synced", recordHeal: true };
}

function pendingReason(input: PolicyInput): {
  reason: "Create" | "GitChanged" | "UnsettledWrite" | "FamilyChanged" | "InFlightDeploy" | undefined;
  consumedResidue: boolean;
} {
  if (input.deletedByHand) return { reason: undefined, consumedResidue: false };
  if (input.action === "create") return { reason: "Create", consumedResidue: false };
  if (input.pinLifted === true) return { reason: "GitChanged", consumedResidue: false };
  const cls = classifyDifference({
    desiredCommit: input.desiredCommit,
    lastAppliedCommit: input.lastAppliedCommit,
    hasDifferences: true,
    desiredSpecHash: input.desiredSpecHash,
    lastAppliedSpecHash: input.lastAppliedSpecHash,
  });
  if (cls === "pending") return { reason: "GitChanged", consumedResidue: false };
  // One look only at our own write's residue, so a perpetual difference cannot become a write loop.
  const consumedResidue = input.onlyResidue !== undefined;
  if (input.onlyResidue === true) return { reason: "UnsettledWrite", consumedResidue };
  // Known without AWS's timestamps, from the lease row: a takeover finishes the deploy.
  if (input.inFlightDeploy === true) return { reason: "InFlightDeploy", consumedResidue };
  const { pendingInGit, registeredSinceApply, interruptedDeploy } = input.family;
  return { reason: pendingInGit || registeredSinceApply || interruptedDeploy ? "FamilyChanged" : undefined, consumedResidue };
}

/** How many differences an action carries (for log lines). */
export function changedCount(action: { type: string; changes?: readonly unknown[] }): number {
  return action.type === "noop" || action.type === "blocked" ? 0 : (action.changes?.length ?? 0);
}
