import { clusterName } from "../../aws/arn.js";
import { isJsonObject } from "../../json.js";
import type { JsonObject } from "../../json.js";
import { epochMs } from "../common/aws-time.js";

/** Where one deployment of a service stands. `inProgress` until ECS settles it either way. */
export type RolloutState = "inProgress" | "succeeded" | "failed" | "rolledBack";

export type RolloutVerdict = {
  state: RolloutState;
  /** Why it failed or rolled back (from the service events when they tell), or how far it got. */
  reason?: string;
  /** The deployment judged (the one asked for, else the PRIMARY one). */
  deploymentId?: string;
  /** The revision that deployment runs. */
  revision?: string;
  /** Epoch ms ECS last touched the deployment, once it settled. */
  finishedAtMs?: number;
};

// The circuit breaker and alarm rollbacks announce themselves in these words, in the failed
// deployment's rolloutStateReason and in the service events.
const ROLLBACK = /rolling back|rolled back|circuit breaker/i;
// Events that report progress, not a cause: never the reason a deployment failed.
const ROUTINE = new RegExp(
  [
    /has reached a steady state/,
    /has started \d+ tasks?/,
    /has stopped \d+ running tasks?/,
    /deployment \S+ completed/,
    /registered \d+ targets?/,
    /deregistered \d+ targets?/,
    /has begun draining/,
  ]
    .map((r) => r.source)
    .join("|"),
  "i",
);

/**
 * Judge one deployment of a DescribeServices service object. `deploymentId` is the deployment our
 * CreateService/UpdateService answer named; undefined judges the PRIMARY one. `startedAtMs` (when
 * we wrote) bounds the events read once our deployment has left the list. Pure.
 *
 * - succeeded: rolloutState COMPLETED, or (no rolloutState) the only deployment with running == desired.
 * - rolledBack: FAILED while another deployment took over, or a rollback announced for it.
 * - failed: FAILED without a rollback; the service is gone; another deployment replaced ours.
 * - inProgress: anything else.
 */
export function judgeRollout(service: JsonObject | undefined, deploymentId: string | undefined, startedAtMs?: number): RolloutVerdict {
  if (service === undefined || service["status"] === "INACTIVE") return { state: "failed", reason: "the service no longer exists" };
  const deployments = Array.isArray(service["deployments"]) ? service["deployments"].filter(isJsonObject) : [];
  const primary = deployments.find((d) => d["status"] === "PRIMARY");
  const ours = deploymentId === undefined ? primary : deployments.find((d) => d["id"] === deploymentId);
  if (ours === undefined) {
    // Our deployment left the list: ECS rolled it back (announced), or a later deployment replaced it.
    const since = startedAtMs ?? epochMs(primary?.["createdAt"]);
    if (eventsSince(service, since).some((m) => ROLLBACK.test(m)))
      return { state: "rolledBack", reason: causeSince(service, since, undefined), ...idOf(primary) };
    return {
      state: "failed",
      reason: `replaced by deployment ${text(primary, "id") ?? "(unknown)"} before it completed`,
      ...idOf(primary),
    };
  }
  const base = { ...idOf(ours) };
  const finishedAtMs = epochMs(ours["updatedAt"]);
  const settled = finishedAtMs === undefined ? {} : { finishedAtMs };
  if (ours["rolloutState"] === "FAILED") {
    const cause = causeSince(service, epochMs(ours["createdAt"]), text(ours, "rolloutStateReason"));
    const rolledBack = ours !== primary || ROLLBACK.test(text(ours, "rolloutStateReason") ?? "") || hasRollbackEvent(service, ours);
    return { state: rolledBack ? "rolledBack" : "failed", reason: cause, ...base, ...settled };
  }
  if (ours !== primary && primary !== undefined && hasRollbackEvent(service, ours))
    return { state: "rolledBack", reason: causeSince(service, epochMs(ours["createdAt"]), undefined), ...base, ...settled };
  if (ours["rolloutState"] === "COMPLETED") return { state: "succeeded", ...base, ...settled };
  const running = count(ours, "runningCount");
  const desired = count(ours, "desiredCount");
  if (ours["rolloutState"] === undefined && ours === primary && deployments.length === 1 && running === desired)
    return { state: "succeeded", ...base, ...settled };
  const failedTasks = count(ours, "failedTasks");
  const progress = `${running}/${desired} tasks running${failedTasks > 0 ? `, ${failedTasks} failed` : ""}`;
  return { state: "inProgress", reason: progress, ...base };
}

/** The newest service event since `sinceMs` that names a cause, with the deployment's rolloutStateReason. */
function causeSince(service: JsonObject, sinceMs: number | undefined, stateReason: string | undefined): string {
  const events = eventsSince(service, sinceMs);
  const cause = events.find((m) => !ROUTINE.test(m) && !ROLLBACK.test(m));
  if (cause !== undefined && stateReason !== undefined) return `${stateReason} ${cause}`;
  return cause ?? stateReason ?? events.find((m) => ROLLBACK.test(m)) ?? "the deployment failed (ECS gave no reason)";
}

function hasRollbackEvent(service: JsonObject, deployment: JsonObject): boolean {
  return eventsSince(service, epochMs(deployment["createdAt"])).some((m) => ROLLBACK.test(m));
}

/** Event messages at or after `sinceMs`, newest first (as AWS lists them, but sorted to be sure). */
function eventsSince(service: JsonObject, sinceMs: number | undefined): string[] {
  const events = Array.isArray(service["events"]) ? service["events"].filter(isJsonObject) : [];
  return events
    .map((e) => ({ at: epochMs(e["createdAt"]) ?? 0, message: text(e, "message") }))
    .filter((e): e is { at: number; message: string } => e.message !== undefined && (sinceMs === undefined || e.at >= sinceMs))
    .sort((a, b) => b.at - a.at)
    .map((e) => e.message);
}

/** The deployment a CreateService / UpdateService answer started: the service, its cluster, the PRIMARY deployment and revision. */
export function startedDeployment(
  service: JsonObject,
): { cluster: string; service: string; deploymentId: string | undefined; revision: string | undefined } | undefined {
  const name = service["serviceName"];
  const clusterArn = service["clusterArn"];
  if (typeof name !== "string" || typeof clusterArn !== "string") return undefined;
  const deployments = Array.isArray(service["deployments"]) ? service["deployments"].filter(isJsonObject) : [];
  const primary = deployments.find((d) => d["status"] === "PRIMARY");
  const id = primary?.["id"];
  const revision = service["taskDefinition"] ?? primary?.["taskDefinition"];
  return {
    cluster: clusterName(clusterArn),
    service: name,
    deploymentId: typeof id === "string" ? id : undefined,
    revision: typeof revision === "string" ? revision : undefined,
  };
}

function idOf(deployment: JsonObject | undefined): { deploymentId?: string; revision?: string } {
  const id = text(deployment, "id");
  const revision = text(deployment, "taskDefinition");
  return { ...(id === undefined ? {} : { deploymentId: id }), ...(revision === undefined ? {} : { revision }) };
}

function text(object: JsonObject | undefined, key: string): string | undefined {
  const value = object?.[key];
  return typeof value === "string" ? value : undefined;
}

function count(object: JsonObject, key: string): number {
  const value = object[key];
  return typeof value === "number" ? value : 0;
}
