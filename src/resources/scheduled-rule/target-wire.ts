import { isJsonObject } from "../../json.js";
import type { JsonObject, JsonValue } from "../../json.js";

/*
 * How an ECS target's members are named in the manifest (camelCase) and in EventBridge's
 * PutTargets / ListTargetsByRule (PascalCase), written once for the planner (towards the API),
 * the normalizer and export (from it), so the three cannot drift apart.
 */

/** [manifest name, API name] pairs of one sub-object. */
type Names = readonly (readonly [spec: string, wire: string])[];

/**
 * EcsParameters members copied as they are; the API name is the manifest name capitalised. The
 * items of capacityProviderStrategy and the placement lists stay camelCase in the API.
 */
export const ECS_PARAMETER_FIELDS = [
  "taskCount",
  "launchType",
  "platformVersion",
  "group",
  "capacityProviderStrategy",
  "enableECSManagedTags",
  "enableExecuteCommand",
  "placementConstraints",
  "placementStrategy",
  "propagateTags",
  "referenceId",
] as const;

export const AWSVPC_NAMES: Names = [
  ["subnets", "Subnets"],
  ["securityGroups", "SecurityGroups"],
  ["assignPublicIp", "AssignPublicIp"],
];

export const RETRY_POLICY_NAMES: Names = [
  ["maximumRetryAttempts", "MaximumRetryAttempts"],
  ["maximumEventAgeInSeconds", "MaximumEventAgeInSeconds"],
];

const DEAD_LETTER_NAMES: Names = [["arn", "Arn"]];

/** `taskCount` → `TaskCount`. */
export function wireName(field: string): string {
  return field.charAt(0).toUpperCase() + field.slice(1);
}

/** The members of `source` that `names` lists, renamed towards `to`; unset ones (undefined, null) are left out. */
export function renamed(source: JsonObject, names: Names, to: "wire" | "spec"): JsonObject {
  const out: JsonObject = {};
  for (const [spec, wire] of names) {
    const [from, into] = to === "wire" ? [spec, wire] : [wire, spec];
    const value = source[from];
    if (value !== undefined && value !== null) out[into] = value;
  }
  return out;
}

/** EcsParameters.NetworkConfiguration's awsvpc block as read, under any spelling tools store it with. */
export function liveAwsvpc(ecs: JsonObject): JsonObject | undefined {
  const network = ecs["NetworkConfiguration"];
  if (!isJsonObject(network)) return undefined;
  const awsvpc = network["awsvpcConfiguration"] ?? network["AwsvpcConfiguration"] ?? network["AwsVpcConfiguration"];
  return isJsonObject(awsvpc) ? awsvpc : undefined;
}

/** EcsParameters.Tags as read, in the manifest's `{key, value}` form (some tools store them camelCase). */
export function liveEcsTags(tags: JsonValue[]): JsonObject[] {
  return tags.filter(isJsonObject).map((t) => ({ key: t["Key"] ?? t["key"] ?? "", value: t["Value"] ?? t["value"] ?? "" }));
}

/** The live target's RetryPolicy and DeadLetterConfig, set on `out` in manifest form. */
export function setLivePolicies(target: JsonObject, out: JsonObject): void {
  const retry = target["RetryPolicy"];
  if (isJsonObject(retry)) out["retryPolicy"] = renamed(retry, RETRY_POLICY_NAMES, "spec");
  const dlq = target["DeadLetterConfig"];
  if (isJsonObject(dlq)) out["deadLetterConfig"] = renamed(dlq, DEAD_LETTER_NAMES, "spec");
}
