import type { Manifest, Problem } from "../manifests/types.js";
import { plural } from "../text.js";

/**
 * `ecs-gitops validate --output json`: a stable document for CI and editors. Fields are only
 * ever added, never renamed or removed.
 *
 * ```json
 * {
 *   "ok": false,                                   // no problem of severity "error"
 *   "resources": [{ "key": "Service/shop/web", "file": "web/service.yaml", "line": 1 }],
 *   "problems": [{ "file": "web/task-definition.yaml", "line": 12, "column": 7,
 *                  "severity": "error", "code": "Semantic", "rule": "fargate-cpu-memory",
 *                  "key": "TaskDefinition/web", "message": "..." }]
 * }
 * ```
 * `file` paths are relative to the current directory; `rule` and `key` are null when unknown.
 */
export type ValidateDocument = {
  ok: boolean;
  resources: { key: string; file: string; line: number }[];
  problems: {
    file: string;
    line: number;
    column: number;
    severity: Problem["severity"];
    code: Problem["code"];
    rule: string | null;
    key: string | null;
    message: string;
  }[];
};

/** Turns a problem's root-relative file into what the user should see (relative to cwd). */
export type DisplayFile = (file: string) => string;

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === "error");
}

/** `path:line:col  error  message  [rule]`, one line per problem, in the given order. */
export function formatProblems(problems: readonly Problem[], displayFile: DisplayFile): string {
  return problems.map((p) => `${displayFile(p.file)}:${p.line}:${p.column}  ${p.severity}  ${p.message}  [${p.rule ?? p.code}]\n`).join("");
}

/** `3 errors in 2 files` or `ok: 12 resources in 5 files`. */
export function formatSummary(problems: readonly Problem[], resourceCount: number, fileCount: number): string {
  const errors = problems.filter((p) => p.severity === "error");
  const warnings = problems.filter((p) => p.severity === "warning").length;
  const notes = problems.filter((p) => p.severity === "note").length;
  const others = [warnings > 0 ? plural(warnings, "warning") : "", notes > 0 ? `${plural(notes, "document")} skipped` : ""].filter(Boolean);
  const warningText = others.length > 0 ? ` (${others.join(", ")})` : "";
  if (errors.length > 0)
    return `${plural(errors.length, "error")} in ${plural(new Set(errors.map((p) => p.file)).size, "file")}${warningText}\n`;
  return `ok: ${plural(resourceCount, "resource")} in ${plural(fileCount, "file")}${warningText}\n`;
}

export function toValidateDocument(
  manifests: readonly Manifest[],
  problems: readonly Problem[],
  displayFile: DisplayFile,
): ValidateDocument {
  return {
    ok: !hasErrors(problems),
    resources: manifests.map((m) => ({ key: m.key, file: displayFile(m.file), line: m.position.line })),
    problems: problems.map((p) => ({
      file: displayFile(p.file),
      line: p.line,
      column: p.column,
      severity: p.severity,
      code: p.code,
      rule: p.rule ?? null,
      key: p.key ?? null,
      message: p.message,
    })),
  };
}
