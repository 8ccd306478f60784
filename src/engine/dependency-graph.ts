import type { Manifest, ResourceKey } from "../manifests/types.js";
import { referencedFamilies } from "./references.js";

/** Task definition → the services and rule targets that run it, from git's manifests. */
export type DependencyGraph = { edges: { from: ResourceKey; to: ResourceKey }[] };

/** Pure. A family the repository does not manage still appears (as `TaskDefinition/<family>`). */
export function dependencyGraph(manifests: Iterable<Manifest> | undefined): DependencyGraph {
  const edges: DependencyGraph["edges"] = [];
  for (const manifest of manifests ?? []) {
    for (const family of referencedFamilies(manifest)) edges.push({ from: `TaskDefinition/${family}`, to: manifest.key });
  }
  return { edges: edges.sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to)) };
}
