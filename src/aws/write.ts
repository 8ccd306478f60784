import { assertNever } from "../assert-never.js";
import { PutTargetsCommand, RemoveTargetsCommand } from "@aws-sdk/client-eventbridge";
import type {
  PutTargetsCommandInput,
  PutTargetsResultEntry,
  RemoveTargetsCommandInput,
  RemoveTargetsResultEntry,
} from "@aws-sdk/client-eventbridge";
import { EcsGitopsError } from "../errors.js";
import type { JsonObject, JsonValue } from "../json.js";
import type { PlannedCall, WriteOperation } from "./write-operation.js";
import { classifyAwsError } from "./classify.js";
import type { AwsClients } from "./clients.js";
import { failedEntriesError } from "./failed-entries.js";
import { isKindWrite, sendKindWrite } from "./kinds-write.js";
import { isPlainWrite, sendPlainWrite } from "./plain-writes.js";
import { withClientToken } from "./landed-check.js";
import { toPlainObject } from "./plain-json.js";
import { createCodeDeployDeployment } from "./codedeploy.js";
import type { CodeDeployInput } from "./codedeploy.js";

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
export function describeCall(call: PlannedCall): string {
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

function throwOnFailedEntries(
  where: string,
  count: number | undefined,
  entries: readonly (PutTargetsResultEntry | RemoveTargetsResultEntry)[] | undefined,
): void {
  if ((count ?? 0) === 0) return;
  const failed = (entries ?? []).map((entry) => ({
    id: entry.TargetId ?? "(unknown target)",
    errorCode: entry.ErrorCode ?? "UnknownError",
    errorMessage: entry.ErrorMessage ?? "",
  }));
  throw failedEntriesError(where, failed);
}

async function send(clients: AwsClients, operation: WriteOperation, input: JsonObject, where: string): Promise<unknown> {
  if (isKindWrite(operation)) return sendKindWrite(clients, operation, input);
  if (isPlainWrite(operation)) return sendPlainWrite(clients, operation, input);
  switch (operation) {
    case "events:PutTargets": {
      const response = await clients.events.send(new PutTargetsCommand(sdkInput<PutTargetsCommandInput>(input)));
      throwOnFailedEntries(where, response.FailedEntryCount, response.FailedEntries);
      return response;
    }
    case "events:RemoveTargets": {
      const response = await clients.events.send(new RemoveTargetsCommand(sdkInput<RemoveTargetsCommandInput>(input)));
      throwOnFailedEntries(where, response.FailedEntryCount, response.FailedEntries);
      return response;
    }
    case "codedeploy:CreateDeployment":
      return createCodeDeployDeployment(clients, sdkInput<CodeDeployInput>(input));
    default:
      return assertNever(operation, "write operation (no SDK command)", where);
  }
}

/**
 * Executes one planned write with exactly one SDK command and returns the response as plain JSON.
 * Every failure, including PutTargets/RemoveTargets partial failures, is an `EcsGitopsError`.
 */
export async function executeCall(clients: AwsClients, call: PlannedCall): Promise<JsonObject> {
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
