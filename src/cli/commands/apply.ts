import { assertNever } from "../../assert-never.js";
import type { Command } from "commander";
import { styleText } from "node:util";
import { applyOnceWithWrites } from "../../engine/one-shot.js";
import type { ApplyOutcome } from "../../engine/applier.js";
import type { PruneOutcome } from "../../engine/prune/apply.js";
import { addAwsOptions } from "../aws-options.js";
import type { AwsFlags } from "../aws-options.js";
import { ENV_OPTION_HELP } from "../environment-folder.js";
import { commandOutput } from "../print-problems.js";
import type { CommandOutput } from "../print-problems.js";
import { formatStats } from "../print-stats.js";
import { redactUrl } from "../../redact.js";
import { useColor, withPlan } from "../with-plan.js";
import { runDiff } from "./diff.js";
import { allSucceeded, renderRollouts, rolloutJson, waitForRollouts, waitTimeoutMs } from "../wait-rollouts.js";
import type { WaitFlags } from "../wait-rollouts.js";
import { addPruneOptions } from "../prune-options.js";
import { applyPruneOnce } from "../../engine/prune/one-shot.js";
import { renderOrphans, renderPruneOutcomes } from "../../engine/prune/render.js";

type ApplyFlags = AwsFlags & WaitFlags & { env?: string; dryRun?: boolean; stats?: boolean; output: string };

/** `ecs-gitops apply [path]`: one-shot reconcile. Exit 0 all applied, 1 any failed/blocked, 2 error. */
export function registerApply(program: Command): void {
  const command = program
    .command("apply")
    .description("one-shot reconcile: apply what differs, print what was done per resource")
    .argument("[path]", "folder of manifests", ".")
    .option("--dry-run", "plan only (same as diff)")
    .option("-o, --output <format>", "text or json", "text")
    .option("--stats", "print AWS calls by operation")
    .option("--env <name|path>", ENV_OPTION_HELP)
    .option("--wait", "follow each started deployment until it completes, fails or rolls back (exit 1 unless all complete)")
    .option("--wait-timeout <duration>", "give up waiting after this long (default 10m)");
  addPruneOptions(addAwsOptions(command)).action(async (path: string, flags: ApplyFlags, self: Command) => {
    const io = commandOutput(self);
    process.exitCode = flags.dryRun ? await runDiff(path, flags, io) : await runApply(path, flags, io);
  });
}

export async function runApply(path: string, flags: ApplyFlags, io: CommandOutput): Promise<number> {
  const timeoutMs = flags.wait ? waitTimeoutMs(flags) : 0;
  return withPlan(path, flags, io, async (plan) => {
    const startedAtMs = Date.now();
    const { outcomes, writes } = await applyOnceWithWrites(plan);
    // Deletes after every create and update (docs/prune.md#order).
    const pruned = plan.pruneContext ? await applyPruneOnce(plan.aws, plan.prune, plan.pruneContext) : [];
    const rollouts = flags.wait ? await waitForRollouts(plan.aws, writes, startedAtMs, { timeoutMs }) : [];
    if (flags.output === "json")
      io.out(
        JSON.stringify(
          {
            revision: plan.revision,
            outcomes: outcomes.map(toJson),
            pruned: pruned.map(toJson),
            ...(flags.wait ? { rollouts: rollouts.map(rolloutJson) } : {}),
          },
          null,
          2,
        ) + "\n",
      );
    else
      io.out(
        renderOutcomes(outcomes, useColor()) +
          renderPruneOutcomes(pruned, useColor()) +
          renderOrphans(plan.prune, useColor()) +
          (flags.wait ? renderRollouts(rollouts, useColor()) : ""),
      );
    if (flags.stats) io.err(formatStats(plan.calls.snapshot()));
    const prunedFailed = pruned.some((o) => o.outcome === "failed") || plan.prune?.blocked !== undefined;
    return prunedFailed || outcomes.some((o) => o.outcome === "failed" || o.outcome === "blocked") || !allSucceeded(rollouts) ? 1 : 0;
  });
}

function toJson(outcome: ApplyOutcome | PruneOutcome): object {
  return outcome.outcome === "failed"
    ? { ...outcome, error: { code: outcome.error.code, message: redactUrl(outcome.error.message) } }
    : outcome;
}

export function renderOutcomes(outcomes: readonly ApplyOutcome[], color: boolean): string {
  const paint = (c: Parameters<typeof styleText>[0], t: string) => (color ? styleText(c, t) : t);
  const lines: string[] = [];
  const count = { applied: 0, unchanged: 0, blocked: 0, failed: 0 };
  for (const o of outcomes) {
    count[o.outcome]++;
    const name = o.key.replace("/", " ");
    switch (o.outcome) {
      case "unchanged":
        break;
      case "applied":
        lines.push(`${paint("green", "✓")} ${name}: ${o.type} (${o.calls.join(", ")})${o.registeredArn ? ` → ${o.registeredArn}` : ""}`);
        break;
      case "blocked":
        lines.push(`${paint("magenta", "!")} ${name}: blocked: ${o.reason}\n    to fix: ${o.hint}`);
        break;
      case "failed":
        lines.push(
          `${paint("red", "✗")} ${name}: failed [${o.error.code}] ${redactUrl(o.error.message)}` +
            `${o.calls.length ? ` (after ${o.calls.join(", ")})` : ""}`,
        );
        break;
      default:
        assertNever(o, "apply outcome");
    }
  }
  lines.push(`Apply: ${count.applied} applied, ${count.unchanged} unchanged, ${count.blocked} blocked, ${count.failed} failed.`);
  return lines.join("\n") + "\n";
}
