import { AWS_DEFAULT_EVENT_BUS } from "../../manifests/identity.js";
import type { Manifest, ResourceKey } from "../../manifests/types.js";
import { pluginFor } from "../../resources/registry.js";
import { prunablePlugins } from "./kinds.js";
import type { PrunablePlugin } from "./kinds.js";
import type { Inventory, InventoryScope } from "./types.js";

/**
 * The clusters, buses and families these manifests name, the configured default cluster and the
 * default bus: where prune looks. Pure.
 */
export function scopeOf(manifests: readonly Manifest[], defaultCluster: string | undefined): InventoryScope {
  const clusters = new Set(defaultCluster === undefined ? [] : [defaultCluster]);
  const buses = new Set([AWS_DEFAULT_EVENT_BUS]);
  const families = new Set<string>();
  for (const m of manifests) {
    const scope = pluginFor(m).prune?.scope(m, defaultCluster);
    scope?.clusters?.forEach((c) => clusters.add(c));
    scope?.buses?.forEach((b) => buses.add(b));
    scope?.families?.forEach((f) => families.add(f));
  }
  return { clusters: [...clusters].sort(), buses: [...buses].sort(), families: [...families].sort() };
}

/** Two scopes together (what manifests name now, and what they named before). */
export function unionScope(a: InventoryScope, b: InventoryScope): InventoryScope {
  const join = (x: readonly string[], y: readonly string[]) => [...new Set([...x, ...y])].sort();
  return { clusters: join(a.clusters, b.clusters), buses: join(a.buses, b.buses), families: join(a.families, b.families) };
}

/**
 * The scope kept for the next pass, after this one's deletes: each pruned kind lets go of the
 * places it no longer needs (`deleted`: keys deleted or found gone in this pass).
 */
export function retainedScope(
  scope: InventoryScope,
  inventory: Inventory,
  named: ReadonlySet<ResourceKey>,
  deleted: ReadonlySet<ResourceKey>,
  plugins: readonly PrunablePlugin[] = prunablePlugins(),
): InventoryScope {
  return plugins.reduce((kept, p) => p.prune.retainScope(kept, inventory.get(p.kind) ?? [], named, deleted), scope);
}
