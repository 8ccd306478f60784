import { isJsonObject } from "../../json.js";
import type { JsonObject, JsonPath } from "../../json.js";
import { kindSpecSchemas } from "../../manifests/schema/aws-schema.generated.js";
import { API_VERSION } from "../../manifests/types.js";
import { compact } from "../common/normalize-util.js";
import { ADOPT_ANNOTATIONS, asObject, dropIf, labelsFromTags, plaintextSecretReviews, projectBySchema } from "../common/schema-util.js";
import type { ExportedManifest, ExportReview, SchemaNode } from "../common/schema-util.js";
import { readLiveTaskDefinition } from "./normalize.js";

/*
 * `ecs-gitops export` for one task definition revision: the manifest a user would have written
 * for it (docs/design.md#export-onboarding). The RegisterTaskDefinition input shape only (schema
 * whitelist, like the normalizer), without nulls and empty lists, and without the values AWS fills
 * in that the normalizer fills in too (so leaving them out can never show as a difference):
 * essential true, container cpu 0, protocol tcp, awsvpc/host hostPort = containerPort, hostPort 0,
 * healthCheck 30/5/3, EFS rootDirectory "/", configuredAtLaunch false, docker volume scope task,
 * versionConsistency enabled, enableFaultInjection false. What cannot be reproduced from describe
 * output (docs/normalization.md#principles, 5) is left out and flagged with a `# review:` comment instead of guessed.
 */

const TASK_DEFINITION_SCHEMA = kindSpecSchemas.TaskDefinition as unknown as SchemaNode;
// DescribeTaskDefinition fields that RegisterTaskDefinition does not take (TD-2): dropped silently.
// `family` is metadata.name and `tags` are metadata.labels.
const RESPONSE_ONLY = new Set([
  "taskDefinitionArn",
  "revision",
  "status",
  "requiresAttributes",
  "compatibilities",
  "registeredAt",
  "registeredBy",
  "deregisteredAt",
  "deleteRequestedAt",
  "family",
  "tags",
]);

/**
 * The TaskDefinition manifest for a described revision: any shape `readLiveTaskDefinition`
 * accepts (DescribeTaskDefinition `{taskDefinition, tags}`, a console JSON export …). undefined
 * when it is not a task definition. Pure.
 */
export function exportTaskDefinition(response: unknown): ExportedManifest | undefined {
  const live = readLiveTaskDefinition(response);
  const family = live?.taskDefinition["family"];
  if (!live || typeof family !== "string" || family === "") return undefined;
  const reviews: ExportReview[] = [];
  const dropped: JsonPath[] = [];
  const projected = projectTopLevel(live.taskDefinition, dropped);
  const spec = asObject(compact(projected));
  removeTaskDefaults(spec, reviews);
  objectsAt(spec, "containerDefinitions").forEach((container, c) =>
    reviews.push(...plaintextSecretReviews(container, ["spec", "containerDefinitions", c])),
  );
  for (const path of dropped) {
    reviews.push({
      path: ["spec", ...path.slice(0, -1)],
      message:
        `${String(path[path.length - 1])} (live) is not a RegisterTaskDefinition ` +
        `field this ecs-gitops knows: not exported and not compared`,
    });
  }
  const labels = labelsFromTags(live.tags);
  const metadata: JsonObject = { name: family };
  if (Object.keys(labels).length > 0) metadata["labels"] = labels;
  metadata["annotations"] = { ...ADOPT_ANNOTATIONS };
  return { document: { apiVersion: API_VERSION, kind: "TaskDefinition", metadata, spec }, reviews };
}

/** Top level in the RegisterTaskDefinition order (the schema's, as in the API reference). */
function projectTopLevel(td: JsonObject, dropped: JsonPath[]): JsonObject {
  const properties = TASK_DEFINITION_SCHEMA.properties ?? {};
  const out: JsonObject = {};
  for (const [key, node] of Object.entries(properties)) {
    const value = td[key];
    if (value !== undefined) out[key] = projectBySchema(value, node, [key], dropped);
  }
  for (const [key, value] of Object.entries(td)) {
    if (!Object.hasOwn(properties, key) && !RESPONSE_ONLY.has(key) && value !== null) dropped.push([key]);
  }
  return out;
}

function removeTaskDefaults(spec: JsonObject, reviews: ExportReview[]): void {
  // xref: docs/normalization.md#td-16 — enableFaultInjection false in newer describe output.
  dropIf(spec, "enableFaultInjection", false);
  // Task cpu/memory come back as integer strings ("1024"); a user writes the number.
  for (const field of ["cpu", "memory"]) {
    const value = spec[field];
    if (typeof value === "string" && /^[1-9]\d*$/.test(value)) spec[field] = Number(value);
  }
  const networkMode = typeof spec["networkMode"] === "string" ? spec["networkMode"] : undefined;
  objectsAt(spec, "containerDefinitions").forEach((container) => removeContainerDefaults(container, networkMode));
  objectsAt(spec, "volumes").forEach((volume, index) => removeVolumeDefaults(volume, ["spec", "volumes", index], reviews));
}

function removeContainerDefaults(c: JsonObject, networkMode: string | undefined): void {
  // xref: docs/normalization.md#td-7 (cpu 0), TD-8 (essential true), TD-18 (versionConsistency enabled).
  dropIf(c, "cpu", 0);
  dropIf(c, "essential", true);
  dropIf(c, "versionConsistency", "enabled");
  for (const mapping of objectsAt(c, "portMappings")) {
    // xref: TD-9 (protocol tcp), TD-10 (hostPort 0 ≡ unset; awsvpc/host: unset ≡ containerPort).
    dropIf(mapping, "protocol", "tcp");
    dropIf(mapping, "hostPort", 0);
    if ((networkMode === "awsvpc" || networkMode === "host") && mapping["hostPort"] === mapping["containerPort"])
      delete mapping["hostPort"];
  }
  const health = c["healthCheck"];
  if (isJsonObject(health)) {
    // xref: TD-11 — terraform-aws-modules/terraform-aws-ecs #148: interval 30, timeout 5, retries 3.
    dropIf(health, "interval", 30);
    dropIf(health, "timeout", 5);
    dropIf(health, "retries", 3);
  }
}

function removeVolumeDefaults(volume: JsonObject, at: JsonPath, reviews: ExportReview[]): void {
  // xref: TD-14 — configuredAtLaunch false ≡ unset.
  dropIf(volume, "configuredAtLaunch", false);
  const docker = volume["dockerVolumeConfiguration"];
  // xref: docker volume scope "task" is ECS's default (amazon-ecs-cli #607), filled by the
  // normalizer. Kept when it is all there is: an empty mapping would read as no Docker volume.
  if (isJsonObject(docker) && Object.keys(docker).length > 1) dropIf(docker, "scope", "task");
  const efs = volume["efsVolumeConfiguration"];
  if (!isJsonObject(efs)) return;
  const auth = efs["authorizationConfig"];
  const accessPoint = isJsonObject(auth) && typeof auth["accessPointId"] === "string" ? auth["accessPointId"] : undefined;
  const root = efs["rootDirectory"];
  // xref: TD-15 — AWS reports rootDirectory "/" when none was sent; with an access point it must
  // not be sent at all (TF #26793/#18010; CircleCI aws-ecs-orb #105), so it is never exported then.
  if (accessPoint !== undefined) {
    delete efs["rootDirectory"];
    const other =
      typeof root === "string" && root !== "/"
        ? ` (live reports ${JSON.stringify(root)}, which cannot be registered with an access point: the diff will show it)`
        : "";
    reviews.push({
      path: [...at, "efsVolumeConfiguration"],
      message:
        `rootDirectory not exported: with access point ${accessPoint} the access ` +
        `point's own path is the root, and RegisterTaskDefinition rejects a rootDirectory ` +
        `next to it${other}`,
    });
  } else {
    dropIf(efs, "rootDirectory", "/");
  }
}

function objectsAt(target: JsonObject, key: string): JsonObject[] {
  const list = target[key];
  return Array.isArray(list) ? list.filter(isJsonObject) : [];
}

export type { ExportedManifest, ExportReview };
