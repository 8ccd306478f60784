import { assertNever } from "../assert-never.js";
import { EcsGitopsError } from "../errors.js";
import type { JsonObject } from "../json.js";
import { KINDS } from "./types.js";
import type { Kind, ResourceKey } from "./types.js";

/** The cluster ECS uses when a request names none. */
export const AWS_DEFAULT_CLUSTER = "default";
export const AWS_DEFAULT_EVENT_BUS = "default";
/** The schedule group EventBridge Scheduler uses when a request names none. */
export const AWS_DEFAULT_SCHEDULE_GROUP = "default";

/** `arn:aws:ecs:region:acct:cluster/NAME` or `NAME` → `NAME`. */
export function clusterName(clusterOrArn: string): string {
  const match = /^arn:[^:]+:ecs:[^:]*:[^:]*:cluster\/(.+)$/.exec(clusterOrArn);
  return match?.[1] ?? clusterOrArn;
}

/** `arn:aws:events:region:acct:event-bus/NAME` or `NAME` → `NAME`. */
export function eventBusName(busOrArn: string): string {
  const match = /^arn:[^:]+:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(busOrArn);
  return match?.[1] ?? busOrArn;
}

export function effectiveCluster(spec: JsonObject, defaultCluster: string | undefined): string {
  const cluster = spec["cluster"];
  return typeof cluster === "string" && cluster !== "" ? clusterName(cluster) : (defaultCluster ?? AWS_DEFAULT_CLUSTER);
}

export function resourceKey(kind: Kind, name: string, spec: JsonObject, defaultCluster?: string): ResourceKey {
  switch (kind) {
    case "TaskDefinition":
      return `TaskDefinition/${name}`;
    case "Service":
      return `Service/${effectiveCluster(spec, defaultCluster)}/${name}`;
    case "ScheduledRule": {
      const bus = spec["eventBusName"];
      return `ScheduledRule/${typeof bus === "string" && bus !== "" ? eventBusName(bus) : AWS_DEFAULT_EVENT_BUS}/${name}`;
    }
    case "Schedule": {
      const group = spec["groupName"];
      return `Schedule/${typeof group === "string" && group !== "" ? group : AWS_DEFAULT_SCHEDULE_GROUP}/${name}`;
    }
    case "ScalableTarget":
      return `ScalableTarget/${name}`;
    default:
      return assertNever(kind, "kind");
  }
}

/**
 * `Service/prod/web` → kind Service, scope prod, name web; `TaskDefinition/web` has no scope. The
 * one parser of resource keys; a malformed key is a bug in ecs-gitops (keys are built, never typed).
 */
export function parseResourceKey(key: ResourceKey): { kind: Kind; scope: string | undefined; name: string } {
  const parts = key.split("/");
  const kind = KINDS.find((k) => k === parts[0]);
  const name = parts.at(-1);
  if (kind === undefined || name === undefined || parts.length < 2 || name === "") {
    throw new EcsGitopsError("Internal", `resource key ${JSON.stringify(key)} is not <Kind>/…/<name>`, { where: key });
  }
  return { kind, scope: parts.length > 2 ? parts.slice(1, -1).join("/") : undefined, name };
}
