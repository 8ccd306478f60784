import type { Manifest, Problem, ResourceKey } from "../manifests/types.js";
import type { ValidationContext } from "./common/validation.js";
import { pluginFor, pluginOf } from "./registry.js";
import { readResourceKey } from "../manifests/identity.js";

export type ValidateOptions = {
  defaultCluster?: string | undefined;
  /** Keys of documents that failed to load (schema errors, duplicates): references to them fail. */
  invalidKeys?: ReadonlySet<ResourceKey>;
};

/** Every kind's semantic checks over one desired set, cross-kind references included. Pure. */
export function validateManifests(manifests: readonly Manifest[], options: ValidateOptions = {}): Problem[] {
  return [...validationSteps(manifests, options)].flat();
}

/** The same checks one manifest at a time, so that a caller on the controller's thread can yield between them. */
export function* validationSteps(manifests: readonly Manifest[], options: ValidateOptions = {}): Generator<Problem[]> {
  const families = new Map<string, Manifest>();
  for (const m of manifests) {
    const family = pluginFor(m).definesFamily(m);
    if (family !== undefined) families.set(family, m);
  }
  // Task definitions first: a family with errors is never registered, so what runs it cannot apply.
  const brokenFamilies = new Set<string>();
  for (const key of options.invalidKeys ?? []) {
    const parsed = readResourceKey(key);
    const family = parsed && pluginOf(parsed.kind).definesFamily({ name: parsed.name, spec: {} });
    if (family !== undefined) brokenFamilies.add(family);
  }
  const noFamilies: ValidationContext = {
    defaultCluster: options.defaultCluster,
    findTaskDefinition: () => undefined,
    isBrokenTaskDefinition: () => false,
  };
  for (const [family, m] of families) {
    const found = pluginFor(m).validate(m, noFamilies);
    if (found.some((p) => p.severity === "error")) brokenFamilies.add(family);
    yield found;
  }
  const services = new Set(manifests.filter((m) => m.kind === "Service").map((m) => m.key));
  const ctx: ValidationContext = {
    defaultCluster: options.defaultCluster,
    findTaskDefinition: (family) => families.get(family),
    isBrokenTaskDefinition: (family) => brokenFamilies.has(family),
    hasService: (key) => services.has(key),
  };
  // Task definitions were checked above; every other kind may refer to them.
  for (const m of manifests) if (pluginFor(m).definesFamily(m) === undefined) yield pluginFor(m).validate(m, ctx);
}
