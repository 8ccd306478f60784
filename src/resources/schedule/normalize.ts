import { isJsonObject, own } from "../../json.js";
import type { JsonObject, JsonValue } from "../../json.js";
import { epochMs } from "../../time.js";
import { compact, fillDefault, objectCopy, sortList, taskDefinitionRef } from "../common/normalize-util.js";
import type { TagMap } from "../common/tags.js";
import { objectFromWire, specNode } from "../common/wire-names.js";
import { OWNER_TAG, SOURCE_TAG, SPEC_HASH_TAG } from "../types.js";

/** GetSchedule's answer as plain JSON (PascalCase, dates as ISO strings). */
export type LiveSchedule = JsonObject;

/**
 * Schedules carry no tags, so ownership lives in the description (docs/kinds.md#schedule-ownership):
 * a last line `[ecs-gitops] {"owner":…,"source":…,"specHash":…}` after the user's own text.
 */
export const MARKER_PREFIX = "[ecs-gitops] ";
/** xref: Scheduler CreateSchedule `Description`, at most 512 characters. */
export const MAX_DESCRIPTION = 512;

export type Marker = { owner: string; source: string; specHash: string };

/** The user's description and the marker (as ownership tags), read from a live description. */
export function splitDescription(description: JsonValue | undefined): { text: string | undefined; tags: TagMap } {
  if (typeof description !== "string") return { text: undefined, tags: {} };
  const cut = description.lastIndexOf(MARKER_PREFIX);
  const atLineStart = cut === 0 || (cut > 0 && description[cut - 1] === "\n");
  if (cut < 0 || !atLineStart) return { text: description === "" ? undefined : description, tags: {} };
  const text = description.slice(0, Math.max(0, cut - 1));
  return { text: text === "" ? undefined : text, tags: markerTags(description.slice(cut + MARKER_PREFIX.length)) };
}

function markerTags(json: string): TagMap {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return {};
  }
  if (!isJsonObject(parsed as JsonValue)) return {};
  const value = parsed as JsonObject;
  const tags: TagMap = {};
  for (const [field, tag] of [
    ["owner", OWNER_TAG],
    ["source", SOURCE_TAG],
    ["specHash", SPEC_HASH_TAG],
  ] as const) {
    const v = own(value, field);
    if (typeof v === "string") tags[tag] = v;
  }
  return tags;
}

/** The description sent to AWS: the user's text, then the marker on its own line. */
export function describeWithMarker(text: JsonValue | undefined, marker: Marker): string {
  const line = MARKER_PREFIX + JSON.stringify({ owner: marker.owner, source: marker.source, specHash: marker.specHash });
  return typeof text === "string" && text !== "" ? `${text}\n${line}` : line;
}

// xref: SC-2 — GetSchedule reports these when CreateSchedule left them out.
const RETRY_DEFAULT: JsonObject = { maximumEventAgeInSeconds: 86_400, maximumRetryAttempts: 185 };

/**
 * The comparable form of a schedule (spec form: camelCase, no group or name, which are its
 * identity): AWS defaults filled (SC-2), dates as UTC ISO instants (SC-3), the target input parsed
 * (SC-4), the task definition shown as `family:revision` (SC-5). `description` is the user's text
 * only: the ownership marker is compared as tags. Pure.
 */
export function canonicalSchedule(spec: JsonObject, taskDefinition: (ref: string) => string): JsonObject {
  const out = objectCopy(spec);
  delete out["groupName"];
  delete out["clientToken"];
  fillDefault(out, "scheduleExpressionTimezone", "UTC");
  fillDefault(out, "flexibleTimeWindow", { mode: "OFF" });
  fillDefault(out, "state", "ENABLED");
  fillDefault(out, "actionAfterCompletion", "NONE");
  for (const field of ["startDate", "endDate"]) {
    const instant = isoInstant(out[field]);
    if (instant !== undefined) out[field] = instant;
  }
  if (out["description"] === "") delete out["description"];
  const target = objectCopy(out["target"]);
  fillDefault(target, "retryPolicy", RETRY_DEFAULT);
  if (target["input"] !== undefined) target["input"] = parsedInput(target["input"]);
  if (isJsonObject(target["ecsParameters"])) target["ecsParameters"] = canonicalEcs(target["ecsParameters"], taskDefinition);
  out["target"] = target;
  return (compact(out) ?? {}) as JsonObject;
}

function canonicalEcs(ecs: JsonObject, taskDefinition: (ref: string) => string): JsonObject {
  const out = { ...ecs };
  if (typeof out["taskDefinitionArn"] === "string") out["taskDefinitionArn"] = taskDefinition(out["taskDefinitionArn"]);
  fillDefault(out, "taskCount", 1);
  // xref: SC-2 — false and unset are the same switch; "" is how some tools write "unset".
  for (const flag of ["enableECSManagedTags", "enableExecuteCommand"]) if (out[flag] === false) delete out[flag];
  for (const text of ["launchType", "platformVersion", "group", "propagateTags", "referenceId"]) if (out[text] === "") delete out[text];
  const network = objectCopy(out["networkConfiguration"]);
  const vpc = objectCopy(network["awsvpcConfiguration"]);
  if (Object.keys(vpc).length > 0) {
    fillDefault(vpc, "assignPublicIp", "DISABLED");
    sortList(vpc, "subnets");
    sortList(vpc, "securityGroups");
    out["networkConfiguration"] = { ...network, awsvpcConfiguration: vpc };
  }
  return out;
}

/** xref: SC-4 — JSON text and the data it spells are one value; anything else compares as text. */
export function parsedInput(input: JsonValue): JsonValue {
  if (typeof input !== "string") return input;
  try {
    return JSON.parse(input) as JsonValue;
  } catch {
    return input;
  }
}

/** xref: SC-3 — `2030-01-01T00:00:00Z`, `2030-01-01T09:00:00+09:00` and GetSchedule's ISO form are one instant. */
export function isoInstant(value: JsonValue | undefined): JsonValue | undefined {
  if (typeof value !== "string" && typeof value !== "number") return value;
  const date = new Date(epochMs(value) ?? Number.NaN);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

/** GetSchedule's answer in spec form, compared as `canonicalSchedule`. Pure. */
export function normalizeLiveSchedule(live: LiveSchedule): JsonObject {
  const spec = objectFromWire(specNode("Schedule"), live);
  spec["description"] = splitDescription(live["Description"]).text ?? "";
  return canonicalSchedule(spec, taskDefinitionRef);
}

/** The ownership marker of a live schedule, as tags (empty: none, so not ours). */
export function liveScheduleTags(live: LiveSchedule): TagMap {
  return splitDescription(live["Description"]).tags;
}

/** The ECS task definition a schedule's target runs, as written. */
export function scheduleTaskDefinition(spec: JsonObject): string | undefined {
  const target = spec["target"];
  const ecs = isJsonObject(target) ? target["ecsParameters"] : undefined;
  const ref = isJsonObject(ecs) ? ecs["taskDefinitionArn"] : undefined;
  return typeof ref === "string" && ref !== "" ? ref : undefined;
}
