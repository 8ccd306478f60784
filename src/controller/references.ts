import { isJsonObject } from "../json.js";
import type { Manifest, ResourceKey } from "../manifests/types.js";
import { parseTaskDefinitionRef } from "../resources/common/validation.js";
import type { TaskDefinitionRef } from "../resources/common/validation.js";

/**
 * Task definition families a Service or ScheduledRule refers to by name or by an ARN without a
 * revision (both follow the family's latest revision); pins excluded.
 */
export function referencedFamilies(manifest: Manifest): string[] {
  return [...new Set(taskDefinitionRefs(manifest).flatMap((ref) => (ref.type === "family" || ref.type === "latest" ? [ref.family] : [])))];
}

/** Families a Service names by an ARN without a revision: ECS deploys their latest ACTIVE revision. */
export function latestActiveFamilies(manifest: Manifest): string[] {
  if (manifest.kind !== "Service") return [];
  return taskDefinitionRefs(manifest).flatMap((ref) => (ref.type === "latest" ? [ref.family] : []));
}

function taskDefinitionRefs(manifest: Manifest): TaskDefinitionRef[] {
  const refs: unknown[] = [];
  if (manifest.kind === "Service") refs.push(manifest.spec["taskDefinition"]);
  if (manifest.kind === "ScheduledRule") {
    const targets = manifest.spec["targets"];
    for (const target of Array.isArray(targets) ? targets : []) if (isJsonObject(target)) refs.push(target["taskDefinition"]);
  }
  return refs.flatMap((r) => (typeof r === "string" ? [parseTaskDefinitionRef(r)] : []));
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
