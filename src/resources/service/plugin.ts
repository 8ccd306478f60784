import type { JsonObject, JsonPath } from "../../json.js";
import { effectiveCluster } from "../../manifests/identity.js";
import { manifestSpecHash } from "../common/spec-hash.js";
import { tagListToMap } from "../common/tags.js";
import { callsOf, maybe, stringOrUndefined, taskDefinitionReferences } from "../kind-plugin.js";
import type { KindPlugin } from "../kind-plugin.js";
import { isRolledBack, serviceHealth } from "./health.js";
import { isInterruptedDeploy } from "./interrupted-deploy.js";
import { serviceOperations } from "./operations.js";
import { planService } from "./plan.js";
import { residueChanges } from "./residue.js";
import { validateService } from "./validate.js";
import { serviceRuntime } from "./runtime.js";
import { servicePrune } from "./prune.js";
import { SERVICE_WRITES } from "./writes.js";

function referencePaths(spec: JsonObject): JsonPath[] {
  return typeof spec["taskDefinition"] === "string" ? [["taskDefinition"]] : [];
}

/** An ECS service: updated in place; a write starts a deployment that rolls out afterwards. */
export const servicePlugin = {
  kind: "Service",
  planOrder: 1,
  validate: validateService,
  ...taskDefinitionReferences(referencePaths, true),
  clusters: (manifest, defaultCluster) => [effectiveCluster(manifest.spec, defaultCluster)],
  arn: (manifest, live) => stringOrUndefined(live.services.get(manifest.key)?.["serviceArn"]),
  tags: (manifest, live) => maybe(live.services.get(manifest.key), (service) => tagListToMap(service["tags"])),
  specHash: manifestSpecHash,
  health: (manifest, live) => serviceHealth(live.services.get(manifest.key)),
  healthAfterApply: { health: "Progressing", message: "deployment started" },
  interruptedDeploy: (manifest, live, revision) => isInterruptedDeploy(live.services.get(manifest.key), revision),
  rolledBack: (manifest, live) => isRolledBack(live.services.get(manifest.key)),
  // Imported on first use: the commit-load worker imports the plug-ins, and must not load the SDK.
  readLive: async (manifests, io) => ({ services: await (await import("./read.js")).readServices(manifests, io) }),
  revisionsInUse: (manifest, live) => {
    const arn = live.services.get(manifest.key)?.["taskDefinition"];
    return typeof arn === "string" ? [arn] : [];
  },
  plan: (manifest, live, ctx) => ({ action: planService(manifest, live.services.get(manifest.key), ctx) }),
  residueChanges,
  prune: servicePrune,
  runtime: (key, live) => maybe(live.services.get(key), (service) => ({ service: serviceRuntime(service) })),
  // Imported on first use: the commit-load worker loads the plug-ins and must not load the AWS SDK.
  export: { read: async (io) => (await import("./export-read.js")).serviceExport.read(io) },
  calls: callsOf("ecs", {
    "ecs:service-read": ["DescribeServices", "ListServices"],
    "ecs:cluster-read": ["DescribeClusters"],
  }),
  writes: SERVICE_WRITES,
  operations: serviceOperations,
} as const satisfies KindPlugin<"Service">;
