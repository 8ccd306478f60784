import { nameOrArnName } from "../../aws/arn.js";
import { toPlainJson, withoutNulls } from "../../aws/plain-json.js";
import { isJsonObject } from "../../json.js";
import type { JsonObject, JsonValue } from "../../json.js";
import { kindSpecSchemas } from "../../manifests/schema/aws-schema.generated.js";
import { canonicalTaskLaunch, compact, fillDefault, objectCopy, sortList, taskDefinitionRef } from "../common/normalize-util.js";
import { projectBySchema } from "../common/schema-util.js";
import type { SchemaNode } from "../common/schema-util.js";

/*
 * Canonical comparable form of an ECS service (docs/normalization.md#services), applied to BOTH the
 * desired CreateService-shaped spec and the live DescribeServices object, so a difference that
 * survives is a real one. The plan sends values of this form to UpdateService (they are valid
 * input: defaults filled, lists sorted), but never to CreateService (that gets the spec as written).
 *
 * Decisions where AWS's behaviour is not a plain default:
 * - `bakeTimeInMinutes` is filled (0) only for ROLLING: UpdateService requires it for BLUE_GREEN,
 *   so there is no server default to assume there.
 * - `deploymentCircuitBreaker.resetOnHealthyTask` / `thresholdConfiguration` (SV-6)
 *   are not in the botocore 1.43.11 input shape: the schema projection drops them on both sides, so
 *   they can neither be managed nor cause a diff until the schema is regenerated.
 * - `placementStrategy.field`: built-in fields (cpu, memory, instanceId/host, attribute:ecs.*) are
 *   compared case-insensitively (T `SuppressEquivalentStringCaseInsensitive`); custom attribute
 *   names keep their case, being user data (docs/normalization.md#principles, 4).
 * - Service Connect `namespace`: DescribeServices reports the Cloud Map ARN, users usually write the
 *   name; resolving one into the other needs Cloud Map (I/O). When the two sides use different
 *   forms the namespace is not compared (`dropNamespace`) and the plan says so in a note.
 */

/** UpdateService changes these in place (SV-1; botocore UpdateServiceRequest). */
export const SERVICE_UPDATE_FIELDS = [
  "availabilityZoneRebalancing",
  "capacityProviderStrategy",
  "deploymentConfiguration",
  "desiredCount",
  "enableECSManagedTags",
  "enableExecuteCommand",
  "healthCheckGracePeriodSeconds",
  "loadBalancers",
  "networkConfiguration",
  "placementConstraints",
  "placementStrategy",
  "platformVersion",
  "propagateTags",
  "serviceConnectConfiguration",
  "serviceRegistries",
  "taskDefinition",
  "volumeConfigurations",
  "vpcLatticeConfigurations",
] as const;

/**
 * Only CreateService takes these: a difference needs a replacement (SV-1, T ForceNew). Service name
 * and cluster are the identity (the resource key), so they cannot differ from the live service the
 * plan was given. `deploymentController` is accepted by UpdateService since 2025, but only to
 * migrate controllers, which moves ownership of task definition and load balancers between ECS and
 * CodeDeploy: an operator's decision, never an automatic one.
 */
export const SERVICE_CREATE_ONLY_FIELDS = ["deploymentController", "launchType", "role", "schedulingStrategy"] as const;

// SV-15: DescribeServices carries these on the deployments only; the PRIMARY one is what the service
// runs now (ecspresso newServiceFromTypes; T read). vpcLatticeConfigurations has no top-level copy
// either (botocore Service shape), so it is read the same way.
const FROM_PRIMARY_DEPLOYMENT = ["serviceConnectConfiguration", "volumeConfigurations", "vpcLatticeConfigurations"] as const;

const COMPARED_FIELDS: readonly string[] = [...SERVICE_UPDATE_FIELDS, ...SERVICE_CREATE_ONLY_FIELDS];

export type ServiceNormalizeOptions = {
  /** Fields the desired spec leaves to AWS or to another owner: dropped from both sides (SV-3, SV-10, SV-11). */
  unmanaged: readonly string[];
  /** Tasks run on Fargate, so `platformVersion` unset means LATEST (SV-5). */
  fargate: boolean;
  /** DAEMON scheduling: desiredCount is AWS's, deployment percents default to 100/0 (SV-6). */
  daemon: boolean;
  /** Deployment controller type; anything but ECS owns taskDefinition and target groups (SV-14). */
  controller: string;
  /** Service Connect namespace written as a name on one side and an ARN on the other: not compared. */
  dropNamespace: boolean;
};

const SERVICE_SCHEMA = kindSpecSchemas.Service as unknown as SchemaNode;
const FARGATE_PROVIDERS = ["FARGATE", "FARGATE_SPOT"];

/**
 * The options for comparing `desired` with `live`: both sides must be normalized with the same
 * ones. Decided by the desired spec (what the user manages), falling back to the live service for
 * what the spec leaves to the cluster (launch type). Pure.
 */
export function serviceNormalizeOptions(desired: JsonObject, live?: JsonObject): ServiceNormalizeOptions {
  const unmanaged: string[] = [];
  // xref: docs/normalization.md#sv-3 — ecspresso diffServices: desiredCount left unset belongs to autoscaling.
  if (isUnset(desired["desiredCount"])) unmanaged.push("desiredCount");
  // xref: SV-10 — 2024-25 AWS outputs show ENABLED and DISABLED for services created without it
  // (aws-cli update-service example: ENABLED); CreateService and UpdateService default differently.
  if (isUnset(desired["availabilityZoneRebalancing"])) unmanaged.push("availabilityZoneRebalancing");
  // xref: SV-11 — DescribeServices omits launchType for a strategy and vice versa; a service created
  // with neither inherits the cluster's default strategy (TF #11351, #22823).
  if (isUnset(desired["launchType"])) unmanaged.push("launchType");
  if (isUnset(desired["capacityProviderStrategy"])) unmanaged.push("capacityProviderStrategy");

  const launchSource = isUnset(desired["launchType"]) && isUnset(desired["capacityProviderStrategy"]) && live ? live : desired;
  const controller = controllerType(desired);
  return {
    unmanaged,
    fargate: isFargate(launchSource),
    daemon: desired["schedulingStrategy"] === "DAEMON",
    controller,
    dropNamespace: live !== undefined && namespaceForms(desired, live),
  };
}

/**
 * Canonicalize a desired spec or a live DescribeServices service (recognised by its response-only
 * fields). Without options the input is normalized on its own terms. Pure.
 */
export function normalizeService(input: JsonObject, opts: ServiceNormalizeOptions = serviceNormalizeOptions(input)): JsonObject {
  const source = isLiveService(input) ? liveAsInput(input) : input;
  const picked: JsonObject = {};
  for (const field of COMPARED_FIELDS) {
    const value = source[field];
    if (value !== undefined) picked[field] = value;
  }
  // SV-1/SV-2: keep only what CreateService/UpdateService take, at every depth (botocore schema), so
  // status fields (serviceArn, runningCount, deployments, events, createdAt …) and fields newer than
  // the schema never differ; then nulls, empty lists and empty mappings mean "not set".
  const svc = objectCopy(compact(projectBySchema(picked, SERVICE_SCHEMA)));

  canonicalTaskDefinition(svc, opts);
  canonicalRole(svc);
  canonicalTaskLaunch(svc);
  canonicalLoadBalancers(svc, opts);
  canonicalServiceConnect(svc, opts);
  sortList(svc, "serviceRegistries"); // SV-13
  sortList(svc, "volumeConfigurations", "name"); // SV-13
  sortList(svc, "vpcLatticeConfigurations", "portName"); // SV-13
  fillServiceDefaults(svc, opts);

  for (const field of opts.unmanaged) delete svc[field];
  // xref: docs/normalization.md#spurious-diffs (DAEMON percents and desiredCount) — T DiffSuppress: a daemon runs one
  // task per instance, ECS sets desiredCount itself.
  if (opts.daemon) delete svc["desiredCount"];
  return svc;
}

/**
 * The service object of a DescribeServices/CreateService/UpdateService response: `{"services":[…]}`,
 * `{"service": …}` or a bare service; SDK `Date`s become ISO strings, nulls are dropped. `undefined`
 * when the service is missing or INACTIVE (deleted services stay describable for a while). Pure.
 */
export function readLiveService(response: unknown): JsonObject | undefined {
  if (!isRecord(response)) return undefined;
  let candidate: unknown = response;
  if (Array.isArray(response["services"])) candidate = response["services"].find(isRecord);
  else if (isRecord(response["service"])) candidate = response["service"];
  if (!isRecord(candidate) || (candidate["serviceName"] === undefined && candidate["serviceArn"] === undefined)) return undefined;
  const service = withoutNulls(toPlainJson(candidate));
  if (!isJsonObject(service) || service["status"] === "INACTIVE") return undefined;
  return service;
}

function isLiveService(input: JsonObject): boolean {
  // A spec cannot carry these (the schema rejects unknown fields); every describe output has one.
  return ["serviceArn", "deployments", "status", "clusterArn"].some((field) => input[field] !== undefined);
}

/** The live service in the CreateService input shape: role from roleArn, SV-15 fields from PRIMARY. */
export function liveAsInput(live: JsonObject): JsonObject {
  const out: JsonObject = { ...live };
  delete out["role"];
  const roleArn = live["roleArn"];
  // xref: SV-2 — the service-linked role is what ECS uses when `role` is not given (CreateService.role).
  if (typeof roleArn === "string" && !roleArn.includes(":role/aws-service-role/")) out["role"] = roleArn;
  const deployments = live["deployments"];
  const primary = Array.isArray(deployments) ? deployments.find((d) => isJsonObject(d) && d["status"] === "PRIMARY") : undefined;
  if (isJsonObject(primary)) {
    for (const field of FROM_PRIMARY_DEPLOYMENT) {
      const value = primary[field];
      if (value === undefined) delete out[field];
      else out[field] = value;
    }
  }
  return out;
}

function canonicalTaskDefinition(svc: JsonObject, opts: ServiceNormalizeOptions): void {
  const td = svc["taskDefinition"];
  // xref: docs/normalization.md#sv-14 — CFN roadmap #2234, ecspresso: under CODE_DEPLOY (and EXTERNAL
  // task sets) the controller, not the service, decides the running revision.
  if (opts.controller !== "ECS") delete svc["taskDefinition"];
  else if (typeof td === "string") svc["taskDefinition"] = taskDefinitionRef(td);
}

function canonicalRole(svc: JsonObject): void {
  const role = svc["role"];
  if (typeof role !== "string") return;
  // CreateService.role: a name, `/path/name`, or the full ARN all name one role.
  const afterArn = nameOrArnName(role, "iam", "role");
  svc["role"] = afterArn.replace(/^\/+/, "");
}

function canonicalLoadBalancers(svc: JsonObject, opts: ServiceNormalizeOptions): void {
  const lbs = svc["loadBalancers"];
  if (!Array.isArray(lbs)) return;
  // xref: SV-14 — ecspresso: CodeDeploy swaps the target group on every blue/green deployment.
  if (opts.controller !== "ECS") {
    svc["loadBalancers"] = lbs.map((lb) => {
      if (!isJsonObject(lb)) return lb;
      const { targetGroupArn: _ignored, ...rest } = lb;
      return rest;
    });
  }
  sortList(svc, "loadBalancers"); // SV-13
}

function canonicalServiceConnect(svc: JsonObject, opts: ServiceNormalizeOptions): void {
  const sc = svc["serviceConnectConfiguration"];
  if (!isJsonObject(sc)) return;
  // SV-17: removal sends {enabled:false}; afterwards that is what DescribeServices may report, and it
  // means the same as no Service Connect at all.
  if (sc["enabled"] === false) {
    delete svc["serviceConnectConfiguration"];
    return;
  }
  if (opts.dropNamespace) delete sc["namespace"];
  const services = sc["services"];
  if (Array.isArray(services)) {
    for (const service of services) if (isJsonObject(service)) sortList(service, "clientAliases");
  }
  sortList(sc, "services", "portName"); // SV-13
}

function fillServiceDefaults(svc: JsonObject, opts: ServiceNormalizeOptions): void {
  // xref: docs/normalization.md#sv-9 — CFN coverage #1259 (DescribeServices omits it); T default ECS.
  fillDefault(svc, "deploymentController", { type: "ECS" });
  // xref: CreateService.schedulingStrategy — REPLICA unless DAEMON; aws-cli create-service outputs.
  fillDefault(svc, "schedulingStrategy", "REPLICA");
  // xref: SV-8 — T DiffSuppress (NONE ≡ unset); aws-cli create-service output "propagateTags": "NONE".
  fillDefault(svc, "propagateTags", "NONE");
  // xref: SV-8 — ecspresso bool zero values; aws-cli update-service output shows both false.
  fillDefault(svc, "enableECSManagedTags", false);
  fillDefault(svc, "enableExecuteCommand", false);
  // xref: SV-8 — CreateService: "If you do not specify a health check grace period value, the default
  // value of 0 is used"; aws-cli update-service output "healthCheckGracePeriodSeconds": 0.
  fillDefault(svc, "healthCheckGracePeriodSeconds", 0);
  // xref: SV-5 — ecspresso; CreateService: "If one isn't specified, the LATEST platform version is used".
  if (opts.fargate) fillDefault(svc, "platformVersion", "LATEST");
  svc["deploymentConfiguration"] = deploymentConfigurationDefaults(objectCopy(svc["deploymentConfiguration"]), opts.daemon);
}

function deploymentConfigurationDefaults(dc: JsonObject, daemon: boolean): JsonObject {
  // xref: docs/normalization.md#sv-6 — ecspresso fillDeploymentConfigurationDefaults, ecspresso #894;
  // DeploymentConfiguration API reference: REPLICA 200/100; DAEMON 100/0 (a real DAEMON
  // DescribeServices output, test/fixtures/aws/svc-describe-daemon-ec2-2020.json).
  fillDefault(dc, "maximumPercent", daemon ? 100 : 200);
  fillDefault(dc, "minimumHealthyPercent", daemon ? 0 : 100);
  // xref: SV-6 — circuit breaker and alarms reported disabled when not configured (aws-cli
  // update-service output, 2024: alarms {alarmNames: [], rollback: false, enable: false}).
  fillDefault(dc, "deploymentCircuitBreaker", { enable: false, rollback: false });
  const alarms = objectCopy(dc["alarms"]);
  fillDefault(alarms, "alarmNames", []);
  fillDefault(alarms, "enable", false);
  fillDefault(alarms, "rollback", false);
  sortList(alarms, "alarmNames");
  dc["alarms"] = alarms;
  // xref: SV-6 — DeploymentConfiguration.strategy: ROLLING is the default; bake time only matters
  // for blue/green, where UpdateService requires it (so no default is assumed there).
  fillDefault(dc, "strategy", "ROLLING");
  if (dc["strategy"] === "ROLLING") fillDefault(dc, "bakeTimeInMinutes", 0);
  return dc;
}

function controllerType(spec: JsonObject): string {
  const controller = spec["deploymentController"];
  const type = isJsonObject(controller) ? controller["type"] : undefined;
  return typeof type === "string" ? type : "ECS";
}

function isFargate(service: JsonObject): boolean {
  if (service["launchType"] === "FARGATE") return true;
  const strategy = service["capacityProviderStrategy"];
  return (
    Array.isArray(strategy) && strategy.some((item) => isJsonObject(item) && FARGATE_PROVIDERS.includes(String(item["capacityProvider"])))
  );
}

function namespaceForms(desired: JsonObject, live: JsonObject): boolean {
  const want = namespaceOf(desired["serviceConnectConfiguration"]);
  const source = liveAsInput(live);
  const have = namespaceOf(source["serviceConnectConfiguration"]);
  return want !== undefined && have !== undefined && want.startsWith("arn:") !== have.startsWith("arn:");
}

function namespaceOf(sc: JsonValue | undefined): string | undefined {
  const namespace = isJsonObject(sc) ? sc["namespace"] : undefined;
  return typeof namespace === "string" ? namespace : undefined;
}

function isUnset(value: JsonValue | undefined): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
