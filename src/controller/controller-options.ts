import type { Logger } from "pino";
import type { ControllerConfig, IgnoreDifferencesRule } from "../config.js";
import { maskMatcher } from "../diff/mask.js";
import type { LeaseSettings } from "../lease/leasing.js";
import type { CommitLoadLimits } from "../source/commit-load.js";
import { parseRepoLocation } from "../source/repo-url.js";
import type { ReconcilerSettings } from "./reconciler.js";

export type ControllerOptions = {
  repo: string;
  /** Remote: default `main`. Local checkout: unset follows HEAD. */
  branch: string | undefined;
  path: string;
  /** Unset: ecs-gitops.yaml `interval` / `resync`, else 60 s / 5 min. */
  intervalMs: number | undefined;
  resyncMs: number | undefined;
  mode: "sync" | "observe";
  /** Unset: ecs-gitops.yaml `syncPolicy`, else the defaults (automated on, self-heal off). */
  automated: boolean | undefined;
  selfHeal: boolean | undefined;
  port: number;
  host?: string | undefined;
  /** Unset: ecs-gitops.yaml `owner`, else "ecs-gitops". */
  owner: string | undefined;
  region: string | undefined;
  endpoint: string | undefined;
  cluster: string | undefined;
  workDir: string;
  webhookSecret: string | undefined;
  /**
   * From env ECS_GITOPS_API_TOKEN only: the dashboard, /status and the API ask for it; the
   * state-changing API (suspend, resume) answers 404 without it.
   */
  apiToken?: string | undefined;
  alertWebhook: string | undefined;
  alertWebhookSecret: string | undefined;
  alertEventBus: string | undefined;
  /** Global ignore-differences from flags; the commit's ecs-gitops.yaml adds its own. */
  ignoreDifferences: readonly IgnoreDifferencesRule[];
  /** Bounded by ECS's 30 s stopTimeout. */
  shutdownTimeoutMs: number;
  progressPollMs: number;
  /** Bound on the bytes of manifests read from one commit; unset: 50 MiB. */
  maxCommitBytes?: number | undefined;
  /** Unset: ecs-gitops.yaml `syncPolicy.prune` (docs/prune.md). */
  prune?: boolean | undefined;
  /** `--allow-mass-delete`: the first prune the guards hold goes through, once. */
  allowMassDelete?: boolean | undefined;
  /** Time and heap bounds of one commit's load; unset: the defaults. */
  commitLoadLimits?: CommitLoadLimits | undefined;
  log: Logger;
  /** Client-side pacing: this share of AWS's published API rates, or false (emulators). */
  rateLimit: number | false;
  /** Tests: moto's per-account isolation header. */
  accountIdHeader?: string | undefined;
  /**
   * A source error no retry can fix (a missing or non-git `--repo`) before the source was ever
   * reached: the caller should stop the controller and exit rather than serve /healthz forever.
   */
  onFatal?: (error: Error) => void;
  /**
   * One controller of several environments in one process (src/controller/environments.ts):
   * no HTTP server of its own, metrics labelled with the environment and without the process
   * metrics, which the process serves once.
   */
  environment?: string | undefined;
  /** High availability: shard leases in DynamoDB (src/lease/). Unset: this process reconciles everything. */
  lease?: LeaseSettings | undefined;
  /**
   * The wall clock every part reads (reconciler, prune, deploys, hooks, source status), so a test
   * that sets it sees one time everywhere. Unset: the system clock.
   */
  now?: (() => Date) | undefined;
  /** Where the resync ticks fall within the period (reconciler and prune pass); unset: Math.random. */
  random?: (() => number) | undefined;
};

/** Flags and env win; ecs-gitops.yaml fills in what they leave unset (docs/design.md#settings). */
export function settingsFromConfig(o: ControllerOptions, config: ControllerConfig): Partial<ReconcilerSettings> {
  return {
    owner: o.owner ?? config.owner,
    automated: o.automated ?? config.syncPolicy.automated,
    selfHeal: o.selfHeal ?? config.syncPolicy.selfHeal,
    resyncMs: o.resyncMs ?? config.resyncMs,
    isSecret: maskMatcher(config.maskPatterns),
    prune: o.prune ?? config.syncPolicy.prune,
    maxDeletes: config.maxDeletes,
    revisionHistoryLimit: config.revisionHistoryLimit,
  };
}

export function pollIntervalMs(o: Pick<ControllerOptions, "intervalMs">, config: ControllerConfig): number {
  return o.intervalMs ?? config.intervalMs;
}

export function isRemote(repo: string): boolean {
  try {
    return parseRepoLocation(repo).type === "remote";
  } catch {
    return true; // not a local path either; start() reports it
  }
}
