import type { LoadResult, Manifest, Problem, ResourceKey } from "../manifests/types.js";

/** A resource that runs an older commit's spec because its manifest is broken now: which, and why. */
export type HeldBack = { commit: string; file: string; line: number; column: number; message: string };

/** The desired state in force: what the controller reconciles towards. */
export type DesiredState = {
  /** The commit being reconciled. */
  commit: string;
  /** The newest commit whose manifests all loaded. */
  lastGoodCommit: string | undefined;
  manifests: ReadonlyMap<ResourceKey, Manifest>;
  /** The commit each manifest was taken from (an older one for files broken at `commit`). */
  commitOf: ReadonlyMap<ResourceKey, string>;
  /** Errors of `commit`'s manifests; their files are kept at the last good version. */
  problems: readonly Problem[];
  brokenFiles: readonly string[];
};

/**
 * Merge a freshly loaded commit with the state in force: files with errors keep the manifests
 * they had at the last good commit (docs/design.md#the-loop), everything else comes from the new commit.
 * A key defined in a good file of the new commit wins over a kept one. Pure.
 */
export function mergeDesiredState(loaded: LoadResult, commit: string, previous: DesiredState | undefined): DesiredState {
  const problems = loaded.problems.filter((p) => p.severity === "error");
  const brokenFiles = [...new Set(problems.map((p) => p.file))].sort();
  const broken = new Set(brokenFiles);
  const manifests = new Map<ResourceKey, Manifest>();
  const commitOf = new Map<ResourceKey, string>();
  for (const manifest of loaded.manifests) {
    if (broken.has(manifest.file)) continue;
    manifests.set(manifest.key, manifest);
    commitOf.set(manifest.key, commit);
  }
  if (previous) {
    for (const [key, manifest] of previous.manifests) {
      if (!broken.has(manifest.file) || manifests.has(key)) continue;
      manifests.set(key, manifest);
      commitOf.set(key, previous.commitOf.get(key) ?? previous.commit);
    }
  }
  // A problem that is not tied to a file (a missing path, an empty repo) keeps everything.
  const global = problems.some((p) => p.code === "PathNotFound" || p.code === "EmptyRepo");
  if (global && previous) {
    return { ...previous, commit, problems, brokenFiles };
  }
  return {
    commit,
    lastGoodCommit: problems.length === 0 ? commit : previous?.lastGoodCommit,
    manifests,
    commitOf,
    problems,
    brokenFiles,
  };
}

/**
 * For every resource in force: undefined when it runs `commit`'s manifest, else the commit it
 * runs and the first error that holds it back (in its file, or one that holds back everything:
 * a broken ecs-gitops.yaml, a missing path). Pure.
 */
export function heldBack(
  state: Pick<DesiredState, "manifests" | "commitOf" | "problems">,
  commit: string,
): Map<ResourceKey, HeldBack | undefined> {
  const out = new Map<ResourceKey, HeldBack | undefined>();
  for (const [key, manifest] of state.manifests) {
    const runs = state.commitOf.get(key);
    const why = state.problems.find((p) => p.file === manifest.file) ?? state.problems[0];
    if (runs === undefined || runs === commit || why === undefined) {
      out.set(key, undefined);
      continue;
    }
    out.set(key, { commit: runs, file: why.file, line: why.line, column: why.column, message: why.message });
  }
  return out;
}
