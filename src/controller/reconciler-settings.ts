import type { SecretMatcher } from "../diff/mask.js";
import type { IgnoreRule } from "../engine/planner.js";

// Its own module: the prune pass takes these settings, and the reconciler's options take the prune pass.
export type ReconcilerSettings = {
  owner: string;
  /** The repository's identity for the source tag (repo-identity.ts); resources another repository wrote are not ours. */
  repo?: string | undefined;
  region: string;
  defaultCluster: string | undefined;
  ignoreRules: readonly IgnoreRule[];
  /** ecs-gitops.yaml `account`: plans against another account are blocked. */
  expectedAccount?: string | undefined;
  /** The manifests folder (--path) from the repository root: prefixes ecs-gitops:source. */
  sourcePrefix?: string | undefined;
  /** observe: never write. */
  mode: "sync" | "observe";
  /** Apply new commits. */
  automated: boolean;
  /** Revert drift (per-resource annotation `ecs-gitops/self-heal` overrides). */
  selfHeal: boolean;
  /** Drift resync period: every key is reconciled again after it. */
  resyncMs: number;
  /** How soon to look again while a service rolls out or right after a write. */
  progressPollMs: number;
  /** Names whose values are masked in changes, alerts and logs (built-in names plus ecs-gitops.yaml `maskPatterns`). */
  isSecret?: SecretMatcher | undefined;
  /** Delete what we own and left git (docs/prune.md); the guards and history limit with it. */
  prune?: boolean | undefined;
  maxDeletes?: number | undefined;
  revisionHistoryLimit?: number | undefined;
};
