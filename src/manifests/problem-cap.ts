import type { Problem } from "./types.js";

/**
 * The YAML errors one file keeps: the first ones, then one problem that counts the rest. A 4 KiB file of
 * tabs or repeated keys raises ~2,000 YAML errors; 500 such files built a million problems (700+
 * MiB, 20 s) and /status would render them all. The first few say what is wrong; the count says how
 * much (docs/controller-memory.md#problems-per-file-and-per-load).
 */
export const MAX_FILE_PROBLEMS = 20;

/** The error that stands for `count` more of a file's YAML errors, located at its first one. */
export function unlisted(first: Problem, count: number, max = MAX_FILE_PROBLEMS): Problem {
  return {
    file: first.file,
    line: first.line,
    column: first.column,
    severity: "error",
    code: first.code,
    message: `${count} more problems in this file (only the first ${max} are listed): fix these, push, and the next ones show`,
  };
}
