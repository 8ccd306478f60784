import type { LiveSnapshot, PlanResult } from "../engine/planner.js";
import type { ResourceKey } from "../manifests/types.js";
import type { Action } from "../resources/types.js";

/** A per-key map narrowed to `key`'s entry ("read, missing" stays an entry of undefined). */
function only<V>(map: ReadonlyMap<ResourceKey, V>, key: ResourceKey): ReadonlyMap<ResourceKey, V> {
  return map.has(key) ? new Map([[key, map.get(key) as V]]) : new Map();
}

/**
 * What one key's reconcile reads of its batch's snapshot and plan: the live resource under its own
 * key, the families' revisions and resolutions (shared with the read cache, small), its own action.
 * A slice read ahead waits for its key to start, maybe until the wave's last key: holding the
 * whole snapshot and plan there kept every service description and every action's call inputs of
 * the wave alive until then. The plugins and the reconciler look up the live side by the key only
 * (kind plugins' `tags`, `health`, `runtime`, `arn`; deploys; the policy's inputs).
 */
export function keySlice(
  key: ResourceKey,
  action: Action | undefined,
  result: PlanResult,
  snapshot: LiveSnapshot,
): { result: PlanResult; snapshot: LiveSnapshot } {
  const narrowed: LiveSnapshot = { ...snapshot, services: only(snapshot.services, key), rules: only(snapshot.rules, key) };
  // A kind's field the set did not read stays absent.
  if (snapshot.schedules !== undefined) narrowed.schedules = only(snapshot.schedules, key);
  if (snapshot.scalableTargets !== undefined) narrowed.scalableTargets = only(snapshot.scalableTargets, key);
  if (snapshot.resources !== undefined) narrowed.resources = only(snapshot.resources, key);
  return { result: { actions: action === undefined ? [] : [action], readAgain: [], resolved: result.resolved }, snapshot: narrowed };
}
