import { AWS_DEFAULT_EVENT_BUS, effectiveCluster } from "../../manifests/identity.js";
import type { Manifest } from "../../manifests/types.js";
import { pluginFor } from "../../resources/registry.js";
import { busOf } from "../live-cache.js";
import type { InventoryScope } from "./types.js";

/**
 * The clusters, buses and families these manifests name, the configured default cluster and the
 * default bus: where prune looks. Pure.
 */
export function scopeOf(manifests: readonly Manifest[], defaultCluster: string | undefined): InventoryScope {
  const clusters = new Set(defaultCluster === undefined ? [] : [defaultCluster]);
  const buses = new Set([AWS_DEFAULT_EVENT_BUS]);
  const families = new Set<string>();
  for (const m of manifests) {
    if (m.kind === "Service") clusters.add(effectiveCluster(m.spec, defaultCluster));
    if (m.kind === "ScheduledRule") buses.add(busOf(m.spec["eventBusName"]));
    const family = pluginFor(m).definesFamily(m);
    if (family !== undefined) families.add(family);
  }
  return { clusters: [...clusters].sort(), buses: [...buses].sort(), families: [...families].sort() };
}

/** Two scopes together (what manifests name now, and what they named before). */
export function unionScope(a: InventoryScope, b: InventoryScope): InventoryScope {
  const join = (x: readonly string[], y: readonly string[]) => [...new Set([...x, ...y])].sort();
  return { clusters: join(a.clusters, b.clusters), buses: join(a.buses, b.buses), families: join(a.families, b.families) };
}
