import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// The commit-load worker is a V8 isolate of its own: every module it imports statically is loaded
// again for each commit. The SDK clients alone are ~11 MiB of heap there, and the worker never
// calls AWS (the reads run in the main thread), so nothing on its static import graph may reach
// the SDK. `import type` and `await import()` are not followed: neither loads a module up front.

const root = path.resolve(import.meta.dirname, "../../..");
const SDK = /^@(aws-sdk|smithy)\//;

type Graph = { files: Map<string, string | undefined>; packages: Map<string, string> };

function staticImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, false);
  const specifiers: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && !statement.importClause?.isTypeOnly && ts.isStringLiteral(statement.moduleSpecifier)) {
      specifiers.push(statement.moduleSpecifier.text);
    } else if (
      ts.isExportDeclaration(statement) &&
      !statement.isTypeOnly &&
      statement.moduleSpecifier &&
      ts.isStringLiteral(statement.moduleSpecifier)
    ) {
      specifiers.push(statement.moduleSpecifier.text);
    }
  }
  return specifiers;
}

function resolveLocal(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(from), specifier);
  const candidates = [base.replace(/\.js$/, ".ts"), base, `${base}.ts`, path.join(base, "index.ts")];
  const found = candidates.find((candidate) => candidate.endsWith(".ts") && existsSync(candidate));
  if (!found) throw new Error(`${path.relative(root, from)}: cannot resolve "${specifier}"`);
  return found;
}

/** Every source file and package reached from `entry` by static imports, each with the file that first imported it. */
function importGraph(entry: string): Graph {
  const graph: Graph = { files: new Map([[entry, undefined]]), packages: new Map() };
  const queue = [entry];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const specifier of staticImports(file)) {
      if (specifier.startsWith("node:")) continue;
      if (!specifier.startsWith(".")) {
        if (!graph.packages.has(specifier)) graph.packages.set(specifier, file);
        continue;
      }
      const target = resolveLocal(file, specifier);
      if (graph.files.has(target)) continue;
      graph.files.set(target, file);
      queue.push(target);
    }
  }
  return graph;
}

function chain(graph: Graph, file: string | undefined): string {
  const files: string[] = [];
  for (let at = file; at !== undefined; at = graph.files.get(at)) files.unshift(path.relative(root, at));
  return files.join(" -> ");
}

function sdkImports(graph: Graph): string[] {
  return [...graph.packages].filter(([name]) => SDK.test(name)).map(([name, by]) => `${name} <- ${chain(graph, by)}`);
}

describe("the commit-load worker's module graph", () => {
  it("holds no AWS SDK module", () => {
    const graph = importGraph(path.join(root, "src/source/commit-load-worker.ts"));
    // It does load the loader, validation and every plug-in: the walk is not vacuous.
    expect([...graph.files.keys()].map((file) => path.relative(root, file))).toEqual(
      expect.arrayContaining(["src/resources/load.ts", "src/resources/registry.ts", "src/resources/service/plugin.ts"]),
    );
    expect(sdkImports(graph)).toEqual([]);
  });

  it("would name the chain if a plug-in imported its reads statically", () => {
    // The same walk from the module the plug-ins import lazily finds the SDK through src/aws.
    const graph = importGraph(path.join(root, "src/resources/service/read.ts"));
    expect(sdkImports(graph)).toContainEqual(
      expect.stringMatching(/^@aws-sdk\/client-ecs <- src\/resources\/service\/read\.ts -> src\/aws\//),
    );
  });
});
