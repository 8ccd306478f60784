#!/usr/bin/env -S node --optimize-for-size --max-semi-space-size=1 --v8-pool-size=1 --expose-gc
import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { registerApply } from "./commands/apply.js";
import { registerDiff } from "./commands/diff.js";
import { registerExport } from "./commands/export.js";
import { registerImport } from "./commands/import.js";
import { registerLeaseTable } from "./commands/lease-table.js";
import { registerHistory } from "./commands/history.js";
import { registerRender } from "./commands/render.js";
import { registerRestart } from "./commands/restart.js";
import { registerRollback } from "./commands/rollback.js";
import { registerRun } from "./commands/run.js";
import { registerRunTask } from "./commands/run-task.js";
import { registerStatus } from "./commands/status.js";
import { registerSuspend } from "./commands/suspend.js";
import { registerValidate } from "./commands/validate.js";
import { redactUrl } from "../redact.js";

/** Exit code for usage errors (unknown flag, bad value), as kubectl/argocd/flux; commander's own is 1. */
export const EXIT_USAGE = 2;

export type CliOutput = { out: (text: string) => void; err: (text: string) => void };

const processOutput: CliOutput = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** The `ecs-gitops` program. Each command lives in commands/<name>.ts as `registerX(program)`. */
export function buildProgram(raw: CliOutput = processOutput): Command {
  // Everything a command prints passes here: no password in a URL reaches the terminal or a CI log.
  const output: CliOutput = { out: (text) => raw.out(redactUrl(text)), err: (text) => raw.err(redactUrl(text)) };
  // Output and exitOverride are set before the commands are added: subcommands copy them.
  const program = new Command("ecs-gitops")
    .description("GitOps reconciling operator for Amazon ECS and EventBridge scheduled tasks")
    .version(readVersion())
    .configureOutput({ writeOut: output.out, writeErr: output.err })
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)");
  registerValidate(program);
  registerDiff(program);
  registerApply(program);
  registerRun(program);
  registerStatus(program);
  registerExport(program);
  registerImport(program);
  registerRender(program);
  registerLeaseTable(program);
  registerRestart(program);
  registerHistory(program);
  registerRollback(program);
  registerRunTask(program);
  registerSuspend(program);
  return program;
}

/** Run one command line; returns the exit code instead of exiting, so tests can run it in-process. */
export async function runCli(argv: readonly string[], output: CliOutput = processOutput): Promise<number> {
  const saved = process.exitCode;
  process.exitCode = undefined;
  try {
    await buildProgram(output).parseAsync([...argv], { from: "user" });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    // Commander has already printed its message; --help and --version exit 0.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
    output.err(`error: ${redactUrl(error instanceof Error ? error.message : String(error))}\n`);
    return EXIT_USAGE;
  } finally {
    process.exitCode = saved;
  }
}

function readVersion(): string {
  // src/cli/main.ts and dist/cli/main.js both sit two folders below package.json.
  const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  const version: unknown = (JSON.parse(text) as { version?: unknown }).version;
  return typeof version === "string" ? version : "0.0.0";
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = await runCli(process.argv.slice(2));
}
