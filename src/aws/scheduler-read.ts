import { GetScheduleCommand, ListSchedulesCommand } from "@aws-sdk/client-scheduler";
import type { JsonObject } from "../json.js";
import type { AwsClients } from "./clients.js";
import { listAll, readOrMissing } from "./paginate.js";
import { toPlainObject } from "./plain-json.js";

// Results are in the API's own PascalCase shape (`Name`, `ScheduleExpression`, `Target.Arn`).

/** xref: Scheduler ListSchedules `MaxResults`, 1-100 (docs/normalization.md#scheduler-and-autoscaling-rates). */
export const LIST_SCHEDULES_PAGE = 100;

/**
 * Every schedule of a group, or of every group (all pages): name, group, ARN, state, target ARN
 * and LastModificationDate, which tells whether a schedule changed since it was last read. A
 * missing group lists nothing.
 */
export async function listSchedules(clients: AwsClients, group: string | undefined): Promise<JsonObject[]> {
  const where = `schedule group ${group ?? "(all)"} (scheduler:ListSchedules)`;
  return listAll(
    where,
    async (NextToken) => {
      const page = await clients.scheduler.send(new ListSchedulesCommand({ GroupName: group, MaxResults: LIST_SCHEDULES_PAGE, NextToken }));
      return { items: (page.Schedules ?? []).map(toPlainObject), nextToken: page.NextToken };
    },
    "ResourceNotFoundException",
  );
}

/** The schedule (GetSchedule's answer), or undefined if it (or its group) does not exist. */
export async function getSchedule(clients: AwsClients, group: string, name: string): Promise<JsonObject | undefined> {
  const found = await readOrMissing(`Schedule/${group}/${name} (scheduler:GetSchedule)`, () =>
    clients.scheduler.send(new GetScheduleCommand({ GroupName: group, Name: name })),
  );
  return found && toPlainObject(found);
}
