import type { Command } from "commander";
import { renderPlan, hasChanges, toPlanDocument } from "../../diff/render.js";
import { addAwsOptions } from "../aws-options.js";
import type { AwsFlags } from "../aws-options.js";
import { ENV_OPTION_HELP } from "../env-option.js";
import { commandOutput } from "../print-problems.js";
import { useColor, withPlan } from "../with-plan.js";
import type { CommandOutput } from "../print-problems.js";
import { formatStats } from "../print-stats.js";

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
  addAwsOptions(command).action(async (path: string, flags: DiffFlags, self: Command) => {
    process.exitCode = await runDiff(path, flags, commandOutput(self));
  });
}

export async function runDiff(path: string, flags: DiffFlags, io: CommandOutput): Promise<number> {
  return withPlan(path, flags, io, async (plan) => {
    if (flags.output === "json") io.out(JSON.stringify(toPlanDocument(plan.actions, plan.revision, plan.isSecret), null, 2) + "\n");
    else io.out(renderPlan(plan.actions, { color: useColor(), isSecret: plan.isSecret }));
    if (flags.stats) io.err(formatStats(plan.calls.snapshot()));
    return hasChanges(plan.actions) ? 1 : 0;
  });
}
