import { expect } from "vitest";
import type { CallSnapshot } from "../../src/aws/call-accounting.js";
import { destroyAwsClients } from "../../src/aws/index.js";
import { applyOnce, planOnce } from "../../src/engine/one-shot.js";
import type { OneShotOptions } from "../../src/engine/one-shot.js";

/** The write operations a run made and how many logical calls of each (`ecs:CreateService` → 2). */
export function writesOf(calls: CallSnapshot): Record<string, number> {
  return Object.fromEntries(
    Object.entries(calls.byOperation)
      .filter(([, s]) => s.kind === "write")
      .map(([op, s]) => [op, s.calls]),
  );
}

/**
 * One `ecs-gitops apply` in-process: plans (the manifests must hold no error), applies and closes
 * its clients. What it planned, the outcomes, and the AWS calls it cost.
 */
export async function syncOnce(options: OneShotOptions) {
  const plan = await planOnce(options);
  try {
    expect(plan.problems.filter((p) => p.severity === "error")).toEqual([]);
    const outcomes = await applyOnce(plan);
    const calls = plan.calls.snapshot();
    return { plan, actions: plan.actions, outcomes, calls, writes: writesOf(calls) };
  } finally {
    destroyAwsClients(plan.aws);
  }
}
