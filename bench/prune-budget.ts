import { describeServicesCalls, listRulesCalls } from "./fleet.js";
import type { FleetScale } from "./fleet.js";

type CallCounts = Record<string, number>;

/**
 * What the prune inventory reads on each resync tick and new commit (docs/prune.md#read-budget),
 * for a fleet where every resource has its manifest and each family has at most
 * revisionHistoryLimit revisions: one ListServices per cluster with every service described, the
 * rules listed once (no tags: every rule is named), one ListTaskDefinitions per family.
 */
export function pruneInventoryBudget(scale: FleetScale): CallCounts {
  return {
    "ecs:ListServices": scale.clusters,
    "ecs:DescribeServices": describeServicesCalls(scale),
    "events:ListRules": Math.max(1, listRulesCalls(scale)),
    "ecs:ListTaskDefinitions": scale.families,
  };
}
