import { createHash } from "node:crypto";
import { taskIdOfArn } from "../../aws/arn.js";
import { isJsonObject } from "../../json.js";
import type { JsonObject, JsonValue } from "../../json.js";
import type { ResourceKey } from "../../manifests/types.js";
import { findContainer, objectsOf } from "../../resources/common/validation.js";
import type { HookDeclaration, HookPhase } from "../../resources/service/hooks.js";

/** RunTask's clientToken takes up to 64 characters (docs/hooks.md#running). */
export const CLIENT_TOKEN_LENGTH = 64;

/** What a hook run is keyed by: the service, the revision being deployed, the hook, and its attempt at that revision. */
export type HookIdentity = { service: ResourceKey; revision: string; phase: HookPhase; hook: string; attempt: number };

/**
 * RunTask's idempotency token for one attempt of one hook at one revision: a controller that
 * sends it again (a retry after a lost response, a restart mid-hook) gets the task it started,
 * never a second migration. A new attempt (the next commit after a failure) gets a new token.
 */
export function hookClientToken(id: HookIdentity): string {
  const text = JSON.stringify([id.service, id.revision, id.phase, id.hook, id.attempt]);
  return createHash("sha256").update(text).digest("hex").slice(0, CLIENT_TOKEN_LENGTH);
}

export type RunnerSettings = Pick<HookDeclaration, "launchType" | "capacityProviderStrategy" | "networkConfiguration">;

/**
 * The RunTask input of a hook: its task definition revision and overrides, with launch type or
 * capacity provider strategy and network configuration from the hook, else from the service.
 */
export function hookRunTaskInput(
  hook: RunnerSettings & Pick<HookDeclaration, "overrides" | "name">,
  service: JsonObject,
  request: { cluster: string; taskDefinitionArn: string; clientToken?: string; startedBy: string },
): JsonObject {
  const input: JsonObject = { cluster: request.cluster, taskDefinition: request.taskDefinitionArn, count: 1, startedBy: request.startedBy };
  if (request.clientToken !== undefined) input["clientToken"] = request.clientToken;
  if (Object.keys(hook.overrides).length > 0) input["overrides"] = structuredClone(hook.overrides);
  const ownPlacement = hook.launchType !== undefined || hook.capacityProviderStrategy !== undefined;
  const placement: JsonObject = ownPlacement ? { ...hook } : service;
  if (typeof placement["launchType"] === "string") input["launchType"] = placement["launchType"];
  else if (Array.isArray(placement["capacityProviderStrategy"])) input["capacityProviderStrategy"] = placement["capacityProviderStrategy"];
  const network = hook.networkConfiguration ?? service["networkConfiguration"];
  if (isJsonObject(network)) input["networkConfiguration"] = structuredClone(network);
  if (!ownPlacement && typeof service["platformVersion"] === "string") input["platformVersion"] = service["platformVersion"];
  return input;
}

/** The container a hook reports on: the named one, else the first it overrides, else the first essential one. */
export function reportedContainer(
  taskDefinition: JsonObject,
  hook: { container?: string | undefined; overrides: JsonObject },
): string | undefined {
  if (hook.container !== undefined) return hook.container;
  const [overridden] = objectsOf(hook.overrides["containerOverrides"]);
  if (typeof overridden?.item["name"] === "string") return overridden.item["name"];
  const essential = objectsOf(taskDefinition["containerDefinitions"]).find(({ item }) => item["essential"] !== false);
  return typeof essential?.item["name"] === "string" ? essential.item["name"] : undefined;
}

/** Containers whose exit does not decide the task's outcome (`essential: false`). */
export function nonEssentialContainers(taskDefinition: JsonObject): string[] {
  return objectsOf(taskDefinition["containerDefinitions"]).flatMap(({ item }) =>
    item["essential"] === false && typeof item["name"] === "string" ? [item["name"]] : [],
  );
}

/**
 * The CloudWatch Logs stream the awslogs driver writes a task's container to:
 * `<awslogs-stream-prefix>/<container>/<task id>` in `awslogs-group`. Undefined when the container
 * does not log with awslogs, or without a prefix (the stream is then named after the container ID).
 */
export function awslogsStream(
  taskDefinition: JsonObject,
  container: string,
  taskArn: string,
): { group: string; stream: string } | undefined {
  const definition = findContainer(taskDefinition, container);
  const config = definition?.["logConfiguration"];
  if (!isJsonObject(config) || config["logDriver"] !== "awslogs" || !isJsonObject(config["options"])) return undefined;
  const group = config["options"]["awslogs-group"];
  const prefix = config["options"]["awslogs-stream-prefix"];
  const taskId = taskIdOfArn(taskArn);
  if (typeof group !== "string" || typeof prefix !== "string" || taskId === "") return undefined;
  return { group, stream: `${prefix}/${container}/${taskId}` };
}

export type TaskVerdict =
  | { state: "running"; lastStatus: string }
  | {
      state: "stopped";
      succeeded: boolean;
      exitCode: number | undefined;
      exitCodes: Record<string, number | null>;
      stoppedReason?: string;
    };

/**
 * Success is every essential container exiting 0 (as ECS runs a task to completion). A container
 * without an exit code never ran (image pull failed, task stopped before start): a failure.
 * `exitCode` is the first non-zero essential exit code, or 0.
 */
export function judgeTask(task: JsonObject, nonEssential: readonly string[]): TaskVerdict {
  const lastStatus = typeof task["lastStatus"] === "string" ? task["lastStatus"] : "PENDING";
  if (lastStatus !== "STOPPED") return { state: "running", lastStatus };
  const exitCodes: Record<string, number | null> = {};
  let succeeded = true;
  let exitCode: number | undefined;
  for (const { item } of objectsOf(task["containers"])) {
    const name = typeof item["name"] === "string" ? item["name"] : "?";
    const code: JsonValue | undefined = item["exitCode"];
    exitCodes[name] = typeof code === "number" ? code : null;
    if (nonEssential.includes(name)) continue;
    if (typeof code !== "number") succeeded = false;
    else if (code !== 0) {
      succeeded = false;
      exitCode ??= code;
    }
  }
  if (Object.keys(exitCodes).length === 0) succeeded = false;
  const verdict: TaskVerdict = { state: "stopped", succeeded, exitCode: exitCode ?? (succeeded ? 0 : undefined), exitCodes };
  if (typeof task["stoppedReason"] === "string") verdict.stoppedReason = task["stoppedReason"];
  return verdict;
}
