import type { Change } from "../diff/structural.js";
import type { JsonObject, JsonValue } from "../json.js";
import { assertNever } from "../assert-never.js";
import { parseDate } from "../time.js";
import type { AlertEvent, AlertSink, AlertType } from "./types.js";

export const EVENT_SOURCE = "ecs-gitops";
export const DETAIL_VERSION = "1";

/** One PutEvents entry; the publisher adds the bus name and serializes `detail` (src/aws putEvents). */
export type AlertEventEntry = { source: string; detailType: string; detail: JsonObject; resources?: string[]; time?: Date };
export type EventPublisher = (entries: AlertEventEntry[]) => Promise<unknown>;

// PutEvents rejects entries over 256 KiB. These caps keep a detail below that whatever drifted.
export const MAX_DETAIL_FIELDS = 100;
export const MAX_DETAIL_VALUE_CHARS = 4096;
export const MAX_DETAIL_FIELDS_BYTES = 192 * 1024;

/** Alerts as EventBridge events (`Source: ecs-gitops`); the detail schema is in docs/alerts.md. */
export class EventBridgeSink implements AlertSink {
  readonly name = "eventbridge";
  readonly #publish: EventPublisher;

  constructor(options: { publish: EventPublisher }) {
    this.#publish = options.publish;
  }

  async send(event: AlertEvent): Promise<void> {
    await this.#publish([toEventEntry(event)]);
  }
}

export function detailTypeOf(type: AlertType): string {
  switch (type) {
    case "drift.opened":
      return "ECS GitOps Drift Detected";
    case "drift.resolved":
      return "ECS GitOps Drift Resolved";
    case "sync.failed":
      return "ECS GitOps Sync Failed";
    case "sync.recovered":
      return "ECS GitOps Sync Recovered";
    case "deploy.succeeded":
      return "ECS GitOps Deploy Succeeded";
    case "deploy.failed":
      return "ECS GitOps Deploy Failed";
    case "deploy.rolledBack":
      return "ECS GitOps Deploy Rolled Back";
    case "rollback.active":
      return "ECS GitOps Rollback Active";
    case "hook.failed":
      return "ECS GitOps Hook Failed";
    case "pruned":
      return "ECS GitOps Resource Pruned";
    case "prune-blocked":
      return "ECS GitOps Prune Blocked";
    default:
      return assertNever(type);
  }
}

/** Pure: the PutEvents entry for one alert. */
export function toEventEntry(event: AlertEvent): AlertEventEntry {
  const kind = event.kind === undefined ? {} : { kind: event.kind };
  const detail: JsonObject = { version: DETAIL_VERSION, type: event.type, key: event.key, ...kind, name: event.name };
  if (event.arn !== undefined) detail["arn"] = event.arn;
  if (event.commit !== undefined) detail["commit"] = event.commit;
  detail["firstSeen"] = event.firstSeen;
  detail["at"] = event.at;
  if (event.action !== undefined) detail["action"] = event.action;
  if (event.resolution !== undefined) detail["resolution"] = event.resolution;
  if (event.update !== undefined) detail["update"] = event.update;
  if (event.deploy !== undefined)
    detail["deploy"] = { ...event.deploy, ...(event.deploy.reason === undefined ? {} : { reason: capText(event.deploy.reason) }) };
  if (event.error !== undefined) detail["error"] = { code: event.error.code, message: capText(event.error.message) };
  if (event.fields !== undefined) {
    const fields = detailFields(event.fields);
    detail["fields"] = fields;
    detail["fieldCount"] = event.fields.length;
    detail["fieldsTruncated"] = fields.length < event.fields.length;
  }
  const entry: AlertEventEntry = { source: EVENT_SOURCE, detailType: detailTypeOf(event.type), detail, time: parseDate(event.at) };
  if (event.arn !== undefined) entry.resources = [event.arn];
  return entry;
}

// The first fields in diff order, each value capped, until the count or the byte budget runs out.
function detailFields(changes: readonly Change[]): JsonObject[] {
  const out: JsonObject[] = [];
  let bytes = 0;
  for (const c of changes.slice(0, MAX_DETAIL_FIELDS)) {
    // An absent side is an absent key (not null, which is a value a field can have).
    const field: JsonObject = { path: capText(c.path) };
    if (c.field !== undefined) field["field"] = capText(c.field);
    if (c.desired !== undefined) field["desired"] = capValue(c.desired);
    if (c.live !== undefined) field["live"] = capValue(c.live);
    bytes += Buffer.byteLength(JSON.stringify(field)) + 1;
    if (bytes > MAX_DETAIL_FIELDS_BYTES) break;
    out.push(field);
  }
  return out;
}

function capValue(value: JsonValue): JsonValue {
  const text = JSON.stringify(value);
  return text.length <= MAX_DETAIL_VALUE_CHARS ? value : `${text.slice(0, MAX_DETAIL_VALUE_CHARS)}… (truncated, ${text.length} chars)`;
}

function capText(text: string): string {
  return text.length <= MAX_DETAIL_VALUE_CHARS ? text : `${text.slice(0, MAX_DETAIL_VALUE_CHARS)}… (truncated)`;
}
