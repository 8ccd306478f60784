import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/*
 * Rules with one owner: ARN and task definition reference shapes live in src/aws/arn.ts, timestamp
 * parsing in src/time.ts, resource keys in src/manifests/key-parts.ts (identity.ts checks the
 * kind), jitter formulas in src/jitter.ts. A second copy drifts from the first (one accepts
 * aws-cn, the other does not); this file finds copies by their syntax, in src/ and in the
 * dashboard's ui/src (which imports the pure owners), and names them by file:line.
 */

const ROOT = path.resolve(import.meta.dirname, "../..");
const SRC = path.join(ROOT, "src");
const ARN_OWNER = "src/aws/arn.ts";
const KEY_OWNER = "src/manifests/key-parts.ts";
const TIME_OWNER = "src/time.ts";
const JITTER_OWNER = "src/jitter.ts";
const UI_SRC = path.join(ROOT, "ui", "src");

type Finding = { where: string; rule: string; text: string };

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !e.name.endsWith(".d.ts"))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** An ARN or task definition reference written as a pattern (a `:7` revision suffix included). */
const ARN_PATTERN = /arn:|task-definition|:cluster\\?\/|:\(\\d\+\)\$/;
/** Names of values holding an ARN, a task definition reference or a resource key: their last segment is arn.ts / key-parts.ts work. */
const ARN_OR_KEY = /arn|key|taskDefinition/i;

/** `random()` or `Math.random()`. */
function isRandomCall(node: ts.Expression): boolean {
  const callee = ts.isCallExpression(node) ? node.expression : undefined;
  if (callee === undefined) return false;
  return (ts.isIdentifier(callee) && callee.text === "random") || (ts.isPropertyAccessExpression(callee) && callee.name.text === "random");
}

/** `new Date(x)` reads x as a moment; fine when x is a number of ms (arithmetic, a call, a `…Ms` name). */
function isEpochMsExpression(node: ts.Expression): boolean {
  if (ts.isParenthesizedExpression(node)) return isEpochMsExpression(node.expression);
  if (ts.isNumericLiteral(node) || ts.isCallExpression(node)) return true;
  if (ts.isBinaryExpression(node)) {
    const op = node.operatorToken.kind;
    if (op === ts.SyntaxKind.QuestionQuestionToken) return isEpochMsExpression(node.left) && isEpochMsExpression(node.right);
    return op === ts.SyntaxKind.PlusToken || op === ts.SyntaxKind.MinusToken || op === ts.SyntaxKind.AsteriskToken;
  }
  if (ts.isIdentifier(node)) return /Ms$|^ms$|^NaN$/.test(node.text);
  if (ts.isPropertyAccessExpression(node)) return /Ms$|^NaN$/.test(node.name.text);
  return false;
}

/** `x.lastIndexOf("/")`, `x.split("/")`: the last segment of x by hand. */
function slashCallOn(node: ts.Node, method: "lastIndexOf" | "split"): ts.Expression | undefined {
  if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression)) return undefined;
  const [arg] = node.arguments;
  if (node.expression.name.text !== method || arg === undefined || !ts.isStringLiteral(arg) || arg.text !== "/") return undefined;
  return node.expression.expression;
}

export function findCopies(file: string, text: string): Finding[] {
  const relative = path.relative(ROOT, file).split(path.sep).join("/");
  const kind = file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const found: Finding[] = [];
  const report = (node: ts.Node, rule: string) => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    found.push({ where: `${relative}:${line + 1}`, rule, text: node.getText(source).slice(0, 100) });
  };
  const visit = (node: ts.Node): void => {
    if (relative !== ARN_OWNER) {
      if (ts.isRegularExpressionLiteral(node) && ARN_PATTERN.test(node.text)) report(node, "ARN pattern outside src/aws/arn.ts");
      if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "RegExp") {
        const [arg] = node.arguments ?? [];
        if (arg !== undefined && ts.isStringLiteralLike(arg) && ARN_PATTERN.test(arg.text))
          report(node, "ARN pattern outside src/aws/arn.ts");
      }
      const sliced = slashCallOn(node, "lastIndexOf") ?? slashCallOn(node, "split");
      if (sliced !== undefined && relative !== KEY_OWNER && ARN_OR_KEY.test(sliced.getText(source)))
        report(node, "last segment of an ARN or resource key by hand (src/aws/arn.ts, src/manifests/key-parts.ts)");
    }
    if (
      relative !== JITTER_OWNER &&
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.AsteriskToken &&
      (isRandomCall(node.left) || isRandomCall(node.right))
    )
      report(node, "jitter formula outside src/jitter.ts (jittered, fullJitter)");
    if (relative !== TIME_OWNER) {
      if (
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(node.expression) &&
        node.expression.expression.getText(source) === "Date" &&
        node.expression.name.text === "parse"
      )
        report(node, "Date.parse outside src/time.ts (parseTimeMs, epochMs, parseDate)");
      if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "Date") {
        const args = node.arguments ?? [];
        if (args.length === 1 && !isEpochMsExpression(args[0]!)) report(node, "new Date(text) outside src/time.ts (parseDate, epochMs)");
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("one owner per rule", () => {
  it("src/ and ui/src parse ARNs, resource keys and timestamps and jitter only in their owner modules", async () => {
    const findings: Finding[] = [];
    const files = [...(await sourceFiles(SRC)), ...(await sourceFiles(UI_SRC))];
    expect(files.filter((f) => f.endsWith(".tsx")).length).toBeGreaterThan(0);
    for (const file of files) findings.push(...findCopies(file, await readFile(file, "utf8")));
    expect(findings.map((f) => `${f.where}: ${f.rule}: ${f.text}`)).toEqual([]);
  });

  it("src/aws imports nothing from the layers above it", async () => {
    const above = /from "\.\.\/(resources|diff|engine|controller|cli|state|manifests)\//;
    const offenders: string[] = [];
    for (const file of await sourceFiles(path.join(SRC, "aws")))
      (await readFile(file, "utf8")).split("\n").forEach((line, i) => {
        if (above.test(line)) offenders.push(`src/aws/${path.basename(file)}:${i + 1}: ${line.trim()}`);
      });
    expect(offenders).toEqual([]);
  });

  it("finds each kind of copy, with its line", () => {
    // Any file but an owner: the text is what counts.
    const file = path.join(SRC, "engine", "rollout.ts");
    const text = [
      "const a = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\\d{12}:cluster\\/.+$/;",
      'const b = new RegExp("task-definition/([^:]+)");',
      'const c = clusterArn.slice(clusterArn.lastIndexOf("/") + 1);',
      'const d = outcome.key.split("/").pop();',
      "const e = Date.parse(record.startedAt);",
      "const f = new Date(event.at);",
      "const g = new Date(now.getTime() + 1000), h = new Date(startedMs), i = new Date(), j = uri.split('/');",
    ].join("\n");
    expect(findCopies(file, text).map((f) => f.where)).toEqual([1, 2, 3, 4, 5, 6].map((n) => `src/engine/rollout.ts:${n}`));
    // The owners themselves may hold the rule.
    expect(findCopies(path.join(SRC, "aws", "arn.ts"), text.split("\n").slice(0, 4).join("\n"))).toEqual([]);
    expect(findCopies(path.join(SRC, "time.ts"), text.split("\n").slice(4).join("\n"))).toEqual([]);
  });

  it("finds a revision suffix by hand, a jitter formula, and copies in the dashboard's .tsx", () => {
    const text = [
      "const revision = Number(/:(\\d+)$/.exec(ref)?.[1] ?? 0);",
      "const delay = Math.floor(random() * Math.min(base * 2 ** n, cap));",
      "const spread = periodMs * (0.9 + Math.random() * 0.2);",
      'const tail = <span>{d.taskDefinition?.split("/").pop()}</span>;',
      'const cluster = row.key.split("/");',
      "const ok = random() < 0.5, twice = 2 * count;",
    ].join("\n");
    const page = path.join(ROOT, "ui", "src", "page.tsx");
    expect(findCopies(page, text).map((f) => f.where)).toEqual([1, 2, 3, 4, 5].map((n) => `ui/src/page.tsx:${n}`));
    expect(findCopies(path.join(SRC, "jitter.ts"), text.split("\n").slice(1, 3).join("\n"))).toEqual([]);
    expect(findCopies(path.join(SRC, "manifests", "key-parts.ts"), 'const parts = key.split("/");')).toEqual([]);
  });
});
