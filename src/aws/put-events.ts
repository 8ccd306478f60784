import { PutEventsCommand } from "@aws-sdk/client-eventbridge";
import type { JsonValue } from "../json.js";
import { classifyAwsError } from "./classify.js";
import type { AwsClients } from "./clients.js";
import { failedEntriesError } from "./failed-entries.js";
import { chunk } from "./paginate.js";

/** One event to send: `detail` is serialized to the JSON string PutEvents wants. */
export type EventEntry = { source: string; detailType: string; detail: JsonValue; resources?: string[]; time?: Date };

/** PutEvents takes at most 10 entries per call. */
export const PUT_EVENTS_BATCH = 10;

/**
 * Sends events to a bus, 10 per call; returns the event ids in entry order. Failed entries
 * (HTTP 200 with FailedEntryCount > 0) throw, naming each failed entry by its index.
 */
export async function putEvents(clients: AwsClients, bus: string, entries: readonly EventEntry[]): Promise<string[]> {
  const eventIds: string[] = [];
  let offset = 0;
  for (const batch of chunk(entries, PUT_EVENTS_BATCH)) {
    const where = `event bus ${bus} (events:PutEvents)`;
    let response;
    try {
      response = await clients.events.send(
        new PutEventsCommand({
          Entries: batch.map((entry) => ({
            EventBusName: bus,
            Source: entry.source,
            DetailType: entry.detailType,
            Detail: JSON.stringify(entry.detail),
            Resources: entry.resources,
            Time: entry.time,
          })),
        }),
      );
    } catch (error) {
      throw classifyAwsError(error, where);
    }
    const results = response.Entries ?? [];
    if ((response.FailedEntryCount ?? 0) > 0) {
      const failed = results.flatMap((result, index) =>
        result.ErrorCode === undefined
          ? []
          : [
              {
                id: `entry ${offset + index} (${batch[index]?.detailType ?? "?"})`,
                errorCode: result.ErrorCode,
                errorMessage: result.ErrorMessage ?? "",
              },
            ],
      );
      throw failedEntriesError(where, failed);
    }
    eventIds.push(...results.map((result) => result.EventId ?? ""));
    offset += batch.length;
  }
  return eventIds;
}
