import { isJsonObject } from "../../json.js";
import type { JsonObject } from "../../json.js";
import type { Manifest, Problem } from "../../manifests/types.js";
import { checkTaskLaunch, findContainer, isSet, numberOf, objectsOf, collectProblems, stringOf } from "../common/validation.js";
import type { Report, ValidationContext } from "../common/validation.js";
import { validateHooks } from "./hooks-validate.js";

// xref: docs/normalization.md#ecs-service-quotas: 5 target groups per service (not adjustable).
export const MAX_TARGET_GROUPS = 5;

// A service records the revision ECS picked when it deployed, so ecs-gitops picks it at each plan.
const SERVICE_LATEST = { resolvedBy: "ecs-gitops resolves it at every plan (a new revision there deploys the service)" };

/** ECS's documented offline-checkable constraints on one CreateService input. Pure. */
export function validateService(manifest: Manifest, ctx: ValidationContext): Problem[] {
  const own = collectProblems(manifest, (report) => {
    const spec = manifest.spec;
    const controller = isJsonObject(spec["deploymentController"]) ? stringOf(spec["deploymentController"]["type"]) : undefined;
    const fargate =
      spec["launchType"] === "FARGATE" ||
      objectsOf(spec["capacityProviderStrategy"]).some(({ item }) => /^FARGATE(_SPOT)?$/.test(String(item["capacityProvider"])));

    // xref: CreateService.taskDefinition: "required if you use the ECS (or CODE_DEPLOY) deployment controller".
    const launcher = { name: "service", latest: SERVICE_LATEST, taskDefinitionOptional: controller === "EXTERNAL" } as const;
    const { taskDefinition, awsvpc } = checkTaskLaunch(spec, [], launcher, ctx, report);
    // xref: CreateService.role: "If your task definition uses the awsvpc network mode ... you must not specify a role here."
    if (awsvpc === true && spec["role"] !== undefined)
      report(["role"], "service-role", "a service whose task uses awsvpc must not set role (ECS uses its service-linked role)");
    checkLoadBalancers(spec, taskDefinition, report);
    checkDaemon(spec, fargate, report);
    checkDeployment(spec, controller, report);
    if (fargate) {
      for (const field of ["placementConstraints", "placementStrategy"] as const) {
        // `[]` is what `ecspresso init` dumps for every Fargate service, and AWS accepts it.
        if (isSet(spec[field])) report([field], "service-fargate-placement", `${field} is not supported for Fargate tasks: remove it`);
      }
    }
  });
  return [...own, ...validateHooks(manifest, ctx)];
}

function checkLoadBalancers(spec: JsonObject, taskDefinition: Manifest | undefined, report: Report): void {
  const balancers = objectsOf(spec["loadBalancers"]);
  if (balancers.length > MAX_TARGET_GROUPS)
    report(
      ["loadBalancers", MAX_TARGET_GROUPS],
      "service-lb-count",
      `${balancers.length} load balancers: a service takes at most ${MAX_TARGET_GROUPS} target groups`,
    );
  for (const { item, index } of balancers) {
    const at = ["loadBalancers", index];
    const name = stringOf(item["containerName"]);
    const port = numberOf(item["containerPort"]);
    if (name === undefined) {
      report(at, "service-lb-container", "a load balancer needs containerName: the container that receives its traffic");
      continue;
    }
    const container = taskDefinition ? findContainer(taskDefinition.spec, name) : undefined;
    if (taskDefinition && !container) {
      report(
        [...at, "containerName"],
        "service-lb-container",
        `containerName "${name}" is not a container of task definition "${taskDefinition.name}" (${taskDefinition.file})`,
        "UnresolvedReference",
      );
      continue;
    }
    if (port === undefined) {
      report(at, "service-lb-port", `a load balancer needs containerPort: the port of "${name}" that receives its traffic`);
      continue;
    }
    if (container && !objectsOf(container["portMappings"]).some(({ item: mapping }) => mapping["containerPort"] === port)) {
      report(
        [...at, "containerPort"],
        "service-lb-port",
        `container "${name}" of task definition "${taskDefinition?.name ?? ""}" has no portMappings entry with containerPort ${port}`,
        "UnresolvedReference",
      );
    }
  }
}

// xref: CreateService.schedulingStrategy DAEMON: "Tasks using the Fargate launch type or the
// CODE_DEPLOY or EXTERNAL deployment controller types don't support the DAEMON scheduling
// strategy"; "don't specify a desiredCount"; "task placement strategies are not supported".
function checkDaemon(spec: JsonObject, fargate: boolean, report: Report): void {
  if (spec["schedulingStrategy"] !== "DAEMON") return;
  if (spec["desiredCount"] !== undefined)
    report(["desiredCount"], "service-daemon", "a DAEMON service runs one task per instance: remove desiredCount");
  if (fargate) report(["schedulingStrategy"], "service-daemon", "Fargate does not support the DAEMON scheduling strategy");
  if (isSet(spec["placementStrategy"])) report(["placementStrategy"], "service-daemon", "a DAEMON service does not take placementStrategy");
  const deployment = spec["deploymentConfiguration"];
  const max = isJsonObject(deployment) ? numberOf(deployment["maximumPercent"]) : undefined;
  if (max !== undefined && max !== 100)
    report(["deploymentConfiguration", "maximumPercent"], "service-daemon", "a DAEMON service keeps maximumPercent at 100");
}

// xref: DeploymentConfiguration: minimumHealthyPercent is a lower and maximumPercent an upper
// bound on running tasks as a percentage of desiredCount (defaults 100 / 200); the circuit
// breaker "can only be used for services using the rolling update (ECS) deployment type".
function checkDeployment(spec: JsonObject, controller: string | undefined, report: Report): void {
  const deployment = spec["deploymentConfiguration"];
  if (!isJsonObject(deployment)) return;
  const at = ["deploymentConfiguration"];
  const min = numberOf(deployment["minimumHealthyPercent"]);
  const max = numberOf(deployment["maximumPercent"]);
  if (min !== undefined && (min < 0 || min > 100))
    report([...at, "minimumHealthyPercent"], "service-deployment-percent", `minimumHealthyPercent ${min} must be between 0 and 100`);
  if (max !== undefined && max < 0)
    report([...at, "maximumPercent"], "service-deployment-percent", `maximumPercent ${max} must not be negative`);
  if (min !== undefined && max !== undefined && min > max)
    report(
      [...at, "maximumPercent"],
      "service-deployment-percent",
      `maximumPercent ${max} is below minimumHealthyPercent ${min}: a deployment could never start`,
    );
  const breaker = deployment["deploymentCircuitBreaker"];
  if (isJsonObject(breaker) && breaker["enable"] === true && controller !== undefined && controller !== "ECS") {
    report(
      [...at, "deploymentCircuitBreaker"],
      "service-circuit-breaker",
      `the deployment circuit breaker only works with the ECS deployment controller, not ${controller}`,
    );
  }
}
