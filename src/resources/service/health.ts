import { isJsonObject } from "../../json.js";
import type { JsonObject } from "../../json.js";
import { epochMs } from "../common/aws-time.js";
import type { HealthVerdict } from "../types.js";

// Circuit breaker and alarm rollbacks leave these words in the failed deployment's
// rolloutStateReason and in the service events ("(service web) rolling back to deployment ecs-svc/…").
const ROLLBACK = /rolling back|rolled back|circuit breaker/i;

/**
 * Health of an ECS service from its DescribeServices object. Pure.
 *
 * - Missing: no service, or INACTIVE / DRAINING (deleted or being deleted).
 * - Degraded: a deployment's rolloutState is FAILED (circuit breaker or alarms; with rollback the
 *   failed one is ACTIVE while the rollback is PRIMARY), a rollback was announced since the
 *   primary deployment started, or the primary has failed tasks while short of its desired count.
 * - Progressing: the primary rollout is IN_PROGRESS, more than one deployment is active, or the
 *   running count differs from the desired count.
 * - Healthy: one PRIMARY deployment, COMPLETED (or without rolloutState, for controllers that do
 *   not report it), running == desired.
 * Services without `deployments` (EXTERNAL controller) are judged on counts alone.
 */
export function serviceHealth(service: JsonObject | undefined): HealthVerdict {
  if (service === undefined) return { health: "Missing", message: "service does not exist" };
  const status = stringAt(service, "status");
  if (status === "INACTIVE" || status === "DRAINING") return { health: "Missing", message: `service is ${status}` };

  const deployments = Array.isArray(service.deployments) ? service.deployments.filter(isJsonObject) : [];
  const primary = deployments.find((d) => d.status === "PRIMARY");
  const running = numberAt(primary, "runningCount") ?? numberAt(service, "runningCount");
  const desired = numberAt(primary, "desiredCount") ?? numberAt(service, "desiredCount");
  if (running === undefined || desired === undefined) return { health: "Unknown", message: "DescribeServices returned no task counts" };
  const counts = `${running}/${desired} tasks running`;

  const failed = deployments.find((d) => d.rolloutState === "FAILED" && d.status !== "INACTIVE");
  if (failed !== undefined) {
    const reason = stringAt(failed, "rolloutStateReason") ?? "rollout failed";
    const rollingBack = failed !== primary ? "; rolling back to the last completed deployment" : "";
    return { health: "Degraded", message: `deployment ${stringAt(failed, "id") ?? "?"} failed: ${reason}${rollingBack}` };
  }
  const rollback = rollbackEvent(service, primary);
  if (rollback !== undefined) return { health: "Degraded", message: `rolled back: ${rollback}` };
  const failedTasks = numberAt(primary, "failedTasks") ?? 0;
  if (failedTasks > 0 && running < desired) {
    return { health: "Degraded", message: `${failedTasks} task(s) failed to start or stay healthy; ${counts}` };
  }

  if (primary?.rolloutState === "IN_PROGRESS") return { health: "Progressing", message: `rollout in progress: ${counts}` };
  if (deployments.length > 1) return { health: "Progressing", message: `${deployments.length} deployments active: ${counts}` };
  if (running !== desired) return { health: "Progressing", message: counts };
  if (primary === undefined && deployments.length > 0) return { health: "Unknown", message: "no PRIMARY deployment" };
  return { health: "Healthy", message: counts };
}

/** A rollback announced in the service events since the primary deployment was created. */
function rollbackEvent(service: JsonObject, primary: JsonObject | undefined): string | undefined {
  const since = timeAt(primary, "createdAt");
  if (since === undefined || !Array.isArray(service.events)) return undefined;
  for (const event of service.events) {
    if (!isJsonObject(event)) continue;
    const at = timeAt(event, "createdAt");
    const message = stringAt(event, "message");
    if (at !== undefined && at >= since && message !== undefined && ROLLBACK.test(message)) return message;
  }
  return undefined;
}

function stringAt(object: JsonObject | undefined, key: string): string | undefined {
  const value = object?.[key];
  return typeof value === "string" ? value : undefined;
}

function numberAt(object: JsonObject | undefined, key: string): number | undefined {
  const value = object?.[key];
  return typeof value === "number" ? value : undefined;
}

function timeAt(object: JsonObject | undefined, key: string): number | undefined {
  return epochMs(object?.[key]);
}

/** ECS rolled the service back (circuit breaker or alarms): its revision is ECS's choice, not a hand edit. */
export function isRolledBack(service: JsonObject | undefined): boolean {
  const verdict = serviceHealth(service);
  return verdict.health === "Degraded" && ROLLBACK_MESSAGE.test(verdict.message);
}

const ROLLBACK_MESSAGE = /rolling back|rolled back/i;
