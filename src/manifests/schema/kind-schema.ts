import { descriptorOf } from "../kinds.js";
import { KINDS } from "../types.js";
import type { Kind } from "../types.js";
import { awsDefs } from "./aws-schema.generated.js";

/**
 * The JSON schema a `kind` spec is validated against: its own schema with the generated AWS
 * definitions of its API only (a Service never pays for the Scheduler's shapes).
 * scripts/gen-validators.ts compiles these ahead of time.
 */
export function kindSpecSchema(kind: Kind): object {
  return { ...descriptorOf(kind).schema, $defs: defsOf(kind) };
}

function defsOf(kind: Kind): Record<string, object> {
  const own = descriptorOf(kind).defsPrefix;
  const others = KINDS.flatMap((k) => descriptorOf(k).defsPrefix ?? []);
  return Object.fromEntries(
    Object.entries(awsDefs).filter(([name]) => (own !== undefined ? name.startsWith(own) : !others.some((p) => name.startsWith(p)))),
  );
}
