import type { Manifest } from "../manifests/types.js";
import type { LiveReader } from "./live-state.js";
import { planAll } from "./planner.js";
import type { LiveSnapshot, PlanResult, PlanSettings } from "./planner.js";

/** The reads a plan needs: one batched snapshot, and a family's latest revision only when it matters. */
export type SnapshotReader = Pick<LiveReader, "snapshot" | "withLatest"> & Partial<Pick<LiveReader, "withEarlier">>;

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
  // About to register: an earlier identical revision (a `git revert`) is reused instead.
  // A family with no revision at all (a cold start) has nothing earlier to find.
  const registering = [...result.resolved]
    .filter(([family, r]) => r.state === "pending" && (snapshot.revisions.get(family)?.length ?? 0) > 0)
    .map(([family]) => family);
  if (registering.length > 0 && reader.withEarlier !== undefined) {
    snapshot = await reader.withEarlier(snapshot, registering);
    result = plan(manifests, snapshot, settings);
  }
  return { result, snapshot };
}
