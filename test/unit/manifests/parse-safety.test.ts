import { describe, expect, it } from "vitest";
import { loadManifestFiles } from "../../../src/manifests/load.js";
import { parseManifestText } from "../../../src/manifests/parse.js";
import { MINIMAL_TASK_DEFINITION } from "../../support/minimal-manifest.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const TASK = MINIMAL_TASK_DEFINITION;

describe("self-referencing YAML anchors", () => {
  const recursive: [string, string, { line: number; column: number }][] = [
    ["a sequence holding itself", "a: &a [*a]\n", { line: 1, column: 8 }],
    ["a mapping holding itself", "a: &a {b: *a}\n", { line: 1, column: 11 }],
    ["a root sequence", "&x [1, *x]\n", { line: 1, column: 8 }],
    ["a block mapping", "spec: &s\n  inner:\n    again: *s\n", { line: 3, column: 12 }],
    ["two levels down", "- &a [1, [2, [3, *a]]]\n", { line: 1, column: 18 }],
    ["an inner anchor", "a: &a [&b [*b]]\n", { line: 1, column: 12 }],
    ["through a merge key", "base: &b\n  x: 1\n  more:\n    <<: *b\n", { line: 4, column: 9 }],
    ["as a mapping key", "a: &a\n  ? *a\n  : 1\n", { line: 2, column: 5 }],
  ];

  it.each(recursive)("is a located error for %s, not a stack overflow", (_name, text, at) => {
    const { documents, problems } = parseManifestText("loop.yaml", text);
    expect(documents).toEqual([]);
    expect(problems).toEqual([expect.objectContaining({ file: "loop.yaml", code: "AliasLimit", ...at })]);
  });

  it("costs only its own file: the other files of the commit still load", () => {
    const result = loadManifestFiles([
      { file: "loop.yaml", bytes: bytes(`${TASK.replace("name: web\n", "name: loop\n")}  x: &x [*x]\n`) },
      { file: "web.yaml", bytes: bytes(TASK) },
    ]);
    expect(result.manifests.map((m) => `${m.file} ${m.key}`)).toEqual(["web.yaml TaskDefinition/web"]);
    expect(result.problems.map((p) => [p.file, p.code, p.line, p.column])).toEqual([["loop.yaml", "AliasLimit", 10, 10]]);
  });

  it("still expands an ordinary alias to an earlier sibling", () => {
    const { documents, problems } = parseManifestText("ok.yaml", "a: &a [1, 2]\nb: *a\n");
    expect(problems).toEqual([]);
    expect(documents[0]!.value).toEqual({ a: [1, 2], b: [1, 2] });
  });
});

describe("locating problems", () => {
  it("locates each of 1,000 bad documents in one 12 KB file at its own line", () => {
    const text = "---\nkind: X\n".repeat(1_000);
    expect(text.length).toBe(12_000);
    const result = loadManifestFiles([{ file: "many.yaml", bytes: bytes(text) }]);
    const lines = new Set(result.problems.map((p) => p.line));
    // Every document's problems point into that document (its `kind` line or its start).
    for (let doc = 0; doc < 1_000; doc++) expect(lines.has(doc * 2 + 2), `document ${doc}`).toBe(true);
    expect(result.problems.every((p) => p.file === "many.yaml" && p.line >= 1 && p.column >= 1)).toBe(true);
  });

  it("points at the deepest existing part of a path, a scalar at its value and a collection at its key", () => {
    const { documents } = parseManifestText("f.yaml", "spec:\n  list:\n    - a: 1\n      b: [x, y]\n");
    const locate = documents[0]!.locate;
    expect(locate(["spec", "list", 0, "a"])).toMatchObject({ line: 3, column: 10 });
    expect(locate(["spec", "list", 0, "b", 1])).toMatchObject({ line: 4, column: 14 });
    expect(locate(["spec", "list"])).toMatchObject({ line: 2, column: 3 });
    expect(locate(["spec", "list", 0, "missing", "deeper"])).toMatchObject({ line: 3, column: 7 });
    expect(locate(["nothing"])).toMatchObject({ line: 1, column: 1 });
  });

  it("refuses nesting deeper than any manifest with a located error", () => {
    const depth = 300;
    const text = `${TASK}  junk: ${"[".repeat(depth)}1${"]".repeat(depth)}\n`;
    const { problems } = parseManifestText("deep.yaml", text);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.file === "deep.yaml" && p.line === 10)).toBe(true);
  });
});
