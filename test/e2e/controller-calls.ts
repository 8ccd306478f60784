import { parsePrometheus } from "./controller-harness.js";

/**
 * AWS calls per operation in a /metrics text (`ecs_gitops_aws_calls_total`, every type and
 * outcome summed): the same shape as the harness's `callsBetween`, so one budget serves both.
 */
export function awsCallsOf(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const sample of parsePrometheus(text).samples) {
    const operation = sample.labels["operation"];
    if (sample.name !== "ecs_gitops_aws_calls_total" || operation === undefined || sample.value === 0) continue;
    out[operation] = (out[operation] ?? 0) + sample.value;
  }
  return out;
}

/** Reconciles finished so far, every kind and result (`ecs_gitops_reconciles_total`). */
export function reconcilesOf(text: string): number {
  return parsePrometheus(text)
    .samples.filter((s) => s.name === "ecs_gitops_reconciles_total")
    .reduce((sum, s) => sum + s.value, 0);
}

/** Per-operation calls from `before` to `after` (operations with calls only). */
export function countsBetween(before: Readonly<Record<string, number>>, after: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [operation, n] of Object.entries(after)) if (n > (before[operation] ?? 0)) out[operation] = n - (before[operation] ?? 0);
  return out;
}

/** The per-operation sum of several budgets. */
export function plusCounts(...counts: ReadonlyArray<Readonly<Record<string, number>>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of counts) for (const [operation, n] of Object.entries(c)) out[operation] = (out[operation] ?? 0) + n;
  return out;
}
