import type { JsonObject } from "../json.js";
import { parseDate } from "../time.js";
import { EcsGitopsError } from "../errors.js";
import { awsErrorName } from "./classify.js";

/*
 * What an API wants of a write beyond its input as the plan holds it, by API, not by kind: a
 * kind's write on one of these APIs gets the same treatment without a line here.
 */

// The Scheduler's timestamps: the plan holds ISO text, its SDK serializes them from Date objects only.
const DATE_FIELDS: Readonly<Record<string, readonly string[]>> = { scheduler: ["StartDate", "EndDate"] };

/** The input the SDK is handed for `operation`: the plan's, with the API's dates as Date objects. */
export function sdkShaped(operation: string, input: JsonObject): Record<string, unknown> | JsonObject {
  const fields = DATE_FIELDS[operation.slice(0, operation.indexOf(":"))] ?? [];
  if (!fields.some((field) => typeof input[field] === "string")) return input;
  const out: Record<string, unknown> = { ...input };
  for (const field of fields) if (typeof input[field] === "string") out[field] = parseDate(input[field]);
  return out;
}

/** An error whose cause the API names too vaguely to act on, said with what to do; else the error as it came. */
export function explainedWriteError(operation: string, input: JsonObject, error: unknown): unknown {
  if (operation !== "scheduler:CreateSchedule" || awsErrorName(error) !== "ResourceNotFoundException") return error;
  // ecs-gitops does not manage schedule groups: the only missing thing CreateSchedule can mean.
  const group = String(input["GroupName"] ?? "default");
  const where = `Schedule/${group}/${String(input["Name"] ?? "")}`;
  return new EcsGitopsError(
    "DependencyNotReady",
    `${where}: schedule group "${group}" does not exist; create it (aws scheduler create-schedule-group --name ${group}) ` +
      `or leave groupName unset for the default group`,
    { where, retryable: true },
  );
}
