import type { JsonObject, JsonValue } from "../../../src/json.js";
import { resourceKey } from "../../../src/manifests/identity.js";
import type { Kind, Manifest, SourcePosition } from "../../../src/manifests/types.js";
import type { PlanContext } from "../../../src/resources/types.js";

/** A validated manifest as the loader would produce it (tests only). */
export function manifestOf(
  kind: Kind,
  name: string,
  spec: JsonObject,
  options: { labels?: Record<string, string>; annotations?: Record<string, string>; file?: string } = {},
): Manifest {
  const file = options.file ?? `${name}.yaml`;
  const position: SourcePosition = { file, line: 1, column: 1 };
  return {
    kind,
    name,
    key: resourceKey(kind, name, spec),
    labels: options.labels ?? {},
    annotations: options.annotations ?? {},
    spec,
    file,
    position,
    locate: () => position,
  };
}

/** The plan context every planner test starts from; override what a test is about. */
export function planContext(overrides: Partial<PlanContext> = {}): PlanContext {
  return {
    owner: "ecs-gitops",
    revision: "abc123",
    region: "us-east-1",
    accountId: "123456789012",
    defaultCluster: undefined,
    ignoreDifferences: [],
    resolveTaskDefinition: () => ({ state: "unresolved", reason: "n/a" }),
    ...overrides,
  };
}

/**
 * A `resolveTaskDefinition` for tests: `known` maps a reference to its ARN, `pending` maps a family
 * to the key of the task definition apply is about to register; anything else is unresolved.
 */
export function resolverOf(known: Record<string, string>, pending: Record<string, string> = {}): PlanContext["resolveTaskDefinition"] {
  return (ref) => {
    const arn = known[ref];
    if (arn !== undefined) return { state: "known", arn };
    const key = pending[ref];
    if (key !== undefined) return { state: "pending", family: ref, key };
    return { state: "unresolved", reason: `no task definition family "${ref}" in the repository` };
  };
}

/** Fields to set on a base object; a field set to `undefined` is removed. */
export type Overrides = Record<string, JsonValue | undefined>;

/** `base` with `overrides` applied (a copy). */
export function merge(base: JsonObject, overrides: Overrides): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete out[key];
    else out[key] = value;
  }
  return out;
}
