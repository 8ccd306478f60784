import { assertNever } from "../assert-never.js";
import type { JsonObject } from "../json.js";
import type { Kind, ResourceKey } from "./types.js";

/** The cluster ECS uses when a request names none. */
export const AWS_DEFAULT_CLUSTER = "default";
export const AWS_DEFAULT_EVENT_BUS = "default";

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
    default:
      return assertNever(kind, "kind");
  }
}

export function parseResourceKey(key: ResourceKey): { kind: Kind; scope: string | undefined; name: string } {
  const parts = key.split("/");
  const kind = parts[0] as Kind;
  return parts.length === 2 ? { kind, scope: undefined, name: parts[1] ?? "" } : { kind, scope: parts[1], name: parts.slice(2).join("/") };
}
