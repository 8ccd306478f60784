import type { Manifest, ResourceKey } from "../manifests/types.js";
import { pluginFor } from "../resources/registry.js";

/**
 * Task definition families a Service or ScheduledRule refers to by name or by an ARN without a
 * revision (both follow the family's latest revision); pins excluded.
 */
export function referencedFamilies(manifest: Manifest): string[] {
  return [
    ...new Set(
      pluginFor(manifest)
        .references(manifest)
        .flatMap((ref) => (ref.type === "family" || ref.type === "latest" ? [ref.family] : [])),
    ),
  ];
}

/**
 * Git's spec hash of each task definition family in the repository that `manifest` uses. Kept in
 * a resource's record at its last apply: a family whose content git changed since is git's
 * change, even when no revision is registered for it (a `git revert` reuses an earlier one).
 */
export function familySpecHashes(
  manifest: Manifest,
  manifests: ReadonlyMap<ResourceKey, Manifest>,
  hashOf: (definition: Manifest) => string,
): Record<string, string> {
  const hashes: Record<string, string> = {};
  for (const family of referencedFamilies(manifest)) {
    const definition = manifests.get(`TaskDefinition/${family}`);
    if (definition !== undefined) hashes[family] = hashOf(definition);
  }
  return hashes;
}

/** Families a resource names by an ARN without a revision where AWS deploys their latest ACTIVE revision (a Service). */
export function latestActiveFamilies(manifest: Manifest): string[] {
  const plugin = pluginFor(manifest);
  if (!plugin.followsLatestActive) return [];
  return plugin.references(manifest).flatMap((ref) => (ref.type === "latest" ? [ref.family] : []));
}

/**
 * What must be read and planned to reconcile `keys`: the resources themselves, the task
 * definitions they refer to (to resolve the revision), and the services and rules that use a
 * task definition among them (they tell which revision is in use). Pure.
 */
export function planningSet(keys: Iterable<ResourceKey>, manifests: ReadonlyMap<ResourceKey, Manifest>): Manifest[] {
  const out = new Map<ResourceKey, Manifest>();
  const families = new Set<string>();
  for (const key of keys) {
    const manifest = manifests.get(key);
    if (!manifest) continue;
    out.set(key, manifest);
    const defined = pluginFor(manifest).definesFamily(manifest);
    if (defined !== undefined) families.add(defined);
    for (const family of referencedFamilies(manifest)) families.add(family);
  }
  for (const manifest of manifests.values()) {
    const defined = pluginFor(manifest).definesFamily(manifest);
    if (defined !== undefined ? families.has(defined) : referencedFamilies(manifest).some((f) => families.has(f))) {
      out.set(manifest.key, manifest);
    }
  }
  return [...out.values()];
}
