import { parseEcsServiceResourceId } from "../../aws/arn.js";
import { isJsonObject } from "../../json.js";
import type { JsonObject, JsonValue } from "../../json.js";
import { compact, fillDefault, objectCopy } from "../common/normalize-util.js";
import type { TagMap } from "../common/tags.js";
import { objectFromWire, specNode } from "../common/wire-names.js";

/**
 * What AWS has for one scalable target: DescribeScalableTargets' entry and DescribeScalingPolicies'
 * answers (PascalCase), plus the tags of the ECS service it scales (undefined: no such service).
 */
export type LiveScalableTarget = { target: JsonObject | undefined; policies: JsonObject[]; serviceTags: TagMap | undefined };

const SUSPENDED_DEFAULT: JsonObject = {
  dynamicScalingInSuspended: false,
  dynamicScalingOutSuspended: false,
  scheduledScalingSuspended: false,
};

/** `service/<cluster>/<service>` → its cluster and name; undefined for any other resource. */
export function ecsServiceOf(resourceId: JsonValue | undefined): { cluster: string; service: string } | undefined {
  return typeof resourceId === "string" ? parseEcsServiceResourceId(resourceId) : undefined;
}

/**
 * The comparable form of a scalable target and its policies (spec form, policies keyed by name):
 * suspendedState all false when unset (ST-1), the role compared only when git names one (ST-2),
 * a target-tracking policy's disableScaleIn false when unset (ST-3). Pure.
 */
export function canonicalScalableTarget(spec: JsonObject, roleInGit: boolean): JsonObject {
  const out = objectCopy(spec);
  out["suspendedState"] = { ...SUSPENDED_DEFAULT, ...objectCopy(out["suspendedState"]) };
  if (!roleInGit) delete out["roleARN"];
  const policies: JsonObject = {};
  for (const policy of Array.isArray(out["policies"]) ? out["policies"] : []) {
    if (!isJsonObject(policy) || typeof policy["policyName"] !== "string") continue;
    const { policyName, ...rest } = policy;
    policies[policyName] = canonicalPolicy(rest);
  }
  out["policies"] = policies;
  return (compact(out) ?? {}) as JsonObject;
}

function canonicalPolicy(policy: JsonObject): JsonObject {
  const out = { ...policy };
  // xref: ST-3 — PutScalingPolicy's PolicyType defaults to StepScaling.
  fillDefault(out, "policyType", "StepScaling");
  const tracking = out["targetTrackingScalingPolicyConfiguration"];
  if (isJsonObject(tracking)) {
    const copy = { ...tracking };
    fillDefault(copy, "disableScaleIn", false);
    out["targetTrackingScalingPolicyConfiguration"] = copy;
  }
  return out;
}

/** The live target and policies in spec form, compared as `canonicalScalableTarget`. Pure. */
export function liveSpecOf(live: LiveScalableTarget): JsonObject | undefined {
  if (live.target === undefined) return undefined;
  const spec = objectFromWire(specNode("ScalableTarget"), live.target);
  const policyNode = specNode("ScalableTarget", ["policies", "*"]);
  spec["policies"] = live.policies.map((p) => objectFromWire(policyNode, p));
  return spec;
}
