import { eventBusName } from "../../aws/arn.js";
import type { JsonValue } from "../../json.js";
import { AWS_DEFAULT_EVENT_BUS } from "../../manifests/identity.js";

/** The bus a rule (or a write to it) names, the default one when it names none. */
export function busOf(value: JsonValue | undefined): string {
  return typeof value === "string" && value !== "" ? eventBusName(value) : AWS_DEFAULT_EVENT_BUS;
}
