/**
 * The one place that reads ARNs and task definition references: every rule about their shape
 * (docs/normalization.md cites the AWS behaviour) lives here, so a kind never writes its own regex.
 */

/** `arn:partition:service:region:account:resource`, split; the resource keeps any `:` or `/` it has. */
export type ParsedArn = { partition: string; service: string; region: string; account: string; resource: string };

const ARN_PARTS = /^arn:([^:]+):([^:]+):([^:]*):([^:]*):(.+)$/;

export function parseArn(value: string): ParsedArn | undefined {
  const match = ARN_PARTS.exec(value);
  if (!match) return undefined;
  const [, partition = "", service = "", region = "", account = "", resource = ""] = match;
  return { partition, service, region, account, resource };
}

/** `arn:partition:service:region:account:resource`: the account id, if `arn` is an ARN that has one. */
export function accountIdFromArn(arn: string): string | undefined {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn") return undefined;
  const account = parts[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}

/** True for a full ARN (as opposed to a name, `family` or `family:revision`). */
export function isArn(value: string): boolean {
  return value.startsWith("arn:");
}

/** `arn:…:ecs:…:cluster/prod` with service `ecs` and type `cluster` → `prod`; undefined for anything else. */
export function resourceInArn(value: string, service: string, type: string): string | undefined {
  const arn = parseArn(value);
  if (arn === undefined || arn.service !== service || !arn.resource.startsWith(`${type}/`)) return undefined;
  const rest = arn.resource.slice(type.length + 1);
  return rest === "" ? undefined : rest;
}

/** A name, or the name inside an ARN of that service and resource type (fields that take either). */
export function nameOrArnName(value: string, service: string, type: string): string {
  return resourceInArn(value, service, type) ?? value;
}

/** `arn:aws:ecs:region:acct:cluster/NAME` or `NAME` → `NAME`. */
export function clusterName(clusterOrArn: string): string {
  return nameOrArnName(clusterOrArn, "ecs", "cluster");
}

/** `arn:aws:events:region:acct:event-bus/NAME` or `NAME` → `NAME`. */
export function eventBusName(busOrArn: string): string {
  return nameOrArnName(busOrArn, "events", "event-bus");
}

// xref: ECS CreateCluster `clusterName` (letters, digits, hyphens, underscores, up to 255) or a cluster ARN.
export const CLUSTER_PATTERN = /^([A-Za-z0-9_-]{1,255}|arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255})$/;

const CLUSTER_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/.+$/;

/** A full ECS cluster ARN (what an EventBridge ECS target's `Arn` must be), not a cluster name. */
export function isClusterArn(value: string): boolean {
  return CLUSTER_ARN.test(value);
}

/** `arn:aws:ecs:r:a:task/prod/0f3c…` (or the old `task/0f3c…`) → `0f3c…`: the id awslogs puts in a stream name. */
export function taskIdOfArn(taskArn: string): string {
  return taskArn.slice(taskArn.lastIndexOf("/") + 1);
}

/**
 * Tags need the long service ARN (`service/<cluster>/<name>`); a short one (`service/<name>`)
 * predates it and cannot be tagged (docs/normalization.md#sv-16).
 */
export function serviceArnFormat(arn: string): "long" | "short" | undefined {
  const rest = resourceInArn(arn, "ecs", "service");
  if (rest === undefined) return undefined;
  const parts = rest.split("/");
  if (parts.some((p) => p === "")) return undefined;
  return parts.length === 1 ? "short" : parts.length === 2 ? "long" : undefined;
}

/** `arn:…:service/prod/web` (or the short `service/web`) → `web`; anything else as is. */
export function serviceNameOfArn(arn: string): string {
  const rest = resourceInArn(arn, "ecs", "service");
  return rest === undefined ? arn : rest.slice(rest.lastIndexOf("/") + 1);
}

/** `arn:…:task-definition/web:7` → family web, revision 7; without `:7`, revision undefined. */
export function parseTaskDefinitionArn(arn: string): { family: string; revision: number | undefined } | undefined {
  const rest = resourceInArn(arn, "ecs", "task-definition");
  const match = rest === undefined ? null : /^([A-Za-z0-9_-]+)(?::(\d+))?$/.exec(rest);
  if (!match?.[1]) return undefined;
  return { family: match[1], revision: match[2] === undefined ? undefined : Number(match[2]) };
}

/** `arn:aws:ecs:r:a:task-definition/web:7` → `web` (a revision ARN only). */
export function familyOfArn(arn: string): string | undefined {
  const parsed = parseTaskDefinitionArn(arn);
  return parsed?.revision === undefined ? undefined : parsed.family;
}

/** `arn:…:task-definition/web:7` → `web:7`; a family-only ARN → `web`; anything else as is. */
export function taskDefinitionRefOf(value: string): string {
  return resourceInArn(value, "ecs", "task-definition") ?? value;
}

/** `…:task-definition/web:7` or `web:7` → 7; undefined for a ref without a revision. */
export function revisionOfRef(value: string): number | undefined {
  const match = /^[^:/]+:(\d+)$/.exec(taskDefinitionRefOf(value));
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

export function taskDefinitionArn(region: string, accountId: string, family: string, revision: number): string {
  return `arn:aws:ecs:${region}:${accountId}:task-definition/${family}:${revision}`;
}

/**
 * How a Service or a rule target names its task definition (docs/design.md#task-definition-references):
 * a bare family the repo manages, a pinned `family:revision` / full ARN the repo does not manage, or an ARN without a
 * revision, which AWS reads as the family's latest ACTIVE revision (ecschedule writes these).
 */
export type TaskDefinitionRef =
  | { type: "family"; family: string }
  | { type: "pinned"; family: string; revision: number }
  | { type: "latest"; family: string }
  | { type: "invalid" };

const FAMILY = "[A-Za-z0-9_-]{1,255}";
const REF_ARN = new RegExp(`^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\\d{12}:task-definition/(${FAMILY})(?::([1-9]\\d*))?$`);
const FAMILY_REVISION = new RegExp(`^(${FAMILY}):([1-9]\\d*)$`);
const BARE_FAMILY = new RegExp(`^${FAMILY}$`);

export function parseTaskDefinitionRef(ref: string): TaskDefinitionRef {
  const arn = REF_ARN.exec(ref) ?? FAMILY_REVISION.exec(ref);
  if (arn) {
    const [, family = "", revision] = arn;
    return revision === undefined ? { type: "latest", family } : { type: "pinned", family, revision: Number(revision) };
  }
  return BARE_FAMILY.test(ref) ? { type: "family", family: ref } : { type: "invalid" };
}

/** A family, `family:revision` or task definition ARN (with or without revision): something RunTask accepts. */
export function isTaskDefinitionRef(ref: string): boolean {
  return parseTaskDefinitionRef(ref).type !== "invalid";
}

const ECS_SERVICE_RESOURCE_ID = /^service\/([^/]+)\/([^/]+)$/;

/** Application Auto Scaling's `service/<cluster>/<service>` → its cluster and service; undefined for any other resource id. */
export function parseEcsServiceResourceId(resourceId: string): { cluster: string; service: string } | undefined {
  const match = ECS_SERVICE_RESOURCE_ID.exec(resourceId);
  return match?.[1] !== undefined && match[2] !== undefined ? { cluster: match[1], service: match[2] } : undefined;
}
