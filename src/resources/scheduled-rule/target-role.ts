import type { JsonObject, JsonValue } from "../../json.js";

/**
 * The IAM role EventBridge assumes to call ecs:RunTask for one target: the target's own
 * `roleArn`, else the rule-level `roleArn` (ecschedule's convention). The validator and the
 * planner both ask this, so what `validate` accepts is exactly what `apply` sends.
 */
export function targetRoleArn(rule: JsonObject, target: JsonObject): string | undefined {
  return nonEmptyString(target["roleArn"]) ?? nonEmptyString(rule["roleArn"]);
}

function nonEmptyString(value: JsonValue | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
