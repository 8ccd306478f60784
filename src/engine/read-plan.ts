import type { Manifest } from "../manifests/types.js";
import { pluginFor } from "../resources/registry.js";
import { twinsOf } from "../resources/task-definition/history.js";
import type { LiveReader } from "./live-state.js";
import { planAll } from "./planner.js";
import type { LiveSnapshot, PlanResult, PlanSettings } from "./planner.js";

/** The reads a plan needs: one batched snapshot, and a family's latest revision only when it matters. */
export type SnapshotReader = Pick<LiveReader, "snapshot" | "withLatest"> & Partial<Pick<LiveReader, "withEarlier" | "withRevisions">>;

/** The pure planning step (planAll; a seam for tests and the benchmark). */
export type Planner = (manifests: readonly Manifest[], live: LiveSnapshot, settings: PlanSettings) => PlanResult;

/**
 * Read, plan, and read again only if the plan asks for it: a family that would register a new
 * revision although its latest revision was not compared yet. The reader reads; it never plans.
 */
export async function readAndPlan(
  reader: SnapshotReader,
  manifests: readonly Manifest[],
  settings: PlanSettings,
  plan: Planner = planAll,
): Promise<{ result: PlanResult; snapshot: LiveSnapshot }> {
  let snapshot = await reader.snapshot(manifests, settings);
  let result = plan(manifests, snapshot, settings);
  if (result.needLatest.length > 0) {
    snapshot = await reader.withLatest(snapshot, result.needLatest);
    result = plan(manifests, snapshot, settings);
  }
  // About to register: an earlier identical revision (a `git revert`) is reused instead. The
  // revisions read so far name their predecessors' hashes (history.ts): only a revision with git's
  // hash is described, and a new image reads nothing more. Families whose revisions carry no
  // such tag (registered by hand or by an older version) are listed. A family with no revision
  // at all (a cold start) has nothing earlier to find.
  const { twins, unknown } = earlierToRead(manifests, result, snapshot);
  if (twins.size > 0 && reader.withRevisions !== undefined) snapshot = await reader.withRevisions(snapshot, twins);
  if (unknown.length > 0 && reader.withEarlier !== undefined) snapshot = await reader.withEarlier(snapshot, unknown);
  if (twins.size > 0 || unknown.length > 0) result = plan(manifests, snapshot, settings);
  return { result, snapshot };
}

/** For each family about to register: the earlier revisions worth describing, or "unknown" (list it). */
function earlierToRead(
  manifests: readonly Manifest[],
  result: PlanResult,
  snapshot: LiveSnapshot,
): { twins: Map<string, string[]>; unknown: string[] } {
  const twins = new Map<string, string[]>();
  const unknown: string[] = [];
  for (const manifest of manifests) {
    const plugin = pluginFor(manifest);
    const family = plugin.definesFamily(manifest);
    const candidates = family === undefined ? [] : (snapshot.revisions.get(family) ?? []);
    if (family === undefined || result.resolved.get(family)?.state !== "pending" || candidates.length === 0) continue;
    const found = twinsOf(candidates, plugin.specHash(manifest));
    if (found === "unknown") unknown.push(family);
    else if (found.length > 0) twins.set(family, found);
  }
  return { twins, unknown };
}
