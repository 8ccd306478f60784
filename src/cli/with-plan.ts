import { destroyAwsClients } from "../aws/index.js";
import { planOnce } from "../engine/one-shot.js";
import type { OneShotPlan } from "../engine/one-shot.js";
import { isEcsGitopsError } from "../errors.js";
import { redactUrl } from "../redact.js";
import { resolveOneShotOptions } from "./aws-options.js";
import type { AwsFlags } from "./aws-options.js";
import { resolveEnvTarget } from "./environment-folder.js";
import { printProblems } from "./print-problems.js";
import type { CommandOutput } from "./print-problems.js";

/**
 * What `diff` and `apply` share: resolve options, load and validate (problems → exit 2 before any
 * AWS call), plan against live AWS, hand the plan to `use`, and always close the clients.
 */
export async function withPlan(
  path: string,
  flags: AwsFlags & { output: string; env?: string | undefined },
  io: CommandOutput,
  use: (plan: OneShotPlan) => Promise<number>,
): Promise<number> {
  if (flags.output !== "text" && flags.output !== "json") {
    io.err(`error: --output must be "text" or "json", got "${flags.output}"\n`);
    return 2;
  }
  const resolved = await resolveEnvTarget(path, flags.env);
  if ("error" in resolved) {
    io.err(`error: ${resolved.error}\n`);
    return 2;
  }
  const options = await resolveOneShotOptions(resolved.target, flags);
  if ("problems" in options) {
    printProblems(options.problems, options.root, flags.output, io);
    return 2;
  }
  let plan: OneShotPlan | undefined;
  try {
    plan = await planOnce(options);
    if (plan.problems.some((p) => p.severity === "error")) {
      printProblems(plan.problems, options.path, flags.output, io);
      return 2;
    }
    return await use(plan);
  } catch (error) {
    // AWS read failures (credentials, AccessDenied, unreachable endpoint) are already classified.
    const code = isEcsGitopsError(error) ? ` [${error.code}]` : "";
    io.err(`error${code}: ${redactUrl(error instanceof Error ? error.message : String(error))}\n`);
    return 2;
  } finally {
    if (plan) destroyAwsClients(plan.aws);
  }
}

export function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env["NO_COLOR"];
}
