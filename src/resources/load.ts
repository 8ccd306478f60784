import { loadSourceTree } from "../environments/load.js";
import type { SourceLoadOptions } from "../environments/load.js";
import type { LoadOptions } from "../manifests/load.js";
import type { LoadResult, Problem } from "../manifests/types.js";
import { validateManifests } from "./validate.js";
import type { ValidateOptions } from "./validate.js";
import { withScaledServices } from "./scalable-target/link.js";

/**
 * The desired state below `root`: every manifest that loads and passes the semantic checks, and
 * every problem, sorted by place. A manifest with an error is left out: it must never reach AWS.
 */
export async function loadDesiredState(root: string, options: SourceLoadOptions = {}): Promise<LoadResult> {
  return finishDesiredState(await loadSourceTree(root, options), options);
}

/** Semantic checks over a loaded set (e.g. from `loadManifestFiles` on a git commit). Pure. */
export function finishDesiredState(loaded: LoadResult, options: LoadOptions = {}): LoadResult {
  return withSemanticProblems(loaded, validateManifests(loaded.manifests, validateOptions(loaded, options)));
}

/** What `validateManifests` needs besides the manifests: the keys that failed to load. */
export function validateOptions(loaded: LoadResult, options: LoadOptions): ValidateOptions {
  const invalidKeys = new Set(loaded.problems.flatMap((p) => (p.key !== undefined && p.severity === "error" ? [p.key] : [])));
  return { defaultCluster: options.defaultCluster, invalidKeys };
}

/** A loaded set without the manifests the semantic checks failed, and every problem sorted. Pure. */
export function withSemanticProblems(loaded: LoadResult, semantic: Problem[]): LoadResult {
  const failed = new Set(semantic.flatMap((p) => (p.key !== undefined && p.severity === "error" ? [p.key] : [])));
  return {
    manifests: withScaledServices(loaded.manifests.filter((m) => !failed.has(m.key))),
    problems: sortProblems([...loaded.problems, ...semantic]),
    files: loaded.files,
  };
}

export function sortProblems(problems: readonly Problem[]): Problem[] {
  const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...problems].sort(
    (a, b) => text(a.file, b.file) || a.line - b.line || a.column - b.column || text(a.code, b.code) || text(a.message, b.message),
  );
}
