import path from "node:path";
import type { Problem } from "../manifests/types.js";
import { formatProblems, formatSummary } from "./format-problems.js";

export type CommandOutput = { out: (text: string) => void; err: (text: string) => void };

/** Problems found before any AWS call, as `validate` prints them (stderr for text, stdout for json). */
export function printProblems(problems: readonly Problem[], root: string, format: string, io: CommandOutput): void {
  const displayFile = (file: string) => path.relative(process.cwd(), path.resolve(root, file)).split(path.sep).join("/") || ".";
  if (format === "json") {
    io.out(JSON.stringify({ ok: false, problems: problems.map((p) => ({ ...p, file: displayFile(p.file) })) }, null, 2) + "\n");
    return;
  }
  io.err(formatProblems(problems, displayFile) + formatSummary(problems, 0, new Set(problems.map((p) => p.file)).size));
}

/** The command's configured output (so in-process callers capture it), else the process streams. */
export function commandOutput(command: {
  configureOutput(): { writeOut?: (s: string) => void; writeErr?: (s: string) => void };
}): CommandOutput {
  const output = command.configureOutput();
  return {
    out: (text) => (output.writeOut ? output.writeOut(text) : void process.stdout.write(text)),
    err: (text) => (output.writeErr ? output.writeErr(text) : void process.stderr.write(text)),
  };
}
