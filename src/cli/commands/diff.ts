import type { Command } from "commander";
import { renderPlan, hasChanges, toPlanDocument } from "../../plan/render.js";
import { addAwsOptions } from "../aws-options.js";
import type { AwsFlags } from "../aws-options.js";
import { ENV_OPTION_HELP } from "../environment-folder.js";
import { commandOutput } from "../print-problems.js";
import { useColor, withPlan } from "../with-plan.js";
import type { CommandOutput } from "../print-problems.js";
import { formatStats } from "../print-stats.js";
import { addPruneOptions } from "../prune-options.js";
import { pruneActionsToRun, renderOrphans } from "../../engine/prune/render.js";

import type { PrunePlan } from "../../engine/prune/types.js";

type DiffFlags = AwsFlags & { env?: string; output: string; stats?: boolean };

/** `ecs-gitops diff [path]`: exit 0 no change, 1 changes, 2 error (as kubectl/argocd/flux). */
export function registerDiff(program: Command): void {
  const command = program
    .command("diff")
    .description("plan against live AWS and print what would change (exit 0 no change, 1 changes, 2 error)")
    .argument("[path]", "folder of manifests", ".")
    .option("-o, --output <format>", "text or json", "text")
    .option("--stats", "print AWS calls by operation")
    .option("--env <name|path>", ENV_OPTION_HELP);
  addPruneOptions(addAwsOptions(command)).action(async (path: string, flags: DiffFlags, self: Command) => {
    process.exitCode = await runDiff(path, flags, commandOutput(self));
  });
}

function pruneDocument(prune: PrunePlan | undefined): object {
  return prune === undefined ? {} : { orphans: prune.orphans, prune: { enabled: prune.enabled, blocked: prune.blocked } };
}

export async function runDiff(path: string, flags: DiffFlags, io: CommandOutput): Promise<number> {
  return withPlan(path, flags, io, async (plan) => {
    // Deletes that would run are part of the plan; orphans prune leaves alone are listed after it.
    const actions = [...plan.actions, ...pruneActionsToRun(plan.prune)];
    if (flags.output === "json")
      io.out(JSON.stringify({ ...toPlanDocument(actions, plan.revision, plan.isSecret), ...pruneDocument(plan.prune) }, null, 2) + "\n");
    else io.out(renderPlan(actions, { color: useColor(), isSecret: plan.isSecret }) + renderOrphans(plan.prune, useColor()));
    if (flags.stats) io.err(formatStats(plan.calls.snapshot()));
    return hasChanges(actions) ? 1 : 0;
  });
}
