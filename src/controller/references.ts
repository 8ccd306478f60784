import { isJsonObject } from "../json.js";
import type { Manifest, ResourceKey } from "../manifests/types.js";

/** Task definition families a Service or ScheduledRule refers to by name (pins excluded). */
export function referencedFamilies(manifest: Manifest): string[] {
  const refs: unknown[] = [];
  if (manifest.kind === "Service") refs.push(manifest.spec["taskDefinition"]);
  if (manifest.kind === "ScheduledRule") {
    const targets = manifest.spec["targets"];
    for (const target of Array.isArray(targets) ? targets : []) if (isJsonObject(target)) refs.push(target["taskDefinition"]);
  }
  return [...new Set(refs.filter((r): r is string => typeof r === "string" && /^[A-Za-z0-9_-]+$/.test(r)))];
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
    if (manifest.kind === "TaskDefinition") families.add(manifest.name);
    for (const family of referencedFamilies(manifest)) families.add(family);
  }
  for (const manifest of manifests.values()) {
    if (manifest.kind === "TaskDefinition" ? families.has(manifest.name) : referencedFamilies(manifest).some((f) => families.has(f))) {
      out.set(manifest.key, manifest);
    }
  }
  return [...out.values()];
}
