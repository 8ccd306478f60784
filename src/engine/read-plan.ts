import type { Manifest } from "../manifests/types.js";
import type { LiveReader } from "./live-state.js";
import { planAll } from "./planner.js";
import type { LiveSnapshot, PlanResult, PlanSettings } from "./planner.js";

/** The reads a plan needs: one batched snapshot, and more of a resource only when its plan asks. */
export type SnapshotReader = Pick<LiveReader, "snapshot" | "readAgain">;

/** The pure planning step (planAll; a seam for tests and the benchmark). */
export type Planner = (manifests: readonly Manifest[], live: LiveSnapshot, settings: PlanSettings) => PlanResult;

/**
 * A kind's plan asks for more at most twice (a family about to register: its latest revision if
 * not compared yet, then an earlier identical one); a plan still asking after that is made on
 * what was read, so a kind that kept asking cannot loop.
 */
const READ_AGAIN_ROUNDS = 2;

/**
 * Read, plan, and read again only where a plan asks for it (`KindPlan.readAgain`: the kind's read
 * knows what), then plan again. The reader reads; it never plans.
 */
export async function readAndPlan(
  reader: SnapshotReader,
  manifests: readonly Manifest[],
  settings: PlanSettings,
  plan: Planner = planAll,
): Promise<{ result: PlanResult; snapshot: LiveSnapshot }> {
  let snapshot = await reader.snapshot(manifests, settings);
  let result = plan(manifests, snapshot, settings);
  for (let round = 0; round < READ_AGAIN_ROUNDS && result.readAgain.length > 0; round += 1) {
    snapshot = await reader.readAgain(manifests, snapshot, result.readAgain, settings);
    result = plan(manifests, snapshot, settings);
  }
  return { result, snapshot };
}
