import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

/**
 * A module's static import graph, walked from the TypeScript sources: what a process or worker
 * loads up front. `import type` and `await import()` are not followed: neither loads a module up front.
 */

export const root = path.resolve(import.meta.dirname, "../..");
export const SDK = /^@(aws-sdk|smithy)\//;

export type Graph = { files: Map<string, string | undefined>; packages: Map<string, string> };

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
export function importGraph(entry: string): Graph {
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

export function chain(graph: Graph, file: string | undefined): string {
  const files: string[] = [];
  for (let at = file; at !== undefined; at = graph.files.get(at)) files.unshift(path.relative(root, at));
  return files.join(" -> ");
}

export function sdkImports(graph: Graph): string[] {
  return [...graph.packages].filter(([name]) => SDK.test(name)).map(([name, by]) => `${name} <- ${chain(graph, by)}`);
}
