import { clusterName, eventBusName, nameOrArnName } from "../aws/arn.js";
import { EcsGitopsError } from "../errors.js";
import type { JsonObject } from "../json.js";
import { descriptorOf, KINDS } from "./kinds.js";
import { keyParts } from "./key-parts.js";
import type { Kind, ResourceKey } from "./types.js";

/** The cluster ECS uses when a request names none. */
export const AWS_DEFAULT_CLUSTER = "default";
export const AWS_DEFAULT_EVENT_BUS = "default";
/** The schedule group EventBridge Scheduler uses when a request names none. */
export const AWS_DEFAULT_SCHEDULE_GROUP = "default";

export { clusterName, eventBusName };

export function effectiveCluster(spec: JsonObject, defaultCluster: string | undefined): string {
  const cluster = spec["cluster"];
  return typeof cluster === "string" && cluster !== "" ? clusterName(cluster) : (defaultCluster ?? AWS_DEFAULT_CLUSTER);
}

export function resourceKey(kind: Kind, name: string, spec: JsonObject, defaultCluster?: string): ResourceKey {
  const scope = descriptorOf(kind).scope;
  if (scope === undefined) return `${kind}/${name}`;
  const value = spec[scope.field];
  if (typeof value === "string" && value !== "") return `${kind}/${nameOrArnName(value, scope.arn.service, scope.arn.type)}/${name}`;
  return `${kind}/${(scope.fromSettings === "defaultCluster" ? defaultCluster : undefined) ?? scope.defaultValue}/${name}`;
}

export type ParsedResourceKey = { kind: Kind; scope: string | undefined; name: string };

/**
 * `Service/prod/web` → kind Service, scope prod, name web; `TaskDefinition/web` has no scope. The
 * one parser of resource keys; a malformed key is a bug in ecs-gitops (keys are built, never typed).
 */
export function parseResourceKey(key: ResourceKey): ParsedResourceKey {
  const parsed = readResourceKey(key);
  if (parsed === undefined)
    throw new EcsGitopsError("Internal", `resource key ${JSON.stringify(key)} is not <Kind>/…/<name>`, { where: key });
  return parsed;
}

/** `parseResourceKey` for keys of manifests that may be invalid (a problem's key): undefined, never a throw. */
export function readResourceKey(key: ResourceKey): ParsedResourceKey | undefined {
  const parts = keyParts(key);
  const kind = KINDS.find((k) => k === parts?.kind);
  return parts === undefined || kind === undefined ? undefined : { ...parts, kind };
}
