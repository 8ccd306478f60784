import { isJsonObject } from "../../json.js";
import type { Manifest, Problem } from "../../manifests/types.js";
import { numberOf, objectsOf, collectProblems, stringOf } from "../common/validation.js";
import type { ValidationContext } from "../common/validation.js";
import { ecsServiceOf } from "./normalize.js";

/**
 * What Application Auto Scaling would refuse, checked offline, plus ecs-gitops's own rule: the
 * scalable target's service must be a Service of this repository (its ownership is the
 * service's). Cross-kind: the service list comes through the context. Pure.
 */
export function validateScalableTarget(manifest: Manifest, ctx: ValidationContext & { hasService?: (key: string) => boolean }): Problem[] {
  return collectProblems(manifest, (report) => {
    const spec = manifest.spec;
    if (spec["serviceNamespace"] === "ecs") {
      const service = ecsServiceOf(spec["resourceId"]);
      if (service === undefined)
        report(["resourceId"], "scalable-target-resource", `resourceId "${String(spec["resourceId"])}" is not service/<cluster>/<service>`);
      else if (ctx.hasService !== undefined && !ctx.hasService(`Service/${service.cluster}/${service.service}`))
        report(
          ["resourceId"],
          "scalable-target-resource",
          `no Service "${service.service}" in cluster "${service.cluster}" in this ` +
            `repository: a scalable target is managed with its service (docs/kinds.md#scalabletarget-ownership)`,
          "UnresolvedReference",
        );
      if (spec["scalableDimension"] !== "ecs:service:DesiredCount")
        report(["scalableDimension"], "scalable-target-resource", "an ECS service scales on ecs:service:DesiredCount");
    } else {
      report(
        ["serviceNamespace"],
        "scalable-target-resource",
        "ecs-gitops manages scalable targets of ECS services only (serviceNamespace: ecs)",
      );
    }
    const min = numberOf(spec["minCapacity"]);
    const max = numberOf(spec["maxCapacity"]);
    if (min !== undefined && max !== undefined && min > max)
      report(["maxCapacity"], "scalable-target-capacity", `maxCapacity ${max} is below minCapacity ${min}`);
    const names = new Set<string>();
    for (const { item: policy, index } of objectsOf(spec["policies"])) {
      const name = stringOf(policy["policyName"]) ?? "";
      if (names.has(name)) report(["policies", index, "policyName"], "scaling-policy", `policy "${name}" is listed twice`);
      names.add(name);
      const type = stringOf(policy["policyType"]) ?? "StepScaling";
      const tracking = isJsonObject(policy["targetTrackingScalingPolicyConfiguration"]);
      const step = isJsonObject(policy["stepScalingPolicyConfiguration"]);
      if (type === "TargetTrackingScaling" && !tracking)
        report(["policies", index], "scaling-policy", "a TargetTrackingScaling policy needs targetTrackingScalingPolicyConfiguration");
      if (type === "StepScaling" && !step)
        report(["policies", index], "scaling-policy", "a StepScaling policy (the default policyType) needs stepScalingPolicyConfiguration");
      if (type === "PredictiveScaling")
        report(
          ["policies", index, "policyType"],
          "scaling-policy",
          "PredictiveScaling is not supported for ECS services by ecs-gitops yet",
        );
    }
  });
}
