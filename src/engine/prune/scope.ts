import type { Manifest, ResourceKey } from "../../manifests/types.js";
import type { PrunePlaces } from "../../resources/kind-prune.js";
import { prunablePlugins } from "./kinds.js";
import type { PrunablePlugin } from "./kinds.js";
import type { Inventory, InventoryScope } from "./types.js";

/**
 * Where prune looks: per pruned kind, the places its plug-in always looks (the configured default
 * cluster, the default bus) and those its manifests name. Pure.
 */
export function scopeOf(
  manifests: readonly Manifest[],
  defaultCluster: string | undefined,
  plugins: readonly PrunablePlugin[] = prunablePlugins(),
): InventoryScope {
  return Object.fromEntries(
    plugins.map((p) => [
      p.kind,
      placesOf([
        p.prune.defaultScope(defaultCluster),
        ...manifests.filter((m) => m.kind === p.kind).map((m) => p.prune.scope(m, defaultCluster)),
      ]),
    ]),
  );
}

/** Two scopes together (what manifests name now, and what they named before), kind by kind. */
export function unionScope(a: InventoryScope, b: InventoryScope): InventoryScope {
  const kinds = [...new Set([...Object.keys(a), ...Object.keys(b)])] as (keyof InventoryScope)[];
  return Object.fromEntries(kinds.map((kind) => [kind, placesOf([a[kind] ?? [], b[kind] ?? []])]));
}

/**
 * The scope kept for the next pass, after this one's deletes: each pruned kind lets go of the
 * places it no longer needs (`deleted`: keys deleted or found gone in this pass). `scope` itself
 * when every kind keeps all its places (nothing to write).
 */
export function retainedScope(
  scope: InventoryScope,
  inventory: Inventory,
  named: ReadonlySet<ResourceKey>,
  deleted: ReadonlySet<ResourceKey>,
  plugins: readonly PrunablePlugin[] = prunablePlugins(),
): InventoryScope {
  const changed = plugins.flatMap((p) => {
    const places = scope[p.kind] ?? [];
    const kept = p.prune.retainScope(places, inventory.get(p.kind) ?? [], named, deleted);
    return kept === places ? [] : [[p.kind, kept] as const];
  });
  return changed.length === 0 ? scope : { ...scope, ...Object.fromEntries(changed) };
}

/**
 * The scope a file of the first format held (one fixed field per kind: clusters, buses, families),
 * each field given to the kind whose plug-in names it as its `formerScopeField`. A field no
 * plug-in claims is dropped: no pruned kind would look there.
 */
export function scopeOfFormerFields(
  fields: Readonly<Record<string, PrunePlaces>>,
  plugins: readonly PrunablePlugin[] = prunablePlugins(),
): InventoryScope {
  return Object.fromEntries(
    plugins.flatMap((p) => {
      const field = p.prune.formerScopeField;
      return field === undefined || fields[field] === undefined ? [] : [[p.kind, placesOf([fields[field]])]];
    }),
  );
}

function placesOf(parts: readonly PrunePlaces[]): string[] {
  return [...new Set(parts.flat())].sort();
}
