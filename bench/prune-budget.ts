import { describeServicesCalls, listRulesCalls } from "./fleet.js";
import type { FleetScale } from "./fleet.js";

type CallCounts = Record<string, number>;

/**
 * Which prune pass (docs/prune.md#read-budget): `fresh` reads everything itself (a one-shot
 * command, or a controller pass about to delete); the controller's other passes take the services
 * its reconcile read and the rules it listed in the same period, and list the families again only
 * at a `newCommit` (or after our own registration in a family, or every few ticks), not on a plain
 * resync `tick`.
 */
export type PrunePassKind = "fresh" | "newCommit" | "tick";

/**
 * What the prune inventory reads, for a fleet where every resource has its manifest and each
 * family has at most revisionHistoryLimit revisions: one ListServices per cluster, every service
 * described and the rules listed (no tags: every rule is named) only when fresh, one
 * ListTaskDefinitions per family unless a plain tick.
 */
export function pruneInventoryBudget(scale: FleetScale, pass: PrunePassKind = "fresh"): CallCounts {
  return {
    "ecs:ListServices": scale.clusters,
    ...(pass === "fresh" ? { "ecs:DescribeServices": describeServicesCalls(scale) } : {}),
    ...(pass === "fresh" ? { "events:ListRules": Math.max(1, listRulesCalls(scale)) } : {}),
    ...(pass === "tick" ? {} : { "ecs:ListTaskDefinitions": scale.families }),
  };
}
