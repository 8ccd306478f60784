import { effectiveCluster } from "../../manifests/identity.js";
import { parseTaskDefinitionRef } from "../common/validation.js";
import { manifestSpecHash } from "../common/spec-hash.js";
import { tagListToMap } from "../common/tags.js";
import type { KindPlugin } from "../kind-plugin.js";
import { isRolledBack, serviceHealth } from "./health.js";
import { isInterruptedDeploy } from "./interrupted-deploy.js";
import { validateService } from "./validate.js";

/** An ECS service: updated in place; a write starts a deployment that rolls out afterwards. */
export const servicePlugin = {
  kind: "Service",
  planOrder: 1,
  validate: (manifest, ctx) => validateService(manifest, ctx),
  references: (manifest) => {
    const ref = manifest.spec["taskDefinition"];
    return typeof ref === "string" ? [parseTaskDefinitionRef(ref)] : [];
  },
  followsLatestActive: true,
  definesFamily: () => undefined,
  clusters: (manifest, defaultCluster) => [effectiveCluster(manifest.spec, defaultCluster)],
  arn: (manifest, live) => {
    const arn = live.services.get(manifest.key)?.["serviceArn"];
    return typeof arn === "string" ? arn : undefined;
  },
  tags: (manifest, live) => {
    const service = live.services.get(manifest.key);
    return service ? tagListToMap(service["tags"]) : undefined;
  },
  specHash: (manifest) => manifestSpecHash(manifest),
  health: (manifest, live) => serviceHealth(live.services.get(manifest.key)),
  healthAfterApply: { health: "Progressing", message: "deployment started" },
  interruptedDeploy: (manifest, live, revision) => isInterruptedDeploy(live.services.get(manifest.key), revision),
  rolledBack: (manifest, live) => isRolledBack(live.services.get(manifest.key)),
  calls: [
    { service: "ecs", operation: "DescribeServices", throttle: "ecs:service-read" },
    { service: "ecs", operation: "ListServices", throttle: "ecs:service-read" },
    { service: "ecs", operation: "DescribeClusters", throttle: "ecs:cluster-read" },
    { service: "ecs", operation: "CreateService", throttle: "ecs:service-modify" },
    { service: "ecs", operation: "UpdateService", throttle: "ecs:service-modify" },
    { service: "ecs", operation: "DeleteService", throttle: "ecs:service-modify" },
    { service: "ecs", operation: "TagResource", throttle: "ecs:tag-modify" },
    { service: "ecs", operation: "UntagResource", throttle: "ecs:tag-modify" },
  ],
} as const satisfies KindPlugin<"Service">;
