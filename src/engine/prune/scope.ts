import type { Manifest, ResourceKey } from "../../manifests/types.js";
import { scopeOfFields } from "../../resources/kind-prune.js";
import { prunablePlugins } from "./kinds.js";
import type { PrunablePlugin } from "./kinds.js";
import type { Inventory, InventoryScope } from "./types.js";

/**
 * Where prune looks: the places each pruned kind always looks (the configured default cluster,
 * the default bus) and those its manifests name. Pure.
 */
export function scopeOf(
  manifests: readonly Manifest[],
  defaultCluster: string | undefined,
  plugins: readonly PrunablePlugin[] = prunablePlugins(),
): InventoryScope {
  const parts = [
    ...plugins.map((p) => p.prune.defaultScope(defaultCluster)),
    ...manifests.map((m) => plugins.find((p) => p.kind === m.kind)?.prune.scope(m, defaultCluster) ?? {}),
  ];
  return mergeScopes(parts);
}

/** Two scopes together (what manifests name now, and what they named before). */
export function unionScope(a: InventoryScope, b: InventoryScope): InventoryScope {
  return mergeScopes([a, b]);
}

function mergeScopes(parts: readonly Partial<InventoryScope>[]): InventoryScope {
  return scopeOfFields((name) => [...new Set(parts.flatMap((p) => p[name] ?? []))].sort());
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
