import type { Command } from "commander";
import { renderPlan, hasChanges, toPlanDocument } from "../../diff/render.js";
import { planOnce } from "../../controller/one-shot.js";
import { addAwsOptions, resolveOneShotOptions } from "../aws-options.js";
import type { AwsFlags } from "../aws-options.js";
import { commandOutput, printProblems } from "../print-problems.js";
import type { CommandOutput } from "../print-problems.js";
import { formatStats } from "../print-stats.js";
import { destroyAwsClients } from "../../aws/index.js";

type DiffFlags = AwsFlags & { output: string; stats?: boolean };

/** `ecs-gitops diff [path]`: exit 0 no change, 1 changes, 2 error (as kubectl/argocd/flux). */
export function registerDiff(program: Command): void {
  const command = program
    .command("diff")
    .description("plan against live AWS and print what would change (exit 0 no change, 1 changes, 2 error)")
    .argument("[path]", "folder of manifests", ".")
    .option("-o, --output <format>", "text or json", "text")
    .option("--stats", "print AWS calls by operation");
  addAwsOptions(command).action(async (path: string, flags: DiffFlags, self: Command) => {
    process.exitCode = await runDiff(path, flags, commandOutput(self));
  });
}

export async function runDiff(path: string, flags: DiffFlags, io: CommandOutput): Promise<number> {
  if (flags.output !== "text" && flags.output !== "json") {
    io.err(`error: --output must be "text" or "json", got "${flags.output}"\n`);
    return 2;
  }
  const options = await resolveOneShotOptions(path, flags);
  if ("problems" in options) {
    printProblems(options.problems, path, flags.output, io);
    return 2;
  }
  const plan = await planOnce(options);
  try {
    if (plan.problems.some((p) => p.severity === "error")) {
      printProblems(plan.problems, path, flags.output, io);
      return 2;
    }
    if (flags.output === "json") io.out(JSON.stringify(toPlanDocument(plan.actions, plan.revision), null, 2) + "\n");
    else io.out(renderPlan(plan.actions, { color: useColor() }));
    if (flags.stats) io.err(formatStats(plan.calls.snapshot()));
    return hasChanges(plan.actions) ? 1 : 0;
  } finally {
    destroyAwsClients(plan.aws);
  }
}

export function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env["NO_COLOR"];
}
