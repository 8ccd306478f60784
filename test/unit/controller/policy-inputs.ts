import type { PolicyInput } from "../../../src/controller/policy.js";

/** A service that drifted: git did not move since our last apply, both spec hashes agree. */
export const DRIFTED: PolicyInput = {
  action: "update",
  changedPaths: ["/desiredCount"],
  deletedByHand: false,
  desiredCommit: "c1",
  lastAppliedCommit: "c1",
  desiredSpecHash: "h1",
  lastAppliedSpecHash: "h1",
  onlyResidue: undefined,
  family: { pendingInGit: false, registeredSinceApply: false, interruptedDeploy: false },
  rolledBack: false,
  mode: "sync",
  automated: true,
  selfHeal: false,
  healBudget: { allowed: true },
};
