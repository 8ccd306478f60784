import { isJsonObject } from "../../json.js";
import type { JsonObject } from "../../json.js";
import { epochMs } from "../common/aws-time.js";

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
