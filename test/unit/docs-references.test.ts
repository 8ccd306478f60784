import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// A comment is only useful if a reader of a fresh clone can follow it: every document, file and
// anchor it names must be in the repository, and every normalization rule id must be defined in
// docs/normalization.md. This test walks the tree, so a new stale reference fails it at once.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SELF = path.relative(ROOT, fileURLToPath(import.meta.url));
const SCANNED = ["src", "test", "bench", "scripts", "docs", "ui", "README.md", "eslint.config.js"];
const TEXT_FILE = /\.(?:ts|tsx|js|mjs|cjs|py|sh|md)$/;
/** Generated or installed trees: nobody writes references there. */
const SKIPPED_DIRS = new Set(["node_modules", "dist", "results"]);
const RULE_DOC = "docs/normalization.md";
/** `[A-Z]{2,3}-<n>` tokens that are standards, not rule ids. */
const NOT_RULE_PREFIXES = new Set(["SHA", "UTF", "ISO", "RFC", "AES"]);

type Problem = string;

/**
 * Names a comment may use without the repository holding such a file: files the user writes or
 * the controller creates at run time, the runtime's name, a built asset's name.
 */
const NOT_REPO_FILES = new Set([
  "task-definition.json",
  "docker-compose.yml",
  "history.json",
  "episodes.json",
  "suspended.json",
  "Node.js",
  "index-3fA9c.js",
]);
/** Every file in the repository (tracked, or new and not ignored), as a path from the root. */
const REPO_FILES = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" })
  .split("\n")
  .filter(Boolean);

function listFiles(entry: string): string[] {
  const full = path.join(ROOT, entry);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return TEXT_FILE.test(entry) ? [entry] : [];
  return readdirSync(full, { withFileTypes: true }).flatMap((d) => {
    const rel = path.join(entry, d.name);
    if (d.isDirectory()) return SKIPPED_DIRS.has(d.name) ? [] : listFiles(rel);
    return TEXT_FILE.test(d.name) ? [rel] : [];
  });
}

/** Blank out URLs (keeping offsets): a path inside a link to another site is that site's. */
function withoutUrls(text: string): string {
  return text.replace(/\b(?:https?|file):\/\/[^\s)>\]"'`]+/g, (url) => " ".repeat(url.length));
}

function lineAt(text: string, index: number): number {
  return text.slice(0, index).split("\n").length;
}

/** GitHub's heading anchors (lower case, punctuation dropped, spaces → "-", repeats numbered) plus explicit ids. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading?.[1] !== undefined) {
      const base = heading[1]
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-");
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const m of line.matchAll(/\bid="([^"]+)"/g)) if (m[1] !== undefined) anchors.add(m[1]);
  }
  return anchors;
}

/** A markdown file cited with `#anchor` must have that anchor. */
function checkAnchor(file: string, line: number, target: string, anchor: string | undefined): Problem[] {
  if (anchor === undefined || !target.endsWith(".md")) return [];
  if (anchorsOf(readFileSync(path.join(ROOT, target), "utf8")).has(anchor)) return [];
  return [`${file}:${line}: cites ${target}#${anchor}, but ${target} has no heading with that anchor`];
}

/** Where `cited` points from `file`: the repository root or the citing file's folder. Undefined: nowhere in the repo. */
function resolveCitation(file: string, cited: string): string | undefined {
  for (const base of [".", path.dirname(file)]) {
    const rel = path.normalize(path.join(base, cited));
    if (!rel.startsWith("..") && !path.isAbsolute(rel) && existsSync(path.join(ROOT, rel))) return rel;
  }
  return undefined;
}

/** Documents, repository files and anchors a file cites that the repository does not have. */
export function brokenCitations(file: string, text: string): Problem[] {
  const problems: Problem[] = [];
  const scanned = withoutUrls(text);
  for (const m of scanned.matchAll(/(?<![\w/.-])(?:\.{1,2}\/)*shared\/[\w./-]*/g)) {
    problems.push(`${file}:${lineAt(scanned, m.index)}: cites "${m[0]}", a folder outside the repository; cite docs/ instead`);
  }
  for (const m of scanned.matchAll(/§\s*\d[\d.–-]*/g)) {
    const where = `${file}:${lineAt(scanned, m.index)}`;
    problems.push(`${where}: cites section "${m[0]}" of a numbered document the repository lacks; cite docs/<page>.md#<anchor>`);
  }
  // Markdown documents, however they are named, and repository files with a path from the root.
  const markdown = String.raw`(?:\.{1,2}\/)*[\w.-]+(?:\/[\w.-]+)*\.md`;
  const repoFile = String.raw`(?:src|test|bench|scripts|docs|examples|manifests)\/[\w./-]+\.(?:ts|py|json|ya?ml)`;
  const citation = new RegExp(String.raw`(?<![\w/.-])(${markdown}|${repoFile})(?:#([\w-]+))?`, "g");
  for (const m of scanned.matchAll(citation)) {
    const cited = m[1] ?? "";
    if (/(^|\/)\.{0,2}shared\//.test(cited)) continue;
    const line = lineAt(scanned, m.index);
    const target = resolveCitation(file, cited);
    if (target === undefined) {
      problems.push(`${file}:${line}: cites ${cited}, which is not in the repository: cite a file under docs/ or write the fact there`);
    } else problems.push(...checkAnchor(file, line, target, m[2]));
  }
  // In-page links of markdown files.
  if (file.endsWith(".md")) {
    const own = anchorsOf(text);
    for (const m of scanned.matchAll(/\]\(#([\w-]+)\)/g)) {
      if (own.has(m[1] ?? "")) continue;
      problems.push(`${file}:${lineAt(scanned, m.index)}: links to #${m[1]}, which is not a heading of this page`);
    }
  }
  return problems;
}

/** The comments of a source file (line and block, offsets kept); all of a markdown file. */
export function commentsOf(file: string, text: string): string {
  if (file.endsWith(".md")) return text;
  const comment = file.endsWith(".py") || file.endsWith(".sh") ? /#[^\n]*/g : /\/\/[^\n]*|\/\*[\s\S]*?\*\//g;
  let kept = text.replace(/[^\n]/g, " ");
  for (const m of text.matchAll(comment)) kept = kept.slice(0, m.index) + m[0] + kept.slice(m.index + m[0].length);
  return kept;
}

/**
 * Source file names (`prune-tag.ts`, `aws/clients.ts`, `gen-schema.py`) a comment mentions that
 * no repository file's path ends with. A `.js` name may stand for the `.ts` file it compiles from.
 */
export function unknownFileNames(file: string, text: string, repoFiles: readonly string[]): Problem[] {
  const scanned = commentsOf(file, withoutUrls(text));
  const problems: Problem[] = [];
  // Not followed by `#17`: `owner/tool.py#17` is an issue of another project.
  for (const m of scanned.matchAll(/(?<![\w/.*<>{}$-])[\w][\w/.-]*\.(?:ts|tsx|js|mjs|py)(?![\w/-]|#\d)/g)) {
    // The build writes src/x.ts to dist/x.js.
    const name = m[0].replace(/^(?:\.{1,2}\/)+/, "").replace(/^dist\//, "src/");
    if (NOT_REPO_FILES.has(name)) continue;
    const candidates = name.endsWith(".js") ? [name, `${name.slice(0, -3)}.ts`, `${name.slice(0, -3)}.tsx`] : [name];
    if (candidates.some((c) => repoFiles.some((f) => f === c || f.endsWith(`/${c}`)))) continue;
    problems.push(
      `${file}:${lineAt(scanned, m.index)}: names ${m[0]}, but no file in the repository has that name: cite the file that holds it now`,
    );
  }
  return problems;
}

/** Rule ids (`TD-7`, `SV-13`, `EB-5`) a file uses. */
export function ruleIdsIn(text: string): { id: string; index: number }[] {
  return [...withoutUrls(text).matchAll(/\b([A-Z]{2,3})-(\d+)\b/g)]
    .filter((m) => !NOT_RULE_PREFIXES.has(m[1] ?? ""))
    .map((m) => ({ id: m[0], index: m.index }));
}

const files = SCANNED.flatMap(listFiles).filter((f) => f !== SELF);

describe("references in comments and docs", () => {
  it("scans the source, test, bench and script trees", () => {
    expect(files.filter((f) => f.startsWith("src/")).length).toBeGreaterThan(50);
    expect(files).toContain("README.md");
    expect(files).toContain(RULE_DOC);
  });

  it("cite only files and anchors that exist in the repository", () => {
    const problems = files.flatMap((f) => brokenCitations(f, readFileSync(path.join(ROOT, f), "utf8")));
    expect(problems).toEqual([]);
  });

  it("name only source files the repository has", () => {
    const problems = files.flatMap((f) => unknownFileNames(f, readFileSync(path.join(ROOT, f), "utf8"), REPO_FILES));
    expect(problems).toEqual([]);
  });

  it(`give every rule in ${RULE_DOC} both its evidence and its source`, () => {
    const sections = readFileSync(path.join(ROOT, RULE_DOC), "utf8").split(/^(?=#{1,4} )/m);
    const rules = sections.filter((section) => /^#### [A-Z]{2,3}-\d+\s/.test(section));
    expect(rules.length).toBeGreaterThan(40);
    const lacking = rules.flatMap((rule) => {
      const missing = ["Evidence", "Source"].filter((part) => !rule.includes(part));
      return missing.length === 0 ? [] : [`${rule.split("\n")[0]}: no ${missing.join(" and no ")}`];
    });
    expect(lacking).toEqual([]);
  });

  it(`use only rule ids that ${RULE_DOC} defines`, () => {
    const defined = anchorsOf(readFileSync(path.join(ROOT, RULE_DOC), "utf8"));
    const problems: Problem[] = [];
    for (const f of files.filter((file) => !file.startsWith("docs/"))) {
      const text = readFileSync(path.join(ROOT, f), "utf8");
      for (const { id, index } of ruleIdsIn(text)) {
        if (defined.has(id.toLowerCase())) continue;
        problems.push(`${f}:${lineAt(text, index)}: rule ${id} is not defined in ${RULE_DOC} (add a "#### ${id}" section there)`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe("the reference checker", () => {
  it.each([
    ["a document only the team has", "// see DESIGN.md", /DESIGN\.md, which is not in the repository/],
    ["a lower-case document that is missing", "// docs/nowhere.md", /docs\/nowhere\.md, which is not/],
    // Built from parts, so a plain search for the folder's path finds no citation in this file.
    ["the team's background folder", `// (${["..", "shared", "MOTO.md"].join("/")})`, /outside the repository/],
    ["a fixture folder outside the repository", "// via shared/fixtures", /outside the repository/],
    ["a source file that moved", "// see src/aws/nowhere.ts", /src\/aws\/nowhere\.ts, which is not/],
    ["a numbered section of an outside document", "// limits (§9.3)", /cites section "§9\.3"/],
    ["an anchor the page lacks", "// docs/scale.md#no-such-section", /has no heading with that anchor/],
  ])("flags %s", (_what, text, message) => {
    const problems = brokenCitations("src/x.ts", text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
    expect(problems[0]).toMatch(/^src\/x\.ts:1: /);
  });

  it.each([
    ["an existing page", "// docs/scale.md"],
    ["an existing page and heading", "// docs/scale.md#the-call-budget"],
    ["a page next to the citing markdown file", "[alerts](alerts.md)"],
    ["a path inside a URL", "https://github.com/awsdocs/guide/blob/main/doc_source/create-blue-green.md"],
    ["an import specifier", 'import { x } from "../aws/clients.js";'],
    ["a glob", "// src/resources/*/normalize.ts"],
  ])("accepts %s", (_what, text) => {
    expect(brokenCitations("docs/x.md", text)).toEqual([]);
  });

  it.each([
    ["a bare name no file has", "// the tag (prune-tag.ts)", "prune-tag.ts"],
    ["a partial path no file ends with", "/* see aws/nowhere.ts */", "aws/nowhere.ts"],
    ["a .js name with no .ts source", "// run old-entry.mjs first", "old-entry.mjs"],
    ["a python script that is gone", "# from gen-types.py", "gen-types.py", "scripts/x.py"],
  ])("flags %s", (_what, text, name, file = "src/x.ts") => {
    const problems = unknownFileNames(file, text, ["src/aws/clients.ts", "scripts/gen-schema.py"]);
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^${file}:1: names ${name.replace(".", "\\.")}, but no file`))]);
  });

  it.each([
    ["a bare name of a tracked file", "// see clients.ts"],
    ["the tail of its path", "// aws/clients.ts"],
    ["its compiled .js name", "// clients.js, dist/aws/clients.js"],
    ["a user-facing file name", "// the user's task-definition.json"],
    ["a name outside comments", 'const a = "x/nowhere.ts";'],
    ["another project's issue", "// cuttlesoft/ecs-deploy.py#17"],
  ])("accepts %s", (_what, text) => {
    expect(unknownFileNames("src/x.ts", text, ["src/aws/clients.ts"])).toEqual([]);
  });

  it("numbers repeated headings and ignores fenced code", () => {
    const anchors = anchorsOf('# A b\n## A b\n```\n# not a heading\n```\n### TD-7\n<a id="x-1"></a>\n## `code` · dot');
    expect([...anchors].sort()).toEqual(["code--dot", "a-b", "a-b-1", "td-7", "x-1"].sort());
  });

  it("finds rule ids but not standards", () => {
    expect(ruleIdsIn("// TD-21, SV-13 and EB-5, hashed with SHA-1 over UTF-8").map((r) => r.id)).toEqual(["TD-21", "SV-13", "EB-5"]);
  });
});
