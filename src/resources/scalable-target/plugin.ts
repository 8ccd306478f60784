import { manifestSpecHash } from "../common/spec-hash.js";
import { callsOf, stringOrUndefined, CONFIGURATION_ONLY } from "../kind-plugin.js";
import type { KindPlugin } from "../kind-plugin.js";
import { ecsServiceOf } from "./normalize.js";
import { planScalableTarget } from "./plan.js";
import { validateScalableTarget } from "./validate.js";
import { SCALABLE_TARGET_WRITES } from "./writes.js";

/** An Application Auto Scaling target of an ECS service and its scaling policies. */
export const scalableTargetPlugin = {
  kind: "ScalableTarget",
  // After the service it scales: RegisterScalableTarget refuses a service that does not exist.
  planOrder: 3,
  validate: validateScalableTarget,
  references: () => [],
  referencePaths: () => [],
  serviceReferencePaths: () => [["resourceId"]],
  followsLatestActive: false,
  definesFamily: () => undefined,
  clusters: (manifest) => {
    const service = ecsServiceOf(manifest.spec["resourceId"]);
    return service === undefined ? [] : [service.cluster];
  },
  arn: (manifest, live) => stringOrUndefined(live.scalableTargets?.get(manifest.key)?.target?.["ScalableTargetARN"]),
  // Ownership is the scaled service's (docs/kinds.md#scalabletarget-ownership): no spec-hash tag of its own.
  tags: (manifest, live) => (live.scalableTargets?.get(manifest.key)?.target === undefined ? undefined : {}),
  specHash: manifestSpecHash,
  health: (manifest, live) => {
    const target = live.scalableTargets?.get(manifest.key)?.target;
    return target
      ? { health: "Healthy", message: `${String(target["MinCapacity"] ?? "?")}-${String(target["MaxCapacity"] ?? "?")} tasks` }
      : { health: "Missing", message: "scalable target is not registered" };
  },
  // RegisterScalableTarget and PutScalingPolicy answer with ARNs only; prune reads no scalable targets.
  ...CONFIGURATION_ONLY,
  // Imported on first use: the commit-load worker imports the plug-ins, and must not load the SDK.
  readLive: async (manifests, io) =>
    manifests.length === 0 ? {} : { scalableTargets: await (await import("./read.js")).readScalableTargets(manifests, io) },
  // The service it scales runs the revisions; the target runs none.
  revisionsInUse: () => [],
  plan: (manifest, live, ctx) => ({ action: planScalableTarget(manifest, live.scalableTargets?.get(manifest.key), ctx) }),
  // Imported on first use: the commit-load worker loads the plug-ins and must not load the AWS SDK.
  export: { read: async (io) => (await import("./export-read.js")).scalableTargetExport.read(io) },
  calls: callsOf("application-autoscaling", { "application-autoscaling:api": ["DescribeScalableTargets", "DescribeScalingPolicies"] }),
  writes: SCALABLE_TARGET_WRITES,
} as const satisfies KindPlugin<"ScalableTarget">;
