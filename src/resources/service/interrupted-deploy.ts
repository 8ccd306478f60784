import { isJsonObject } from "../../json.js";
import type { JsonObject, JsonValue } from "../../json.js";

/**
 * Was a deploy interrupted between RegisterTaskDefinition and UpdateService (controller killed,
 * UpdateService failed)? Then the service still runs an older revision while ours, matching git,
 * was registered AFTER the service's current (PRIMARY) deployment started: nobody deployed since.
 * When someone points the service at another revision by hand, that deployment is newer than our
 * registration: drift. Unknown timestamps (emulators) → false, so the caller's default stands. Pure.
 */
export function isInterruptedDeploy(service: JsonObject | undefined, desiredRevision: JsonObject | undefined): boolean {
  const registeredAt = epochMs(desiredRevision?.["registeredAt"]);
  const deployments = Array.isArray(service?.["deployments"]) ? service["deployments"] : [];
  const primary = deployments.find((d): d is JsonObject => isJsonObject(d) && d["status"] === "PRIMARY");
  const deployedAt = epochMs(primary?.["createdAt"]);
  return registeredAt !== undefined && deployedAt !== undefined && registeredAt > deployedAt;
}

/** AWS returns epoch seconds (API) or ISO strings (CLI/SDK JSON). */
function epochMs(value: JsonValue | undefined): number | undefined {
  if (typeof value === "number") return value < 1e12 ? value * 1000 : value;
  if (typeof value === "string") {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}
