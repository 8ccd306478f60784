import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * Label values, for the callers' benefit (prom-client types only the label names):
 * - `kind`: TaskDefinition | Service | ScheduledRule
 * - reconcile `result`: synced | waiting | retry | stalled (the ReconcileResult outcome)
 * - aws `type`: read | write; `outcome`: ok | error | throttled
 * - git fetch `result`: ok | error
 * - `sync`: Synced | OutOfSync | Unknown | Suspended; `health`: Healthy | Progressing | Degraded | Missing | Unknown
 */
export type ControllerMetrics = {
  registry: Registry;
  /** Observed once per reconcile of one resource key. */
  reconcileDuration: Histogram<"kind" | "result">;
  reconciles: Counter<"kind" | "result">;
  /** Logical AWS calls (after the SDK's own retries), by IAM-style operation (`ecs:UpdateService`). */
  awsCalls: Counter<"operation" | "type" | "outcome">;
  /** Incremented by GitRemoteSource on every real fetch (not on polls that found nothing new). */
  gitFetches: Counter<"result">;
  /** Kept by StatusStore: resources per kind, sync and health. */
  resources: Gauge<"kind" | "sync" | "health">;
  /** 1 for the commit in force (StatusStore.setCommit); the previous commit's series is removed. */
  currentCommit: Gauge<"sha">;
  /** Incremented by the loop whenever a source poll or checkout fails. */
  sourceErrors: Counter;
  /** Kept by StatusStore: manifest problems in the current commit. */
  manifestErrors: Gauge;
};

export type CreateMetricsOptions = {
  /** Node.js process metrics (CPU, memory, event loop lag, GC); on by default. */
  defaultMetrics?: boolean;
};

const DURATION_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** Registers the controller's metrics on a registry (a fresh one unless given; call once per registry). */
export function createMetrics(registry: Registry = new Registry(), options: CreateMetricsOptions = {}): ControllerMetrics {
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    reconcileDuration: new Histogram({
      name: "ecs_gitops_reconcile_duration_seconds",
      help: "Time to reconcile one resource, by kind and result.",
      labelNames: ["kind", "result"],
      buckets: DURATION_BUCKETS_S,
      registers,
    }),
    reconciles: new Counter({
      name: "ecs_gitops_reconciles_total",
      help: "Reconciles of one resource, by kind and result (synced, waiting, retry, stalled).",
      labelNames: ["kind", "result"],
      registers,
    }),
    awsCalls: new Counter({
      name: "ecs_gitops_aws_calls_total",
      help: "AWS API calls by operation, type (read, write) and outcome (ok, error, throttled).",
      labelNames: ["operation", "type", "outcome"],
      registers,
    }),
    gitFetches: new Counter({
      name: "ecs_gitops_git_fetches_total",
      help: "git fetches from the remote, by result (ok, error).",
      labelNames: ["result"],
      registers,
    }),
    resources: new Gauge({
      name: "ecs_gitops_resources",
      help: "Managed resources by kind, sync status and health.",
      labelNames: ["kind", "sync", "health"],
      registers,
    }),
    currentCommit: new Gauge({
      name: "ecs_gitops_current_commit_info",
      help: "The git commit in force (value 1, SHA as label).",
      labelNames: ["sha"],
      registers,
    }),
    sourceErrors: new Counter({
      name: "ecs_gitops_source_errors_total",
      help: "Failed polls or checkouts of the git source.",
      registers,
    }),
    manifestErrors: new Gauge({
      name: "ecs_gitops_manifest_errors",
      help: "Manifest problems (errors) in the current commit.",
      registers,
    }),
  };
}

/** Make `sha` the only series of ecs_gitops_current_commit_info. */
export function setCurrentCommit(metrics: Pick<ControllerMetrics, "currentCommit">, sha: string | undefined): void {
  metrics.currentCommit.reset();
  if (sha !== undefined) metrics.currentCommit.set({ sha }, 1);
}
