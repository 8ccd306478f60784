import path from "node:path";
import { Option } from "commander";
import type { Command } from "commander";
import { checkCluster, loadConfigFile, maxCommitBytesFromEnv } from "../../config.js";
import { sourceName } from "../aws-options.js";
import { inScope, locateManifestRoot } from "../../source/manifest-root.js";
import { loadDesiredState, sortProblems } from "../../resources/load.js";
import { ENV_OPTION_HELP, resolveEnvTarget } from "../environment-folder.js";
import { formatProblems, formatSummary, hasErrors, toValidateDocument } from "../format-problems.js";

export type ValidateFlags = { output: "text" | "json"; cluster?: string; env?: string | undefined };
export type CommandIo = { out: (text: string) => void; cwd: string };

/** `ecs-gitops validate [path]`: offline schema and semantic checks; no AWS call. */
export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description("check manifests offline (schema and semantic checks, no AWS call): exit 0 clean, 1 errors, 2 usage error")
    .argument("[path]", "folder (or single file) of manifests", ".")
    .addOption(
      new Option("-o, --output <format>", "text, or json (a stable document: { ok, resources, problems })")
        .choices(["text", "json"])
        .default("text"),
    )
    .option("--env <name|path>", ENV_OPTION_HELP)
    .option(
      "--cluster <name>",
      "default cluster for resources that name none (env ECS_GITOPS_CLUSTER; overrides `cluster` in ecs-gitops.yaml)",
    )
    .action(async (target: string, flags: ValidateFlags, command: Command) => {
      // Commander's configured output, so that an in-process caller can capture what is printed.
      const output = command.configureOutput();
      const out = (text: string) => (output.writeOut ? output.writeOut(text) : process.stdout.write(text));
      // Same precedence as the other commands: flag, then ECS_GITOPS_CLUSTER, then ecs-gitops.yaml.
      const cluster = checkCluster(
        flags.cluster ?? (process.env["ECS_GITOPS_CLUSTER"] || undefined),
        sourceName(flags.cluster, "--cluster", process.env, ["ECS_GITOPS_CLUSTER"]),
      );
      const resolved = await resolveEnvTarget(target, flags.env);
      if ("error" in resolved) {
        out(`error: ${resolved.error}\n`);
        process.exitCode = 2;
        return;
      }
      process.exitCode = await runValidate(
        resolved.target,
        { output: flags.output, ...(cluster === undefined ? {} : { cluster }) },
        { out, cwd: process.cwd() },
      );
    });
}

/** Validate the manifests at `target`; returns the exit code (0 clean, 1 any error). */
export async function runValidate(target: string, flags: ValidateFlags, io: CommandIo): Promise<number> {
  // A file or subfolder is checked within its manifests root, as diff and apply plan it: its
  // references may point next door and ecs-gitops.yaml sets the default cluster.
  const located = await locateManifestRoot(target);
  const { config, problems: configProblems } = await loadConfigFile(located.root);
  const defaultCluster = flags.cluster ?? config.cluster;
  const loaded = await loadDesiredState(located.root, {
    defaultCluster,
    maxCommitBytes: maxCommitBytesFromEnv(),
    allEnvironments: true,
    offline: true,
  });
  const inside = (file: string) => file === "." || inScope(located.scope, file);
  const result = {
    manifests: loaded.manifests.filter((m) => inside(m.file)),
    problems: loaded.problems.filter((p) => inside(p.file)),
    files: loaded.files.filter(inside),
  };
  const problems = sortProblems([...configProblems, ...result.problems]);
  // Problem and manifest files are relative to the manifests root.
  const displayFile = (file: string) =>
    path
      .relative(io.cwd, path.resolve(io.cwd, located.root, file))
      .split(path.sep)
      .join("/") || ".";
  if (flags.output === "json") {
    io.out(JSON.stringify(toValidateDocument(result.manifests, problems, displayFile), null, 2) + "\n");
  } else {
    io.out(formatProblems(problems, displayFile) + formatSummary(problems, result.manifests.length, result.files.length));
  }
  return hasErrors(problems) ? 1 : 0;
}
