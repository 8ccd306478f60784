import { stat } from "node:fs/promises";
import path from "node:path";
import { Option } from "commander";
import type { Command } from "commander";
import { DEFAULT_CONFIG, loadConfigFile, maxCommitBytesFromEnv } from "../../config.js";
import { loadDesiredState, sortProblems } from "../../resources/load.js";
import { formatProblems, formatSummary, hasErrors, toValidateDocument } from "../format-problems.js";

export type ValidateFlags = { output: "text" | "json"; cluster?: string };
export type CommandIo = { out: (text: string) => void; cwd: string };

/** `ecs-gitops validate [path]`: offline schema and semantic checks; no AWS call. */
export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description("check manifests offline (schema and semantic checks, no AWS call): exit 0 clean, 1 errors, 2 usage error")
    .argument("[path]", "folder (or single file) of manifests", ".")
    .addOption(new Option("-o, --output <format>", "text, or json (a stable document: { ok, resources, problems })").choices(["text", "json"]).default("text"))
    .option("--cluster <name>", "default cluster for resources that name none (env ECS_GITOPS_CLUSTER; overrides `cluster` in ecs-gitops.yaml)")
    .action(async (target: string, flags: ValidateFlags, command: Command) => {
      // Commander's configured output, so that an in-process caller can capture what is printed.
      const output = command.configureOutput();
      const out = (text: string) => (output.writeOut ? output.writeOut(text) : process.stdout.write(text));
      // Same precedence as the other commands: flag, then ECS_GITOPS_CLUSTER, then ecs-gitops.yaml.
      const cluster = flags.cluster ?? (process.env["ECS_GITOPS_CLUSTER"] || undefined);
      process.exitCode = await runValidate(target, { output: flags.output, ...(cluster === undefined ? {} : { cluster }) }, { out, cwd: process.cwd() });
    });
}

/** Validate the manifests at `target`; returns the exit code (0 clean, 1 any error). */
export async function runValidate(target: string, flags: ValidateFlags, io: CommandIo): Promise<number> {
  const isFile = (await stat(target).catch(() => undefined))?.isFile() ?? false;
  // Problem and manifest files are relative to the manifests root (a single file's folder).
  const base = isFile ? path.dirname(target) : target;
  const { config, problems: configProblems } = isFile ? { config: DEFAULT_CONFIG, problems: [] } : await loadConfigFile(target);
  const defaultCluster = flags.cluster ?? config.cluster;
  const result = await loadDesiredState(target, { defaultCluster, maxCommitBytes: maxCommitBytesFromEnv() });
  const problems = sortProblems([...configProblems, ...result.problems]);
  const displayFile = (file: string) => path.relative(io.cwd, path.resolve(io.cwd, base, file)).split(path.sep).join("/") || ".";
  if (flags.output === "json") {
    io.out(JSON.stringify(toValidateDocument(result.manifests, problems, displayFile), null, 2) + "\n");
  } else {
    io.out(formatProblems(problems, displayFile) + formatSummary(problems, result.manifests.length, result.files.length));
  }
  return hasErrors(problems) ? 1 : 0;
}
