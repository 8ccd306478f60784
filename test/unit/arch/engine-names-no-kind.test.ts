import path from "node:path";
import { describe, expect, it } from "vitest";
import { importGraph } from "./import-graph.js";

const SRC = path.join(import.meta.dirname, "../../../src");

/** A kind's own folder (`resources/service/…`); `resources/common/` is shared by every kind, and the kind-*.ts contracts sit beside it. */
const KIND_FOLDER = /^resources\/(?!common\/)[^/]+\//;

/**
 * The engine's imports of a kind's folder that stay, each with why: what no plug-in capability
 * carries yet. Anything else (the reader, the planner, the caches above all) goes through the
 * registry (docs/kinds.md#adding-a-kind).
 */
const JUSTIFIED: Record<string, { imports: string[]; why: string }> = {
  "engine/rollout.ts": {
    imports: ["resources/service/rollout.ts"],
    why: "following a deploy until it settles: only a Service rolls out tasks (docs/kinds.md: `history` too)",
  },
  "engine/write-guard.ts": {
    imports: ["resources/schedule/read.ts"],
    why: "a Schedule's ownership is a description marker, not a tag (docs/kinds.md#files-a-new-kind-touches)",
  },
  "engine/hooks/task-request.ts": { imports: ["resources/service/hooks.ts"], why: "hooks are a Service's annotations" },
  "engine/hooks/one-shot-guard.ts": { imports: ["resources/service/hooks.ts"], why: "hooks are a Service's annotations" },
  "engine/hooks/runner.ts": { imports: ["resources/service/hooks.ts"], why: "hooks are a Service's annotations" },
};

/** Every import (type imports included) of a kind's folder by a file under engine/, as "file → target". */
export function kindImportsOfEngine(graph: ReadonlyMap<string, readonly string[]>): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const [file, targets] of graph) {
    if (!file.startsWith("engine/")) continue;
    const kinds = targets.filter((t) => KIND_FOLDER.test(t)).sort();
    if (kinds.length > 0) found.set(file, kinds);
  }
  return found;
}

describe("the engine names no kind", () => {
  // Dynamic imports count: a kind module loaded on first use is still a kind the engine names.
  const graph = importGraph(SRC, { dynamic: true });

  it("reads the real tree (a walk that found nothing would prove nothing)", () => {
    expect(graph.get("engine/live-state.ts")).toContain("resources/registry.ts");
    expect(graph.get("resources/task-definition/plugin.ts")).toContain("resources/task-definition/read-asks.ts");
  });

  it("the reader, its cache, its batched read, the planner and the read-plan loop import no kind's folder", () => {
    const found = kindImportsOfEngine(graph);
    for (const file of [
      "engine/live-state.ts",
      "engine/live-cache.ts",
      "engine/merge-reads.ts",
      "engine/planner.ts",
      "engine/read-plan.ts",
    ])
      expect(found.get(file), file).toBeUndefined();
  });

  it("no engine file imports the task definition folder, and every other kind import is one justified here", () => {
    const found = kindImportsOfEngine(graph);
    expect([...found.values()].flat().filter((t) => t.startsWith("resources/task-definition/"))).toEqual([]);
    expect(Object.fromEntries(found)).toEqual(Object.fromEntries(Object.entries(JUSTIFIED).map(([file, j]) => [file, j.imports])));
  });

  it("sees a kind import, a type import among them, and lets the shared folders through", () => {
    const fake = new Map([
      ["engine/live-state.ts", ["resources/task-definition/read.ts", "resources/registry.ts", "resources/common/tags.ts"]],
      ["engine/prune/plan.ts", ["resources/kind-prune.ts"]],
      ["cli/export.ts", ["resources/service/export.ts"]],
    ]);
    expect(kindImportsOfEngine(fake)).toEqual(new Map([["engine/live-state.ts", ["resources/task-definition/read.ts"]]]));
  });
});
