import { CreateScheduleCommand, UpdateScheduleCommand } from "@aws-sdk/client-scheduler";
import type { CreateScheduleCommandInput, UpdateScheduleCommandInput } from "@aws-sdk/client-scheduler";
import { assertNever } from "../assert-never.js";
import type { JsonObject } from "../json.js";
import type { KindWriteOperation, WriteOperation } from "./write-operation.js";
import { parseDate } from "../time.js";
import { EcsGitopsError } from "../errors.js";
import { awsErrorName } from "./classify.js";
import type { AwsClients } from "./clients.js";

/** The Scheduler's writes (Application Auto Scaling's are plain: see plain-writes.ts). */
type SchedulerWrite = Extract<KindWriteOperation, `scheduler:${string}`>;

const SCHEDULER_WRITES: ReadonlySet<string> = new Set<SchedulerWrite>(["scheduler:CreateSchedule", "scheduler:UpdateSchedule"]);

export function isKindWrite(operation: WriteOperation): operation is SchedulerWrite {
  return SCHEDULER_WRITES.has(operation);
}

/** The plan holds ISO text; the Scheduler SDK serializes timestamps from Date objects only. */
function withDates(input: JsonObject): Record<string, unknown> {
  const out: Record<string, unknown> = { ...input };
  for (const field of ["StartDate", "EndDate"]) if (typeof input[field] === "string") out[field] = parseDate(input[field]);
  return out;
}

function sdkInput<T>(input: unknown): T {
  return input as T;
}

/**
 * One write of the Scheduler and Application Auto Scaling kinds. All are idempotent as sent:
 * CreateSchedule carries the SDK's client token, UpdateSchedule and RegisterScalableTarget replace,
 * PutScalingPolicy upserts by name; a repeated DeleteScalingPolicy answers not found.
 */
export async function sendKindWrite(clients: AwsClients, operation: SchedulerWrite, input: JsonObject): Promise<unknown> {
  switch (operation) {
    case "scheduler:CreateSchedule":
      return clients.scheduler
        .send(new CreateScheduleCommand(sdkInput<CreateScheduleCommandInput>(withDates(input))))
        .catch((error: unknown) => {
          if (awsErrorName(error) !== "ResourceNotFoundException") throw error;
          // ecs-gitops does not manage schedule groups: the only missing thing CreateSchedule can mean.
          const group = String(input["GroupName"] ?? "default");
          throw new EcsGitopsError(
            "DependencyNotReady",
            `Schedule/${group}/${String(input["Name"] ?? "")}: schedule group "${group}" ` +
              `does not exist; create it (aws scheduler create-schedule-group --name ${group}) ` +
              `or leave groupName unset for the default group`,
            { where: `Schedule/${group}/${String(input["Name"] ?? "")}`, retryable: true },
          );
        });
    case "scheduler:UpdateSchedule":
      return clients.scheduler.send(new UpdateScheduleCommand(sdkInput<UpdateScheduleCommandInput>(withDates(input))));
    default:
      return assertNever(operation, "write operation (no SDK command)");
  }
}
