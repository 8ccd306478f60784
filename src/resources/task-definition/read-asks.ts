import type { LiveSnapshot } from "../live-snapshot.js";
import type { ResolvedTaskDefinition } from "../types.js";
import { twinsOf } from "./history.js";
import type { LiveTaskDefinition } from "./normalize.js";

/**
 * Whether a family's plan asks its read for more before registering (`KindPlan.readAgain`). Pure.
 * First its latest revision, when not compared yet (the cold read of a family in use by a
 * service skips it); then, once, an earlier revision identical to git's (a `git revert`,
 * docs/deploys.md#git-revert): the revisions read so far name their predecessors' hashes
 * (history.ts), so only a revision with git's hash is described and a new image reads nothing
 * more; a family whose revisions carry no such tag (registered by hand or by an older version) is
 * listed. A family with no revision at all (a cold start) has nothing earlier to find.
 */
export function readsAgain(
  family: string,
  candidates: readonly LiveTaskDefinition[],
  plan: { resolved: ResolvedTaskDefinition; specHash: string },
  live: Pick<LiveSnapshot, "latestKnown" | "earlierRead">,
): boolean {
  if (plan.resolved.state !== "pending" || candidates.length === 0) return false;
  if (!live.latestKnown.has(family)) return true;
  if (live.earlierRead?.has(family) === true) return false;
  const earlier = twinsOf(candidates, plan.specHash);
  return earlier === "unknown" || earlier.length > 0;
}
