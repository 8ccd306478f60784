import { parseTaskDefinitionArn } from "../../aws/arn.js";
import { ANNOTATION } from "../../manifests/annotations.js";
import { isJsonObject } from "../../json.js";
import type { JsonObject, JsonValue } from "../../json.js";
import type { Manifest } from "../../manifests/types.js";
import type { Change, PlannedCall } from "../types.js";

/** The revision git wants: the resolved ARN (or the placeholder apply fills in) and how diff shows it. */
export type WantedRevision = { display: string; input: string };

export type RevisionRollout =
  | { type: "none" }
  | { type: "deploy"; change: Change; call: PlannedCall }
  | { type: "blocked"; change: Change; reason: string; hint: string };

/**
 * A service whose deployment controller is not ECS does not take a new revision from
 * UpdateService (AWS refuses it), and its `taskDefinition` is not compared with the other fields
 * (docs/normalization.md#sv-14). The revision it runs is its PRIMARY task set's: when git wants
 * another one, CODE_DEPLOY rolls it out with a CodeDeploy deployment of an AppSpec naming the new
 * revision and the load balancer's container and port; EXTERNAL is blocked, since whoever owns
 * its task sets must deploy it. Pure.
 */
export function planRevisionRollout(
  manifest: Manifest,
  live: JsonObject,
  controller: string,
  wanted: WantedRevision | undefined,
  cluster: string,
): RevisionRollout {
  if (wanted === undefined || controller === "ECS") return { type: "none" };
  const running = runningRevision(live);
  if (wanted.input === running || isRollingOut(live, wanted.input) || isBehind(wanted.input, running)) return { type: "none" };
  const change: Change = { path: "/taskDefinition", field: "taskDefinition", desired: wanted.display, live: running };
  if (controller !== "CODE_DEPLOY") {
    return {
      type: "blocked",
      change,
      reason: `the ${controller} deployment controller owns the running revision: ecs-gitops cannot deploy ${wanted.display}`,
      hint:
        "roll it out with your deployment tool (CreateTaskSet, " +
        "UpdateServicePrimaryTaskSet), or set deploymentController CODE_DEPLOY " +
        "/ ECS on a new service",
    };
  }
  const target = loadBalancerTarget(manifest.spec["loadBalancers"]) ?? loadBalancerTarget(live["loadBalancers"]);
  if (target === undefined) {
    return {
      type: "blocked",
      change,
      reason: "a CODE_DEPLOY service needs a load balancer with containerName and containerPort for the AppSpec",
      hint: `add loadBalancers [{targetGroupArn, containerName, containerPort}] to ${manifest.file}`,
    };
  }
  const appSpec: JsonObject = {
    version: 0.0,
    Resources: [
      {
        TargetService: {
          Type: "AWS::ECS::Service",
          Properties: { TaskDefinition: wanted.input, LoadBalancerInfo: { ContainerName: target.name, ContainerPort: target.port } },
        },
      },
    ],
  };
  const application = manifest.annotations[ANNOTATION.codedeployApplication];
  const group = manifest.annotations[ANNOTATION.codedeployGroup];
  const input: JsonObject = {
    cluster,
    service: manifest.name,
    appSpec,
    ...(application !== undefined ? { applicationName: application } : {}),
    ...(group !== undefined ? { deploymentGroupName: group } : {}),
  };
  return { type: "deploy", change, call: { operation: "codedeploy:CreateDeployment", input } };
}

/** The PRIMARY task set's revision (what serves traffic), else the service's own field. */
function runningRevision(live: JsonObject): string | undefined {
  const sets = Array.isArray(live["taskSets"]) ? live["taskSets"].filter(isJsonObject) : [];
  const primary = sets.find((s) => s["status"] === "PRIMARY")?.["taskDefinition"];
  const own = live["taskDefinition"];
  return typeof primary === "string" ? primary : typeof own === "string" ? own : undefined;
}

/** A blue/green deployment of the wanted revision is under way: its task set exists beside the primary one. */
function isRollingOut(live: JsonObject, wanted: string): boolean {
  const sets = Array.isArray(live["taskSets"]) ? live["taskSets"].filter(isJsonObject) : [];
  return sets.some((s) => s["status"] !== "PRIMARY" && s["taskDefinition"] === wanted);
}

/**
 * Git's revision of the same family is older than the running one: CodeDeploy (another tool, or
 * a rollback) moved the service past it (SV-14), which is not a reason to deploy the older one.
 */
function isBehind(wanted: string, running: string | undefined): boolean {
  const w = parseTaskDefinitionArn(wanted);
  const r = running === undefined ? undefined : parseTaskDefinitionArn(running);
  return w?.revision !== undefined && r?.revision !== undefined && w.family === r.family && w.revision < r.revision;
}

function loadBalancerTarget(value: JsonValue | undefined): { name: string; port: number } | undefined {
  const first = Array.isArray(value) ? value.find(isJsonObject) : undefined;
  const name = first?.["containerName"];
  const port = first?.["containerPort"];
  return typeof name === "string" && typeof port === "number" ? { name, port } : undefined;
}
