import { styleText } from "node:util";
import type { AwsClients } from "../aws/index.js";
import { parseDuration } from "../config.js";
import type { AppliedWrite } from "../engine/applier.js";
import { DEFAULT_WAIT_TIMEOUT_MS, followRollouts, rolloutTargets } from "../engine/rollout.js";
import type { FollowOptions, RolloutResult, RolloutTarget } from "../engine/rollout.js";
import { redactUrl } from "../redact.js";

export type WaitFlags = { wait?: boolean; waitTimeout?: string };

/** `--wait-timeout` in ms (default 10m); throws InvalidConfig naming the flag. */
export function waitTimeoutMs(flags: WaitFlags): number {
  return flags.waitTimeout === undefined ? DEFAULT_WAIT_TIMEOUT_MS : parseDuration(flags.waitTimeout, "--wait-timeout");
}

/** Follow the deployments `writes` started; the results by resource key (writes run concurrently, so their order varies). */
export async function waitForRollouts(
  aws: AwsClients,
  writes: readonly AppliedWrite[],
  startedAtMs: number,
  options: FollowOptions,
): Promise<RolloutResult[]> {
  const targets = rolloutTargets(writes, startedAtMs);
  const results = targets.length === 0 ? [] : await followRollouts(aws, targets, options);
  return [...results].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Follow deployments started by other means (restart, rollback). */
export async function waitForRolloutTargets(
  aws: AwsClients,
  targets: readonly RolloutTarget[],
  options: FollowOptions,
): Promise<RolloutResult[]> {
  return targets.length === 0 ? [] : followRollouts(aws, targets, options);
}

/** Every followed deployment completed. */
export function allSucceeded(results: readonly RolloutResult[]): boolean {
  return results.every((r) => r.outcome === "succeeded");
}

export function renderRollouts(results: readonly RolloutResult[], color: boolean): string {
  const paint = (c: Parameters<typeof styleText>[0], t: string) => (color ? styleText(c, t) : t);
  const lines = results.map((r) => {
    const seconds = Math.max(0, Math.round((r.finishedAtMs - r.startedAtMs) / 1000));
    const mark = r.outcome === "succeeded" ? paint("green", "✓") : paint("red", "✗");
    const reason = r.reason === undefined || r.outcome === "succeeded" ? "" : `: ${redactUrl(r.reason)}`;
    return `${mark} ${r.key.replace("/", " ")}: rollout ${r.outcome} after ${seconds} s${r.revision ? ` (${r.revision})` : ""}${reason}`;
  });
  const failed = results.filter((r) => r.outcome !== "succeeded").length;
  lines.push(`Rollouts: ${results.length - failed} completed, ${failed} not completed.`);
  return lines.join("\n") + "\n";
}

export function rolloutJson(r: RolloutResult): object {
  return {
    key: r.key,
    outcome: r.outcome,
    revision: r.revision,
    deploymentId: r.deploymentId,
    durationS: Math.max(0, Math.round((r.finishedAtMs - r.startedAtMs) / 1000)),
    ...(r.reason === undefined ? {} : { reason: redactUrl(r.reason) }),
  };
}
