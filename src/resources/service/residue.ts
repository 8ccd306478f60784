import type { JsonObject } from "../../json.js";
import type { Manifest } from "../../manifests/types.js";
import type { ResidueContext } from "../kind-plugin.js";
import type { Change, PlanContext } from "../types.js";
import { planService } from "./plan.js";

/**
 * A service write answers with the service as it stands right after (the UpdateService /
 * CreateService response): what still differs from git then is what the write left undone.
 */
export function residueChanges(manifest: Manifest, postWrite: JsonObject, ctx: ResidueContext): Change[] {
  const running = postWrite["taskDefinition"];
  const context: PlanContext = {
    ...ctx,
    ignoreDifferences: [],
    // The revision the write set is the one git meant: it is not part of what is left to do.
    resolveTaskDefinition: (ref) =>
      typeof running === "string" ? { state: "known", arn: running } : { state: "unresolved", reason: `no revision for ${ref}` },
  };
  return planService(manifest, postWrite, context).changes;
}
