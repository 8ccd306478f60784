import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { CallAccounting, createAwsClients, resolveRegion } from "../aws/index.js";
import type { AwsClients } from "../aws/index.js";
import type { Manifest, Problem } from "../manifests/types.js";
import { loadDesiredState } from "../resources/load.js";
import type { Action } from "../resources/types.js";
import { applyPlan } from "./applier.js";
import type { ApplyOutcome } from "./applier.js";
import { LiveReader } from "./live-state.js";
import { identifyRepository } from "./repo-identity.js";
import type { IgnoreRule, PlanSettings } from "./planner.js";

export type OneShotOptions = {
  path: string;
  /** Unset: the SDK chain (AWS_REGION, profile). */
  region?: string | undefined;
  endpoint?: string | undefined;
  cluster?: string | undefined;
  owner: string;
  ignoreRules?: readonly IgnoreRule[];
  /** Tests: isolate with moto's per-request account header. */
  accountIdHeader?: string | undefined;
  maxAttempts?: number | undefined;
  /** Client-side pacing (clients.ts `rateLimit`): a share of AWS's rates, or false for emulators. */
  rateLimit?: number | false | undefined;
};

export type OneShotPlan = {
  manifests: Manifest[];
  problems: Problem[];
  actions: Action[];
  revision: string;
  aws: AwsClients;
  calls: CallAccounting;
  reader: LiveReader;
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
  const { manifests, problems } = await loadDesiredState(options.path, { defaultCluster: options.cluster });
  const revision = await gitRevision(options.path);
  const errors = problems.filter((p) => p.severity === "error");
  if (errors.length > 0) return { manifests, problems, actions: [], revision, aws, calls, reader };
  const settings: PlanSettings = {
    owner: options.owner,
    repo: await identifyRepository(options.path, false),
    revision,
    region: options.region ?? (await resolveRegion(aws)),
    defaultCluster: options.cluster,
    ignoreRules: options.ignoreRules ?? [],
  };
  const { result } = await reader.plan(manifests, settings);
  return { manifests, problems, actions: result.actions, revision, aws, calls, reader };
}

export async function applyOnce(plan: OneShotPlan): Promise<ApplyOutcome[]> {
  return applyPlan(plan.aws, plan.actions, {
    onCall: (_key, call, output) => plan.reader.recordWrite(call, output),
    onFailedCall: (_key, call) => plan.reader.recordFailedWrite(call),
  });
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
