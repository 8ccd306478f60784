import { isJsonObject } from "../../json.js";
import type { JsonObject, JsonPath } from "../../json.js";
import { kindSpecSchemas } from "../../manifests/schema/aws-schema.generated.js";
import { clusterName, parseTaskDefinitionArn, serviceArnFormat } from "../../aws/arn.js";
import { API_VERSION } from "../../manifests/types.js";
import { compact } from "../common/normalize-util.js";
import { tagListToMap } from "../common/tags.js";
import { ADOPT_ANNOTATIONS, asObject, dropIf, labelsFromTags, projectBySchema } from "../common/schema-util.js";
import type { ExportedManifest, ExportReview, SchemaNode, TaskDefinitionReference } from "../common/schema-util.js";
import { liveAsInput, readLiveService } from "./normalize.js";

/*
 * `ecs-gitops export` for one service: the manifest a user would have written (onboarding,
 * docs/design.md#export-onboarding). The CreateService input shape only (schema whitelist, SV-1/SV-2), fields that
 * DescribeServices keeps on the PRIMARY deployment read from there (SV-15), and without the
 * values AWS reports for "not set" that the normalizer fills in as well, so leaving them out can
 * never show as a difference: deploymentController ECS, schedulingStrategy REPLICA, propagateTags
 * NONE, the two booleans false, grace period 0, platformVersion LATEST on Fargate, assignPublicIp
 * DISABLED, capacity provider base 0 and the deploymentConfiguration defaults (SV-5…SV-9).
 * desiredCount is kept (a DAEMON service has none to keep).
 */

export type ServiceExportOptions = {
  /** Default: a pin (`family:revision`) the repository does not manage. */
  taskDefinition?: (arn: string) => TaskDefinitionReference;
};

const SERVICE_SCHEMA = kindSpecSchemas.Service as unknown as SchemaNode;
// Server-filled members newer than the schema (docs/normalization.md#sv-6): never compared, not worth a review.
const SILENTLY_DROPPED = new Set(["resetOnHealthyTask", "thresholdConfiguration"]);

/**
 * The Service manifest for a live service: a DescribeServices service (with `tags`, include:
 * [TAGS]) or any response `readLiveService` accepts. undefined when missing or INACTIVE. Pure.
 */
export function exportService(response: unknown, options: ServiceExportOptions = {}): ExportedManifest | undefined {
  const live = readLiveService(response);
  const name = live?.["serviceName"];
  if (!live || typeof name !== "string" || name === "") return undefined;
  const reviews: ExportReview[] = [];
  const dropped: JsonPath[] = [];
  const arn = typeof live["taskDefinition"] === "string" ? live["taskDefinition"] : undefined;
  const reference = arn === undefined ? undefined : (options.taskDefinition ?? pinnedReference)(arn);
  if (reference?.review !== undefined) reviews.push({ path: ["spec", "taskDefinition"], message: reference.review });
  const spec = asObject(compact(projectTopLevel(exportInput(live, reference?.ref), dropped)));
  const controller =
    isJsonObject(spec["deploymentController"]) && typeof spec["deploymentController"]["type"] === "string"
      ? spec["deploymentController"]["type"]
      : "ECS";
  removeServiceDefaults(spec);
  dropLaunchTypeBesideStrategy(spec, reviews);
  if (controller !== "ECS") {
    reviews.push({
      path: ["spec", "deploymentController"],
      message:
        `the ${controller} deployment controller decides the running revision ` +
        `and target groups: ecs-gitops does not compare taskDefinition or loadBalancers[].targetGroupArn, ` +
        `and UpdateService can change only a few fields`,
    });
  }
  for (const path of dropped) {
    reviews.push({
      path: ["spec", ...path.slice(0, -1)],
      message: `${String(path[path.length - 1])} (live) is not a CreateService field this ecs-gitops knows: not exported and not compared`,
    });
  }

  const serviceArn = typeof live["serviceArn"] === "string" ? live["serviceArn"] : "";
  const metadata: JsonObject = { name };
  const labels = labelsFromTags(tagListToMap(live["tags"]));
  if (Object.keys(labels).length > 0) metadata["labels"] = labels;
  metadata["annotations"] = { ...ADOPT_ANNOTATIONS };
  // xref: docs/normalization.md#sv-16 — only long-format service ARNs (…:service/<cluster>/<name>) take tags.
  if (serviceArnFormat(serviceArn) === "short") {
    reviews.push({
      path: ["metadata", "name"],
      message:
        `${serviceArn} is in the old short ARN format, which ECS cannot tag: ecs-gitops ` +
        `cannot record that it owns this service (apply is blocked). Opt in to ` +
        `serviceLongArnFormat and recreate the service first`,
    });
  }
  return { document: { apiVersion: API_VERSION, kind: "Service", metadata, spec }, reviews };
}

/** `…:task-definition/web:7` → `web:7` (a pin); a family-only ARN stays whole: it means "latest". */
export function pinnedReference(arn: string): TaskDefinitionReference {
  const parsed = parseTaskDefinitionArn(arn);
  return { ref: parsed?.revision === undefined ? arn : `${parsed.family}:${parsed.revision}` };
}

/** The live service in the CreateService input shape (normalize.ts), plus what a manifest names: cluster, task definition. */
function exportInput(live: JsonObject, taskDefinition: string | undefined): JsonObject {
  const out = liveAsInput(live);
  delete out["taskDefinition"];
  if (taskDefinition !== undefined) out["taskDefinition"] = taskDefinition;
  const cluster = live["clusterArn"];
  if (typeof cluster === "string") out["cluster"] = clusterName(cluster);
  return out;
}

/** Top level in the CreateService order (the schema's); response-only fields are left out silently. */
function projectTopLevel(service: JsonObject, dropped: JsonPath[]): JsonObject {
  const out: JsonObject = {};
  for (const [key, node] of Object.entries(SERVICE_SCHEMA.properties ?? {})) {
    const value = service[key];
    if (value !== undefined) out[key] = projectBySchema(value, node, [key], dropped, SILENTLY_DROPPED);
  }
  return out;
}

function removeServiceDefaults(spec: JsonObject): void {
  const daemon = spec["schedulingStrategy"] === "DAEMON";
  const strategy = spec["capacityProviderStrategy"];
  const fargate =
    spec["launchType"] === "FARGATE" ||
    (Array.isArray(strategy) && strategy.some((item) => isJsonObject(item) && /^FARGATE(_SPOT)?$/.test(String(item["capacityProvider"]))));
  // xref: docs/normalization.md#spurious-diffs — a DAEMON service runs one task per instance; ECS sets desiredCount.
  if (daemon) delete spec["desiredCount"];
  const controller = spec["deploymentController"];
  // xref: SV-9 — absent ≡ {type: ECS} (CFN coverage #1259).
  if (isJsonObject(controller) && controller["type"] === "ECS" && Object.keys(controller).length === 1) delete spec["deploymentController"];
  dropIf(spec, "schedulingStrategy", "REPLICA");
  // xref: SV-8 — propagateTags NONE, the booleans false and grace period 0 mean "not set".
  dropIf(spec, "propagateTags", "NONE");
  dropIf(spec, "enableECSManagedTags", false);
  dropIf(spec, "enableExecuteCommand", false);
  dropIf(spec, "healthCheckGracePeriodSeconds", 0);
  // xref: SV-5 — Fargate platformVersion unset ≡ LATEST.
  if (fargate) dropIf(spec, "platformVersion", "LATEST");
  if (Array.isArray(strategy)) {
    // xref: CapacityProviderStrategyItem — base unset ≡ 0 (the normalizer fills it).
    for (const item of strategy) if (isJsonObject(item)) dropIf(item, "base", 0);
  }
  const network = spec["networkConfiguration"];
  const awsvpc = isJsonObject(network) ? network["awsvpcConfiguration"] : undefined;
  // xref: SV-7 — assignPublicIp unset ≡ DISABLED.
  if (isJsonObject(awsvpc)) dropIf(awsvpc, "assignPublicIp", "DISABLED");
  const deployment = spec["deploymentConfiguration"];
  if (isJsonObject(deployment)) {
    removeDeploymentDefaults(deployment, daemon);
    if (Object.keys(deployment).length === 0) delete spec["deploymentConfiguration"];
  }
}

/**
 * CreateService takes a launchType or a capacityProviderStrategy, never both (validate rejects
 * the pair), yet DescribeServices can report both for a service moved onto capacity providers.
 * The strategy is what places tasks, so it stays.
 */
function dropLaunchTypeBesideStrategy(spec: JsonObject, reviews: ExportReview[]): void {
  const strategy = spec["capacityProviderStrategy"];
  const launchType = spec["launchType"];
  if (launchType === undefined || !Array.isArray(strategy) || strategy.length === 0) return;
  delete spec["launchType"];
  reviews.push({
    path: ["spec", "capacityProviderStrategy"],
    message:
      `launchType ${JSON.stringify(launchType)} (live) not exported: a service ` +
      `takes a launchType or a capacityProviderStrategy, not both, and this strategy ` +
      `is what places its tasks`,
  });
}

/** xref: SV-6 — ecspresso fillDeploymentConfigurationDefaults; REPLICA 200/100, DAEMON 100/0. */
function removeDeploymentDefaults(dc: JsonObject, daemon: boolean): void {
  dropIf(dc, "maximumPercent", daemon ? 100 : 200);
  dropIf(dc, "minimumHealthyPercent", daemon ? 0 : 100);
  const breaker = dc["deploymentCircuitBreaker"];
  // Both members are required, and the normalizer fills the mapping only as a whole.
  if (isJsonObject(breaker) && breaker["enable"] === false && breaker["rollback"] === false) delete dc["deploymentCircuitBreaker"];
  const alarms = dc["alarms"];
  if (isJsonObject(alarms)) {
    const names = alarms["alarmNames"];
    if (alarms["enable"] !== true && alarms["rollback"] !== true && (!Array.isArray(names) || names.length === 0)) delete dc["alarms"];
    else if (names === undefined) alarms["alarmNames"] = []; // required by the API when alarms are set
  }
  // Bake time only defaults (0) under ROLLING; under BLUE_GREEN it is the user's.
  if (dc["strategy"] === undefined || dc["strategy"] === "ROLLING") dropIf(dc, "bakeTimeInMinutes", 0);
  dropIf(dc, "strategy", "ROLLING");
}

export type { ExportedManifest, ExportReview, TaskDefinitionReference };
