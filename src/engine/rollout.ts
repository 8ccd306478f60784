import { describeServices } from "../aws/index.js";
import type { AwsClients } from "../aws/index.js";
import { isJsonObject } from "../json.js";
import type { JsonObject } from "../json.js";
import type { ResourceKey } from "../manifests/types.js";
import { judgeRollout, startedDeployment } from "../resources/service/rollout.js";
import type { AppliedWrite } from "./applier.js";

/** One deployment a CreateService / UpdateService started, to follow until it settles. */
export type RolloutTarget = {
  key: ResourceKey;
  cluster: string;
  service: string;
  /** The deployment the write's answer named as PRIMARY (undefined: judge whatever is PRIMARY). */
  deploymentId?: string | undefined;
  /** The revision the service was pointed at. */
  revision?: string | undefined;
  startedAtMs: number;
};

export type RolloutOutcome = "succeeded" | "failed" | "rolledBack" | "timedOut";

export type RolloutResult = RolloutTarget & { outcome: RolloutOutcome; reason?: string | undefined; finishedAtMs: number };

export type FollowOptions = {
  timeoutMs: number;
  /** Between two looks at the pending services. Default 5 s. */
  pollMs?: number | undefined;
  /** Tests: a clock and a sleep that need not wait. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
};

export const DEFAULT_WAIT_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_ROLLOUT_POLL_MS = 5_000;
const CLOCK_SKEW_MS = 60_000;

/** The deployments our writes started: one per service whose CreateService / UpdateService answered. */
export function rolloutTargets(writes: readonly AppliedWrite[], startedAtMs: number): RolloutTarget[] {
  const targets = new Map<ResourceKey, RolloutTarget>();
  for (const write of writes) {
    if (!("output" in write)) continue;
    if (write.call.operation !== "ecs:CreateService" && write.call.operation !== "ecs:UpdateService") continue;
    const service = write.output["service"];
    if (!isJsonObject(service)) continue;
    const target = targetOf(write.key, service, startedAtMs);
    if (target !== undefined) targets.set(write.key, target);
  }
  return [...targets.values()];
}

/** The follow-up target for a service object an UpdateService / CreateService answered with. */
export function targetOf(key: ResourceKey, service: JsonObject, startedAtMs: number): RolloutTarget | undefined {
  const started = startedDeployment(service);
  return started === undefined ? undefined : { key, ...started, startedAtMs };
}

/**
 * Follow deployments until each COMPLETED, FAILED (rolled back or not) or the timeout passed. Each
 * look reads every pending service of a cluster together, 10 per DescribeServices call, so
 * following N services costs ⌈N/10⌉ calls per look, never N.
 */
export async function followRollouts(aws: AwsClients, targets: readonly RolloutTarget[], options: FollowOptions): Promise<RolloutResult[]> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + options.timeoutMs;
  const done = new Map<ResourceKey, RolloutResult>();
  let pending = [...targets];
  for (;;) {
    const looked = await lookOnce(aws, pending);
    for (const [key, result] of looked) done.set(key, result);
    pending = pending.filter((t) => !done.has(t.key));
    if (pending.length === 0) break;
    if (now() >= deadline) {
      for (const t of pending)
        done.set(t.key, {
          ...t,
          outcome: "timedOut",
          reason: `not settled after ${Math.round(options.timeoutMs / 1000)} s`,
          finishedAtMs: now(),
        });
      break;
    }
    await sleep(Math.min(options.pollMs ?? DEFAULT_ROLLOUT_POLL_MS, Math.max(0, deadline - now())));
  }
  return targets.map((t) => done.get(t.key)!);
}

/** One batched look: the targets that settled, with their outcome. */
async function lookOnce(aws: AwsClients, targets: readonly RolloutTarget[]): Promise<Map<ResourceKey, RolloutResult>> {
  const settled = new Map<ResourceKey, RolloutResult>();
  const byCluster = new Map<string, RolloutTarget[]>();
  for (const t of targets) byCluster.set(t.cluster, [...(byCluster.get(t.cluster) ?? []), t]);
  for (const [cluster, group] of byCluster) {
    const described = await describeServices(
      aws,
      cluster,
      group.map((t) => t.service),
    );
    for (const t of group) {
      const result = settle(t, described.services.get(t.service));
      if (result !== undefined) settled.set(t.key, result);
    }
  }
  return settled;
}

/** The result for a target given its service as read now; undefined while it still rolls out. */
export function settle(target: RolloutTarget, service: JsonObject | undefined, nowMs = Date.now()): RolloutResult | undefined {
  // Our clock and AWS's may differ: read the events from a little before we wrote.
  const verdict = judgeRollout(service, target.deploymentId, target.startedAtMs - CLOCK_SKEW_MS);
  if (verdict.state === "inProgress") return undefined;
  return {
    ...target,
    revision: target.revision ?? verdict.revision,
    outcome: verdict.state,
    reason: verdict.reason,
    finishedAtMs: verdict.finishedAtMs !== undefined && verdict.finishedAtMs >= target.startedAtMs ? verdict.finishedAtMs : nowMs,
  };
}
