import { EcsGitopsError } from "../errors.js";
import type { JsonObject, JsonValue } from "../json.js";
import type { AwsWrite, AwsWriteOperation } from "./write-operation.js";
import { classifyAwsError } from "./classify.js";
import type { AwsClients } from "./clients.js";
import { failedEntriesError } from "./failed-entries.js";
import { withClientToken } from "./landed-check.js";
import { toPlainObject } from "./plain-json.js";
import { createCodeDeployDeployment } from "./on-first-use.js";
import type { CodeDeployInput } from "./codedeploy.js";
import { sendSdkCommand } from "./sdk-command.js";
import { explainedWriteError, sdkShaped } from "./write-shapes.js";

/**
 * The plan holds each input as plain JSON in the SDK's request shape (checked against the API
 * schema when manifests load, and built by the planners), so it is handed to the SDK as is. This
 * is the one boundary where JSON becomes an SDK input type; nothing here re-validates it.
 */
function sdkInput<T>(input: JsonObject): T {
  return input as unknown as T;
}

function hasPlaceholder(value: JsonValue): boolean {
  if (typeof value === "string") return value.includes("${arn:");
  if (Array.isArray(value)) return value.some(hasPlaceholder);
  if (value !== null && typeof value === "object") return Object.values(value).some(hasPlaceholder);
  return false;
}

/** `ecs:UpdateService prod/web`: the operation and the resource its input names. */
export function describeCall(call: AwsWrite): string {
  const input = call.input;
  const text = (key: string): string | undefined => (typeof input[key] === "string" ? (input[key] as string) : undefined);
  const ecsService = text("serviceName") ?? text("service");
  const target =
    (ecsService !== undefined ? [text("cluster"), ecsService].filter((part) => part !== undefined).join("/") : undefined) ??
    text("family") ??
    text("taskDefinition") ??
    text("resourceArn") ??
    (text("GroupName") !== undefined ? `${text("GroupName")}/${text("Name") ?? ""}` : undefined) ??
    ((text("Name") ?? text("Rule")) ? `${text("EventBusName") ?? "default"}/${text("Name") ?? text("Rule")}` : undefined) ??
    text("ResourceARN") ??
    text("ResourceId") ??
    "";
  return `${call.operation} ${target}`.trim();
}

type FailedEntries = { FailedEntryCount?: number; FailedEntries?: { TargetId?: string; ErrorCode?: string; ErrorMessage?: string }[] };

/** EventBridge's batch writes (PutTargets, RemoveTargets) succeed with failed entries inside: a failure all the same. */
function throwOnFailedEntries(where: string, answer: unknown): void {
  const { FailedEntryCount: count, FailedEntries: entries } = (answer ?? {}) as FailedEntries;
  if ((count ?? 0) === 0) return;
  const failed = (entries ?? []).map((entry) => ({
    id: entry.TargetId ?? "(unknown target)",
    errorCode: entry.ErrorCode ?? "UnknownError",
    errorMessage: entry.ErrorMessage ?? "",
  }));
  throw failedEntriesError(where, failed);
}

/**
 * One write by name: the SDK command of that name with the plan's input (a new kind on a known API
 * needs nothing here). CodeDeploy's deployment is the one write made of several calls.
 */
async function send(clients: AwsClients, operation: AwsWriteOperation, input: JsonObject, where: string): Promise<unknown> {
  if (operation === "codedeploy:CreateDeployment") return createCodeDeployDeployment(clients, sdkInput<CodeDeployInput>(input));
  const answer = await sendSdkCommand(clients, operation, sdkShaped(operation, input)).catch((error: unknown) => {
    throw explainedWriteError(operation, input, error);
  });
  throwOnFailedEntries(where, answer);
  return answer;
}

/**
 * Executes one planned write with exactly one SDK command and returns the response as plain JSON.
 * Every failure, including PutTargets/RemoveTargets partial failures, is an `EcsGitopsError`.
 */
export async function executeCall(clients: AwsClients, call: AwsWrite): Promise<JsonObject> {
  const where = describeCall(call);
  if (hasPlaceholder(call.input)) {
    throw new EcsGitopsError(
      "Internal",
      `${where}: the input still holds an unresolved \${arn:…} reference; apply must substitute it first.`,
      { where },
    );
  }
  try {
    return toPlainObject(await send(clients, call.operation, withClientToken(call.operation, call.input), where));
  } catch (error) {
    throw classifyAwsError(error, where);
  }
}
