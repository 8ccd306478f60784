import { serviceArnFormat } from "../../aws/arn.js";
import { assertNever } from "../../assert-never.js";
import { parseIgnorePath } from "../../diff/structural.js";
import type { JsonObject, JsonValue } from "../../json.js";
import { AWS_DEFAULT_CLUSTER } from "../../manifests/identity.js";
import type { Manifest } from "../../manifests/types.js";
import { adoptionNotes, blocked, createChanges, diffResource, ignoredNotes, unresolvedReference } from "../common/plan-diff.js";
import { keepLiveAt, ignoreRulesOf, notOwned, tagCalls } from "../common/plan-util.js";
import type { TagChange } from "../common/plan-util.js";
import { manifestSpecHash } from "../common/spec-hash.js";
import { desiredTags, isNotOurs, ownership, tagListToMap, tagMapToList, tagsForWrite } from "../common/tags.js";
import type { TagMap } from "../common/tags.js";
import { arnPlaceholder, SPEC_HASH_TAG } from "../types.js";
import type { Action, Change, PlanContext, PlannedCall } from "../types.js";
import { normalizeService, SERVICE_CREATE_ONLY_FIELDS, serviceNormalizeOptions } from "./normalize.js";
import { forceReasons, holdPin, restartTags } from "./deploy-controls.js";
import { hookNotes } from "./hooks.js";
import { planRevisionRollout } from "./codedeploy.js";

// xref: UpdateService API reference — what UpdateService may change per deployment controller
// ("For services using the blue/green (CODE_DEPLOY) deployment controller, only …").
const UPDATABLE_BY_CONTROLLER: Record<string, readonly string[]> = {
  CODE_DEPLOY: [
    "desiredCount",
    "deploymentConfiguration",
    "healthCheckGracePeriodSeconds",
    "placementConstraints",
    "placementStrategy",
    "enableECSManagedTags",
    "propagateTags",
  ],
  EXTERNAL: [
    "desiredCount",
    "healthCheckGracePeriodSeconds",
    "placementConstraints",
    "placementStrategy",
    "enableECSManagedTags",
    "propagateTags",
  ],
};

// xref: docs/normalization.md#sv-17 — ecspresso svToUpdateServiceInput; UpdateService API reference:
// "You can remove existing loadBalancers by passing an empty list" (likewise the others).
const REMOVE_WITH_EMPTY_LIST = [
  "loadBalancers",
  "serviceRegistries",
  "volumeConfigurations",
  "vpcLatticeConfigurations",
  "placementConstraints",
  "placementStrategy",
];

type TaskDefinitionRef = { display: string; input: string } | { unresolved: string } | undefined;

/**
 * Plan one service: `live` is the DescribeServices service (with `tags`, include:[TAGS]) or
 * undefined when it is missing or INACTIVE. Create with the spec as written; update with one
 * UpdateService carrying only the changed top-level fields, tags through Tag/UntagResource;
 * never recreate: create-only differences and foreign services are `blocked`. Pure.
 */
export function planService(manifest: Manifest, live: JsonObject | undefined, ctx: PlanContext): Action {
  const base = { key: manifest.key, kind: manifest.kind };
  const spec = manifest.spec;
  let td = resolveTaskDefinition(spec, ctx);
  // The spec hash tells a deploy from drift after a restart (reconciler); it changes only with git.
  let wantTags = desiredTags(manifest, ctx, { [SPEC_HASH_TAG]: manifestSpecHash(manifest), ...restartTags(manifest) });
  if (live === undefined) return planCreate(manifest, td, wantTags, ctx);

  const ignored = ignoreRulesOf(manifest, ctx);
  const opts = serviceNormalizeOptions(spec, live);
  const liveTags = tagListToMap(live["tags"]);
  // A rollback pin holds the revision (docs/deploys.md#rollback); everything else still syncs.
  const pin = holdPin(td, liveTags);
  if (pin !== undefined) [td, wantTags] = [pin.ref, { ...wantTags, ...pin.keepTags }];
  const owner = ownership(liveTags, manifest, ctx);
  if (td !== undefined && "unresolved" in td && opts.controller === "ECS") {
    // Not ours is the answer whatever else is wrong: nothing to wait for.
    if (isNotOurs(owner)) return notOwned(manifest, ctx, liveTags, [], `service "${manifest.name}"`, "the existing service");
    return unresolvedReference(manifest, `taskDefinition "${String(spec["taskDefinition"])}": ${td.unresolved}`);
  }
  const want = normalizeService(withTaskDefinition(spec, td), opts);
  const have = normalizeService(live, opts);
  const diff = diffResource(want, have, { want: wantTags, live: liveTags }, ignored, ctx);
  const wanted = td !== undefined && !("unresolved" in td) ? td : undefined;
  const rollout = planRevisionRollout(manifest, live, opts.controller, wanted, clusterParam(spec, ctx));
  const changes = [...diff.spec, ...(rollout.type === "none" ? [] : [rollout.change]), ...diff.tags.map((t) => t.change)];
  if (isNotOurs(owner)) return notOwned(manifest, ctx, liveTags, changes, `service "${manifest.name}"`, "the existing service");
  if (rollout.type === "blocked") return blocked(manifest, "ImmutableField", changes, rollout);

  const changed = changedFields(diff.spec);
  const immutable = immutableChange(manifest, changed, want, have, opts.controller);
  if (immutable !== undefined) return blocked(manifest, "ImmutableField", changes, immutable);

  const calls: PlannedCall[] = [];
  const notes: string[] = [];
  const force = forceReasons(manifest, liveTags, changed, want);
  if (changed.length > 0 || force.length > 0) {
    const input = updateServiceInput(manifest, ctx, changed, want, have, td, ignored);
    calls.push({ operation: "ecs:UpdateService", input: force.length > 0 ? { ...input, forceNewDeployment: true } : input });
  }
  if (rollout.type === "deploy") calls.push(rollout.call);
  notes.push(...force, ...(pin ? [pin.note] : []));
  const serviceArn = typeof live["serviceArn"] === "string" ? live["serviceArn"] : undefined;
  const tagWrites = serviceTagCalls(serviceArn, diff.tags, ctx);
  if (tagWrites.calls.length > 0 && !tagWrites.writable) {
    if (calls.length === 0) {
      return blocked(manifest, "InvalidRequest", changes, {
        reason: `the service ARN ${serviceArn ?? "(unknown)"} is in the old short format, which ECS cannot tag`,
        hint: "opt in to the long ARN format (PutAccountSetting serviceLongArnFormat) and recreate the service, or drop the labels",
      });
    }
    notes.push("tags not written: the service ARN is in the old short format, which ECS cannot tag");
  } else {
    calls.push(...tagWrites.calls);
  }
  notes.push(...ignoredNotes(diff));
  if (opts.dropNamespace) notes.push("serviceConnectConfiguration.namespace not compared: one side names it, the other gives its ARN");
  notes.push(...adoptionNotes(owner, calls.length > 0, "service"));
  notes.push(...hookNotes(manifest, calls));
  return { type: calls.length > 0 ? "update" : "noop", ...base, changes, calls, ...(notes.length > 0 ? { notes } : {}) };
}

function planCreate(manifest: Manifest, td: TaskDefinitionRef, wantTags: TagMap, ctx: PlanContext): Action {
  const base = { key: manifest.key, kind: manifest.kind };
  const spec = manifest.spec;
  if (td !== undefined && "unresolved" in td) {
    return unresolvedReference(manifest, `taskDefinition "${String(spec["taskDefinition"])}": ${td.unresolved}`);
  }
  // The spec as written (CreateService input): no defaults added, so AWS applies its own.
  const input: JsonObject = { ...spec, serviceName: manifest.name, cluster: clusterParam(spec, ctx) };
  if (td !== undefined) input["taskDefinition"] = td.input;
  input["tags"] = tagMapToList(tagsForWrite(wantTags, ctx), "ecs");
  const changes = createChanges(withTaskDefinition(spec, td), wantTags, ctx);
  const calls: PlannedCall[] = [{ operation: "ecs:CreateService", input }];
  const notes = hookNotes(manifest, calls);
  return { type: "create", ...base, changes, calls, ...(notes.length > 0 ? { notes } : {}) };
}

function updateServiceInput(
  manifest: Manifest,
  ctx: PlanContext,
  changed: readonly string[],
  want: JsonObject,
  have: JsonObject,
  td: TaskDefinitionRef,
  ignored: readonly string[][],
): JsonObject {
  const input: JsonObject = { cluster: clusterParam(manifest.spec, ctx), service: manifest.name };
  for (const field of changed) {
    if (field === "taskDefinition" && td !== undefined && !("unresolved" in td)) {
      input[field] = td.input; // the ARN (or the placeholder apply fills in), never `family:rev`
      continue;
    }
    const value = want[field];
    if (value !== undefined) input[field] = structuredClone(value);
    else input[field] = field === "serviceConnectConfiguration" ? { enabled: false } : [];
  }
  // A nested ignored path inside a field that is sent anyway keeps its live value.
  for (const rule of ignored) {
    const [head, ...rest] = rule;
    if (
      head === undefined ||
      rest.length === 0 ||
      head === "cluster" ||
      head === "service" ||
      !(head in input) ||
      head === "taskDefinition"
    )
      continue;
    const value = input[head];
    if (value !== undefined) keepLiveAt(value, have[head], rest);
  }
  return input;
}

function resolveTaskDefinition(spec: JsonObject, ctx: PlanContext): TaskDefinitionRef {
  const ref = spec["taskDefinition"];
  if (typeof ref !== "string" || ref === "") return undefined;
  const resolved = ctx.resolveTaskDefinition(ref);
  switch (resolved.state) {
    case "known":
      return { display: resolved.arn, input: resolved.arn };
    case "pending":
      return { display: `${resolved.family}:(new)`, input: arnPlaceholder(resolved.key) };
    case "unresolved":
      return { unresolved: resolved.reason };
    default:
      return assertNever(resolved, "task definition resolution");
  }
}

/** The spec with its task definition reference replaced by what it resolves to (SV-4, ACK #2361). */
function withTaskDefinition(spec: JsonObject, td: TaskDefinitionRef): JsonObject {
  if (td === undefined || "unresolved" in td) return spec;
  return { ...spec, taskDefinition: td.display };
}

function clusterParam(spec: JsonObject, ctx: PlanContext): string {
  const cluster = spec["cluster"];
  return typeof cluster === "string" && cluster !== "" ? cluster : (ctx.defaultCluster ?? AWS_DEFAULT_CLUSTER);
}

function changedFields(changes: readonly Change[]): string[] {
  const fields = new Set<string>();
  for (const change of changes) {
    const head = parseIgnorePath(change.path)[0];
    if (head !== undefined) fields.add(head);
  }
  return [...fields].sort();
}

function describeField(field: string, want: JsonObject, have: JsonObject): string {
  return `${field} (desired ${show(want[field])}, live ${show(have[field])})`;
}

function show(value: JsonValue | undefined): string {
  return value === undefined ? "unset" : JSON.stringify(value);
}

/** Tag calls on the service; tagging needs the long ARN format (xref: SV-16, arn:…:service/<cluster>/<name>). */
function serviceTagCalls(
  serviceArn: string | undefined,
  changes: readonly TagChange[],
  ctx: PlanContext,
): { calls: PlannedCall[]; writable: boolean } {
  const writable = serviceArn !== undefined && serviceArnFormat(serviceArn) === "long";
  return { calls: tagCalls(serviceArn ?? "", changes, ctx, "ecs"), writable };
}

/**
 * Changes UpdateService cannot make: create-only fields, fields the deployment controller owns,
 * fields it cannot remove. Undefined when it can make them all.
 */
function immutableChange(
  manifest: Manifest,
  changed: readonly string[],
  want: JsonObject,
  have: JsonObject,
  controller: string,
): { reason: string; hint: string } | undefined {
  const createOnly = changed.filter((f) => (SERVICE_CREATE_ONLY_FIELDS as readonly string[]).includes(f));
  if (createOnly.length > 0)
    return {
      reason: `ECS cannot change ${createOnly.map((f) => describeField(f, want, have)).join(", ")} on an existing service`,
      hint:
        `the service must be replaced: delete it and let ecs-gitops create it ` +
        `again, or rename metadata.name in ${manifest.file} to create a new service ` +
        `side by side and remove the old one after the switch`,
    };
  const allowed = UPDATABLE_BY_CONTROLLER[controller];
  const controllerOwned = allowed ? changed.filter((f) => !allowed.includes(f)) : [];
  if (controllerOwned.length > 0)
    return {
      reason:
        `the ${controller} deployment controller owns ${controllerOwned.join(", ")}: ` +
        `UpdateService cannot change ${controllerOwned.length > 1 ? "them" : "it"}`,
      hint:
        controller === "CODE_DEPLOY"
          ? "roll the change out with a CodeDeploy deployment (CreateDeployment), or keep these fields equal to the live service"
          : "roll the change out with a new task set (CreateTaskSet), or keep these fields equal to the live service",
    };
  const unremovable = changed.filter(
    (f) => want[f] === undefined && !REMOVE_WITH_EMPTY_LIST.includes(f) && f !== "serviceConnectConfiguration",
  );
  if (unremovable.length > 0)
    return {
      reason: `UpdateService cannot remove ${unremovable.join(", ")} from an existing service`,
      hint: `set ${unremovable.join(", ")} in ${manifest.file} to the wanted value, or replace the service`,
    };
  return undefined;
}
