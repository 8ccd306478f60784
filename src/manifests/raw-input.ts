import { isJsonObject } from "../json.js";
import type { JsonValue } from "../json.js";

/** The JSON shapes teams already have for ECS, which `ecs-gitops import` converts into manifests. */
export type RawInputShape =
  "RegisterTaskDefinition input" | "CreateService input" | "describe-task-definition output" | "describe-services output";

const ENVELOPE_FIELDS = ["apiVersion", "kind", "metadata", "spec"];
const SERVICE_HINTS = [
  "serviceName",
  "desiredCount",
  "launchType",
  "loadBalancers",
  "networkConfiguration",
  "deploymentConfiguration",
  "capacityProviderStrategy",
  "schedulingStrategy",
];

/**
 * Which raw AWS shape a document is, when it is one and not an ecs-gitops envelope: such a file
 * deserves one pointer to `import`, not an error per missing envelope field. Pure.
 */
export function detectRawInput(value: JsonValue): RawInputShape | undefined {
  if (!isJsonObject(value) || ENVELOPE_FIELDS.some((field) => field in value)) return undefined;
  if (isJsonObject(value["taskDefinition"])) return "describe-task-definition output";
  if (Array.isArray(value["services"]) && value["services"].some(isJsonObject)) return "describe-services output";
  // The console's JSON tab shows the described task definition without the wrapper.
  if (Array.isArray(value["containerDefinitions"]))
    return "taskDefinitionArn" in value || "revision" in value ? "describe-task-definition output" : "RegisterTaskDefinition input";
  if (SERVICE_HINTS.some((field) => field in value)) return "CreateService input";
  return undefined;
}
