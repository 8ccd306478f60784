import { isJsonObject, parseJsonOrUndefined } from "../../json.js";
import type { JsonObject, JsonPath, JsonValue } from "../../json.js";
import { eventBusName, parseArn, parseTaskDefinitionArn, resourceInArn } from "../../aws/arn.js";
import { AWS_DEFAULT_EVENT_BUS } from "../../manifests/identity.js";
import { API_VERSION } from "../../manifests/types.js";
import { compact } from "../common/normalize-util.js";
import { tagListToMap } from "../common/tags.js";
import { ADOPT_ANNOTATIONS, asObject, labelsFromTags, plaintextSecretReviews, projectBySchema } from "../common/schema-util.js";
import type { ExportedManifest, ExportReview, SchemaNode, TaskDefinitionReference } from "../common/schema-util.js";
import type { LiveScheduledRule } from "./normalize.js";
import { AWSVPC_NAMES, liveAwsvpc, liveEcsTags, renamed, setLivePolicies } from "./target-wire.js";

/*
 * `ecs-gitops export` for one EventBridge rule (docs/design.md#export-onboarding): DescribeRule/ListRules,
 * ListTargetsByRule and ListTagsForResource (PascalCase) turned into the manifest's camelCase,
 * the inverse of what the planner sends. Only ECS task targets are a ScheduledRule's targets;
 * others are skipped and said so. Left out where the normalizer fills the same value: state
 * ENABLED, the default bus, taskCount 1, assignPublicIp DISABLED, the EcsParameters booleans
 * false, capacity provider base 0, "" for "not set" (EB-1, EB-4).
 */

/** A live target that is not an ECS task: not a ScheduledRule target, so not exported. */
export type SkippedTarget = { id: string; arn: string };
export type ScheduledRuleExport = ExportedManifest & { skippedTargets: SkippedTarget[]; ecsTargets: number };

export type ScheduledRuleExportOptions = {
  /** Default: a pin (`family:revision`) the repository does not manage. */
  taskDefinition?: (arn: string) => TaskDefinitionReference;
};

const TASK_OVERRIDE_SCHEMA: SchemaNode = { $ref: "#/$defs/ecs.TaskOverride" };

/** The ScheduledRule manifest for a live rule and its targets. Pure. */
export function exportScheduledRule(live: LiveScheduledRule, options: ScheduledRuleExportOptions = {}): ScheduledRuleExport {
  const rule = live.rule;
  const name = typeof rule["Name"] === "string" ? rule["Name"] : "";
  const reviews: ExportReview[] = [];
  const spec: JsonObject = {};
  setString(spec, "scheduleExpression", rule["ScheduleExpression"]);
  const pattern = parsePattern(rule["EventPattern"]);
  if (pattern !== undefined) spec["eventPattern"] = pattern;
  const state = rule["State"];
  // xref: docs/normalization.md#eb-1 — PutRule without State means ENABLED.
  if (state === "DISABLED") spec["state"] = "DISABLED";
  else if (typeof state === "string" && state !== "ENABLED")
    reviews.push({
      path: ["spec"],
      message:
        `the live state ${state} cannot be written in a ScheduledRule (ENABLED ` +
        `or DISABLED): exported as ENABLED, the diff will show it`,
    });
  setString(spec, "description", rule["Description"]);
  const bus = typeof rule["EventBusName"] === "string" ? eventBusName(rule["EventBusName"]) : AWS_DEFAULT_EVENT_BUS;
  if (bus !== AWS_DEFAULT_EVENT_BUS) spec["eventBusName"] = bus;
  setString(spec, "roleArn", rule["RoleArn"]);

  const ruleArn = typeof rule["Arn"] === "string" ? rule["Arn"] : "";
  const reference = options.taskDefinition ?? pinnedReference;
  const targets: JsonValue[] = [];
  const skippedTargets: SkippedTarget[] = [];
  for (const target of live.targets) {
    const id = typeof target["Id"] === "string" ? target["Id"] : "";
    const ecs = target["EcsParameters"];
    if (!isJsonObject(ecs) || typeof ecs["TaskDefinitionArn"] !== "string") {
      skippedTargets.push({ id, arn: typeof target["Arn"] === "string" ? target["Arn"] : "" });
      continue;
    }
    const at: JsonPath = ["spec", "targets", targets.length];
    targets.push(exportTarget(target, ecs, ruleArn, reference, at, reviews));
  }
  spec["targets"] = targets;
  if (skippedTargets.length > 0) {
    const list = skippedTargets.map((t) => `${t.id} (${t.arn})`).join(", ");
    reviews.push({
      path: ["spec", "targets"],
      message:
        `not exported, not ECS task targets: ${list}. Applying this rule REMOVES ` +
        `them (RemoveTargets): move them to another rule first, or do not manage ` +
        `this rule with ecs-gitops`,
    });
  }

  const metadata: JsonObject = { name };
  const labels = labelsFromTags(tagListToMap(live.tags));
  if (Object.keys(labels).length > 0) metadata["labels"] = labels;
  metadata["annotations"] = { ...ADOPT_ANNOTATIONS };
  return {
    document: { apiVersion: API_VERSION, kind: "ScheduledRule", metadata, spec },
    reviews,
    skippedTargets,
    ecsTargets: targets.length,
  };
}

/** `…:task-definition/report:5` → `report:5` (a pin); a family-only ARN stays whole (EB-6). */
export function pinnedReference(arn: string): TaskDefinitionReference {
  const parsed = parseTaskDefinitionArn(arn);
  return { ref: parsed?.revision === undefined ? arn : `${parsed.family}:${parsed.revision}` };
}

function exportTarget(
  target: JsonObject,
  ecs: JsonObject,
  ruleArn: string,
  reference: (arn: string) => TaskDefinitionReference,
  at: JsonPath,
  reviews: ExportReview[],
): JsonObject {
  const out: JsonObject = {};
  setString(out, "id", target["Id"]);
  setString(out, "cluster", clusterReference(typeof target["Arn"] === "string" ? target["Arn"] : "", ruleArn));
  const td = reference(String(ecs["TaskDefinitionArn"]));
  out["taskDefinition"] = td.ref;
  if (td.review !== undefined) reviews.push({ path: [...at, "taskDefinition"], message: td.review });
  if (!setString(out, "roleArn", target["RoleArn"])) {
    reviews.push({ path: at, message: "the live target has no RoleArn, without which EventBridge cannot call ecs:RunTask: set roleArn" });
  }
  // xref: docs/normalization.md#eb-4 — "" is what some tools store for "not set".
  setString(out, "launchType", ecs["LaunchType"]);
  setString(out, "platformVersion", ecs["PlatformVersion"]);
  // xref: EB-4 — EcsParameters.TaskCount: "The default is 1".
  if (typeof ecs["TaskCount"] === "number" && ecs["TaskCount"] !== 1) out["taskCount"] = ecs["TaskCount"];
  const awsvpc = liveAwsvpc(ecs);
  if (awsvpc) {
    const vpc = renamed(awsvpc, AWSVPC_NAMES, "spec");
    // xref: SV-7 applied to targets — AssignPublicIp unset ≡ DISABLED.
    if (vpc["assignPublicIp"] === "DISABLED") delete vpc["assignPublicIp"];
    out["networkConfiguration"] = { awsvpcConfiguration: vpc };
  }
  setString(out, "group", ecs["Group"]);
  const strategy = ecs["CapacityProviderStrategy"];
  // Items are camelCase in the API already; base unset ≡ 0.
  if (Array.isArray(strategy))
    out["capacityProviderStrategy"] = strategy
      .filter(isJsonObject)
      .map(({ base, ...rest }) => (base === 0 || base === undefined ? rest : { ...rest, base }));
  if (ecs["EnableECSManagedTags"] === true) out["enableECSManagedTags"] = true;
  if (ecs["EnableExecuteCommand"] === true) out["enableExecuteCommand"] = true;
  if (Array.isArray(ecs["PlacementConstraints"])) out["placementConstraints"] = ecs["PlacementConstraints"];
  if (Array.isArray(ecs["PlacementStrategy"])) out["placementStrategy"] = ecs["PlacementStrategy"];
  setString(out, "propagateTags", ecs["PropagateTags"]);
  setString(out, "referenceId", ecs["ReferenceId"]);
  if (Array.isArray(ecs["Tags"])) out["tags"] = liveEcsTags(ecs["Tags"]);
  exportInput(target, out, at, reviews);
  setLivePolicies(target, out);
  return asObject(compact(out));
}

/** The target's Input is the ECS TaskOverride as a JSON string (EB-5): it becomes `overrides`. */
function exportInput(target: JsonObject, out: JsonObject, at: JsonPath, reviews: ExportReview[]): void {
  for (const field of ["InputPath", "InputTransformer"]) {
    if (target[field] !== undefined && target[field] !== null)
      reviews.push({
        path: at,
        message:
          `the live target has ${field}, which a ScheduledRule cannot express (an ` +
          `ECS target's overrides are sent as a fixed Input): not exported, the diff ` +
          `will show it`,
      });
  }
  const input = target["Input"];
  if (typeof input !== "string" || input === "") return;
  const parsed = parseJsonOrUndefined(input);
  if (!isJsonObject(parsed)) {
    reviews.push({
      path: at,
      message:
        `the live Input is not a JSON object (ECS task overrides): not exported, ` +
        `the diff will show it. Input was: ${input.slice(0, 200)}`,
    });
    return;
  }
  const droppedPaths: JsonPath[] = [];
  const overrides = asObject(compact(projectBySchema(parsed, TASK_OVERRIDE_SCHEMA, [], droppedPaths)));
  const dropped = droppedPaths.map((p) => p.filter((s) => typeof s === "string").join("."));
  const containers = overrides["containerOverrides"];
  if (Array.isArray(containers)) {
    // A container override naming only the container overrides nothing (ecschedule d17ed47).
    const kept = containers.filter((c) => isJsonObject(c) && Object.keys(c).some((k) => k !== "name"));
    if (kept.length > 0) overrides["containerOverrides"] = kept;
    else delete overrides["containerOverrides"];
    kept.forEach((container, c) => {
      if (isJsonObject(container)) reviews.push(...plaintextSecretReviews(container, [...at, "overrides", "containerOverrides", c]));
    });
  }
  if (Object.keys(overrides).length > 0) out["overrides"] = overrides;
  if (dropped.length > 0)
    reviews.push({
      path: at,
      message: `the live Input has ${dropped.join(", ")}, which an ECS task override does not take: not exported, the diff will show it`,
    });
}

/** A cluster in the rule's own account and region is written by name (EB-2), any other by ARN. */
function clusterReference(clusterArn: string, ruleArn: string): string {
  const name = resourceInArn(clusterArn, "ecs", "cluster");
  const cluster = parseArn(clusterArn);
  const rule = parseArn(ruleArn);
  if (name === undefined || cluster === undefined || rule?.service !== "events") return clusterArn;
  const same = cluster.partition === rule.partition && cluster.region === rule.region && cluster.account === rule.account;
  return same ? name : clusterArn;
}

function parsePattern(value: JsonValue | undefined): JsonValue | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  // Written as a YAML mapping when it is JSON (the normalizer compares it parsed, EB-1).
  const parsed = parseJsonOrUndefined(value);
  return isJsonObject(parsed) ? parsed : value;
}

/** Set a non-empty string; true when set. */
function setString(target: JsonObject, key: string, value: JsonValue | undefined): boolean {
  if (typeof value !== "string" || value === "") return false;
  target[key] = value;
  return true;
}

export type { ExportedManifest, ExportReview, TaskDefinitionReference };
