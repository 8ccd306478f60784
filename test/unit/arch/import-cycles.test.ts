import path from "node:path";
import { describe, expect, it } from "vitest";
import { cycles, folderGraph, importGraph } from "./import-graph.js";

const SRC = path.join(import.meta.dirname, "../../../src");
// The pure core and the SDK shell: each may lean on others below it, never in a circle (docs/design.md#layout).
const CORE_FOLDERS = new Set(["diff", "resources", "aws", "manifests"]);

describe("imports under src/ form no cycles", () => {
  const graph = importGraph(SRC);

  it("reads the real tree (a walk that found nothing would prove nothing)", () => {
    expect(graph.size).toBeGreaterThan(200);
    expect(graph.get("aws/clients.ts")).toContain("aws/landed-check.ts");
    expect(graph.get("resources/task-definition/plan.ts")).toContain("resources/task-definition/history.ts");
  });

  it("no file imports itself back through others, type imports included", () => {
    expect(cycles(graph)).toEqual([]);
  });

  it("diff/, resources/, aws/ and manifests/ import each other one way only", () => {
    const folders = folderGraph(graph);
    const core = new Map([...folders].filter(([f]) => CORE_FOLDERS.has(f)).map(([f, to]) => [f, to.filter((t) => CORE_FOLDERS.has(t))]));
    expect(cycles(core)).toEqual([]);
    // diff/ is the pure structural diff: it needs nothing but the root helpers.
    expect(folders.get("diff")?.filter((f) => f !== ".")).toEqual([]);
  });
});

describe("the cycle finder", () => {
  it("finds a two-file cycle, a longer one, and nothing in a chain", () => {
    const graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["a.ts"]],
      ["c.ts", ["d.ts"]],
      ["d.ts", ["e.ts"]],
      ["e.ts", ["c.ts"]],
      ["f.ts", ["g.ts"]],
      ["g.ts", []],
    ]);
    expect(cycles(graph)).toEqual([
      ["a.ts", "b.ts"],
      ["c.ts", "d.ts", "e.ts"],
    ]);
  });

  it("sees a folder cycle that no file cycle makes", () => {
    const graph = new Map([
      ["diff/render.ts", ["resources/types.ts"]],
      ["resources/types.ts", ["diff/structural.ts"]],
      ["diff/structural.ts", []],
    ]);
    expect(cycles(graph)).toEqual([]);
    expect(cycles(folderGraph(graph))).toEqual([["diff", "resources"]]);
  });
});
