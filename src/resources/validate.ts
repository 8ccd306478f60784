import type { Manifest, Problem, ResourceKey } from "../manifests/types.js";
import { validateScheduledRule } from "./scheduled-rule/validate.js";
import { validateService } from "./service/validate.js";
import type { ValidationContext } from "./common/validation.js";
import { validateTaskDefinition } from "./task-definition/validate.js";

export type ValidateOptions = {
  defaultCluster?: string | undefined;
  /** Keys of documents that failed to load (schema errors, duplicates): references to them fail. */
  invalidKeys?: ReadonlySet<ResourceKey>;
};

/** Every kind's semantic checks over one desired set, cross-kind references included. Pure. */
export function validateManifests(manifests: readonly Manifest[], options: ValidateOptions = {}): Problem[] {
  const families = new Map<string, Manifest>();
  for (const m of manifests) if (m.kind === "TaskDefinition") families.set(m.name, m);
  const problems: Problem[] = [];
  // Task definitions first: a family with errors is never registered, so what runs it cannot apply.
  const brokenFamilies = new Set<string>();
  for (const key of options.invalidKeys ?? []) if (key.startsWith("TaskDefinition/")) brokenFamilies.add(key.slice("TaskDefinition/".length));
  for (const m of families.values()) {
    const found = validateTaskDefinition(m);
    if (found.some((p) => p.severity === "error")) brokenFamilies.add(m.name);
    problems.push(...found);
  }
  const ctx: ValidationContext = {
    defaultCluster: options.defaultCluster,
    findTaskDefinition: (family) => families.get(family),
    isBrokenTaskDefinition: (family) => brokenFamilies.has(family),
  };
  for (const m of manifests) {
    switch (m.kind) {
      case "TaskDefinition":
        break;
      case "Service":
        problems.push(...validateService(m, ctx));
        break;
      case "ScheduledRule":
        problems.push(...validateScheduledRule(m, ctx));
        break;
      default: {
        const exhaustive: never = m.kind;
        throw new Error(`unknown kind ${String(exhaustive)}`);
      }
    }
  }
  return problems;
}
