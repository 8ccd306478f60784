import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { CallAccounting, createAwsClients, readSsmParameters, resolveRegion } from "../aws/index.js";
import { maskMatcher } from "../diff/mask.js";
import type { SecretMatcher } from "../diff/mask.js";
import type { AwsClients } from "../aws/index.js";
import type { Manifest, Problem } from "../manifests/types.js";
import { loadDesiredState } from "../resources/load.js";
import type { Action } from "../resources/types.js";
import { applyPlan, dependenciesOf } from "./applier.js";
import { refuseHookedDeploys } from "./hooks/one-shot-guard.js";
import type { ApplyOutcome, ApplyResult } from "./applier.js";
import { inScope } from "../source/manifest-root.js";
import { planningSet } from "./references.js";
import { readAndPlan } from "./read-plan.js";
import { LiveReader } from "./live-state.js";
import { identifyRepository } from "../source/repo-identity.js";
import type { IgnoreRule, PlanSettings } from "./planner.js";
import { planPruneOnce, registeringFamilies } from "./prune/one-shot.js";
import type { OneShotPruneContext, OneShotPruneOptions } from "./prune/one-shot.js";
import type { PrunePlan } from "./prune/types.js";

export type OneShotOptions = {
  path: string;
  /** Unset: the SDK chain (AWS_REGION, profile). */
  region?: string | undefined;
  endpoint?: string | undefined;
  cluster?: string | undefined;
  owner: string;
  /** The manifests folder's path from the repository root (manifest-root.ts); prefixes ecs-gitops:source. */
  sourcePrefix?: string | undefined;
  /** Plan only the manifests of this file or folder below `path` (the rest gives context). */
  scope?: string | undefined;
  ignoreRules?: readonly IgnoreRule[];
  /** ecs-gitops.yaml `account`: plans against another account are blocked. */
  account?: string | undefined;
  /** ecs-gitops.yaml `maskPatterns`: more names whose values are masked in every output. */
  maskPatterns?: readonly string[];
  /** Tests: isolate with moto's per-request account header. */
  accountIdHeader?: string | undefined;
  maxAttempts?: number | undefined;
  /** Client-side pacing (clients.ts `rateLimit`): a share of AWS's rates, or false for emulators. */
  rateLimit?: number | false | undefined;
  /** Bound on the manifest bytes read; unset: 50 MiB. */
  maxCommitBytes?: number | undefined;
  /** Unset: orphans are not looked for (a command given one file or folder never prunes). */
  prune?: OneShotPruneOptions | undefined;
};

export type OneShotPlan = {
  manifests: Manifest[];
  problems: Problem[];
  actions: Action[];
  revision: string;
  aws: AwsClients;
  calls: CallAccounting;
  reader: LiveReader;
  /** The names whose values every output of this plan masks. */
  isSecret: SecretMatcher;
  /** Orphans and their deletes (docs/prune.md); unset for a scoped command. */
  prune?: PrunePlan | undefined;
  pruneContext?: OneShotPruneContext | undefined;
};

/** Load and validate the manifests; plan against live AWS. Problems stop before any AWS call. */
export async function planOnce(options: OneShotOptions): Promise<OneShotPlan> {
  const calls = new CallAccounting();
  const aws = createAwsClients({
    region: options.region,
    endpoint: options.endpoint,
    calls,
    ...(options.accountIdHeader ? { accountIdHeader: options.accountIdHeader } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    rateLimit: options.rateLimit,
  });
  const reader = new LiveReader(aws);
  const isSecret = maskMatcher(options.maskPatterns);
  // `fromSsm` variables are read once per plan: a changed parameter shows at the next one.
  const readSsm = (names: readonly string[]) => readSsmParameters(options, names);
  const loaded = await loadDesiredState(options.path, { defaultCluster: options.cluster, maxCommitBytes: options.maxCommitBytes, readSsm });
  // Problems elsewhere in the repository do not block a command given one file or folder.
  const problems = loaded.problems.filter((p) => p.file === "." || inScope(options.scope, p.file));
  const manifests = loaded.manifests.filter((m) => inScope(options.scope, m.file));
  const revision = await gitRevision(options.path);
  const errors = problems.filter((p) => p.severity === "error");
  if (errors.length > 0) return { manifests, problems, actions: [], revision, aws, calls, reader, isSecret };
  const settings: PlanSettings = {
    owner: options.owner,
    repo: await identifyRepository(options.path, false),
    revision,
    region: options.region ?? (await resolveRegion(aws)),
    defaultCluster: options.cluster,
    ignoreRules: options.ignoreRules ?? [],
    expectedAccount: options.account,
    sourcePrefix: options.sourcePrefix,
    isSecret,
  };
  // The task definitions a scoped service refers to are planned too (to resolve the revision); of
  // their actions only a registration the scope's own actions wait for is shown and applied.
  const wanted = new Set(manifests.map((m) => m.key));
  const { result } = await readAndPlan(reader, planningSet(wanted, new Map(loaded.manifests.map((m) => [m.key, m]))), settings);
  const needed = new Set([...wanted, ...result.actions.filter((a) => wanted.has(a.key)).flatMap(dependenciesOf)]);
  const pruneContext = { owner: settings.owner, repo: settings.repo, sourcePrefix: settings.sourcePrefix, defaultCluster: options.cluster };
  const prune =
    options.prune && !options.scope
      ? await planPruneOnce(aws, loaded.manifests, options.prune, pruneContext, registeringFamilies(result.actions))
      : undefined;
  const actions = result.actions.filter((a) => needed.has(a.key));
  return { manifests, problems, actions, revision, aws, calls, reader, isSecret, prune, pruneContext };
}

export async function applyOnce(plan: OneShotPlan): Promise<ApplyOutcome[]> {
  return (await applyOnceWithWrites(plan)).outcomes;
}

/**
 * As applyOnce, with the writes made (what `apply --wait` follows). A new revision gated by a
 * blocking preDeploy hook is refused: hooks run only in the controller.
 */
export async function applyOnceWithWrites(plan: OneShotPlan): Promise<ApplyResult> {
  const result = await applyPlan(plan.aws, refuseHookedDeploys(plan.actions, plan.manifests));
  plan.reader.recordWrites(result.writes);
  return result;
}

/** The commit a folder is at, for the ownership revision tag; "local" outside git. */
export async function gitRevision(path: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)("git", ["-C", path, "rev-parse", "--short=12", "HEAD"], { timeout: 5_000 });
    const dirty = await promisify(execFile)("git", ["-C", path, "status", "--porcelain", "--", "."], { timeout: 5_000 });
    return stdout.trim() + (dirty.stdout.trim() ? "-dirty" : "");
  } catch {
    return "local";
  }
}
