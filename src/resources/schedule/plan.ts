import { isJsonObject } from "../../json.js";
import type { JsonObject } from "../../json.js";
import { AWS_DEFAULT_SCHEDULE_GROUP } from "../../manifests/identity.js";
import type { Manifest } from "../../manifests/types.js";
import { taskDefinitionRef } from "../common/normalize-util.js";
import { adoptionNotes, blocked, changesOf, createChanges, diffResource, ignoredNotes, unresolvedReference } from "../common/plan-diff.js";
import { ignoreRulesOf, keepLiveAt, notOwned } from "../common/plan-util.js";
import { manifestSpecHash } from "../common/spec-hash.js";
import { claimOf, desiredTags, isNotOurs, ownership } from "../common/tags.js";
import type { TagMap } from "../common/tags.js";
import { objectFromWire, objectToWire, specNode } from "../common/wire-names.js";
import { arnPlaceholder, OWNER_TAG, SOURCE_TAG, SPEC_HASH_TAG } from "../types.js";
import type { Action, PlanContext, PlannedCall, ResolvedTaskDefinition } from "../types.js";
import {
  canonicalSchedule,
  describeWithMarker,
  liveScheduleTags,
  MAX_DESCRIPTION,
  normalizeLiveSchedule,
  scheduleTaskDefinition,
  splitDescription,
} from "./normalize.js";
import type { LiveSchedule, Marker } from "./normalize.js";

export function scheduleGroup(spec: JsonObject): string {
  const group = spec["groupName"];
  return typeof group === "string" && group !== "" ? group : AWS_DEFAULT_SCHEDULE_GROUP;
}

/**
 * Plan one EventBridge Scheduler schedule: CreateSchedule when missing, else one UpdateSchedule
 * (which replaces the whole schedule) when anything compared or the ownership marker differs.
 * A schedule without our marker is never written unless adopted (docs/kinds.md#schedule-ownership). Pure.
 */
export function planSchedule(manifest: Manifest, live: LiveSchedule | undefined, ctx: PlanContext): Action {
  const base = { key: manifest.key, kind: manifest.kind };
  const liveTags = live === undefined ? {} : liveScheduleTags(live);
  const owner = ownership(liveTags, manifest, ctx);
  const ref = scheduleTaskDefinition(manifest.spec);
  const resolved = ref === undefined ? undefined : ctx.resolveTaskDefinition(ref);
  if (resolved?.state === "unresolved") {
    if (live !== undefined && isNotOurs(owner)) return notOwned(manifest, ctx, liveTags, [], `schedule "${manifest.name}"`);
    return unresolvedReference(manifest, `target.ecsParameters.taskDefinitionArn "${ref ?? ""}": ${resolved.reason}`);
  }
  const display = (value: string) => displayRef(value, resolved);
  const want = canonicalSchedule(manifest.spec, display);
  const wantTags = markerTags(manifest, ctx);
  const sendArn = resolved?.state === "known" ? resolved.arn : resolved?.state === "pending" ? arnPlaceholder(resolved.key) : undefined;
  const description = describeWithMarker(manifest.spec["description"], marker(wantTags));
  if (description.length > MAX_DESCRIPTION)
    return blocked(manifest, "InvalidRequest", [], {
      reason: `the description with the ownership marker has ${description.length} characters; Scheduler takes at most ${MAX_DESCRIPTION}`,
      hint: `shorten spec.description in ${manifest.file} (the marker names the repository and file: docs/kinds.md#schedule-ownership)`,
    });

  if (live === undefined) {
    const changes = createChanges(withDisplay(manifest.spec, display), wantTags, ctx);
    return {
      type: "create",
      ...base,
      changes,
      calls: [scheduleCall("scheduler:CreateSchedule", manifest, manifest.spec, wantTags, sendArn)],
    };
  }

  const ignored = ignoreRulesOf(manifest, ctx);
  const diff = diffResource(want, normalizeLiveSchedule(live), { want: wantTags, live: liveTags }, ignored, ctx);
  const changes = changesOf(diff);
  if (isNotOurs(owner)) return notOwned(manifest, ctx, liveTags, changes, `schedule "${manifest.name}"`);
  const notes = ignoredNotes(diff);
  if (changes.length === 0) return { type: "noop", ...base, changes, calls: [], ...(notes.length > 0 ? { notes } : {}) };
  // UpdateSchedule replaces the schedule: an ignored path keeps its live value, not git's.
  const sent = structuredClone(manifest.spec);
  const liveSpec = objectFromWire(specNode("Schedule"), live);
  // An ignored description keeps the user's live text; the marker is always written anew.
  liveSpec["description"] = splitDescription(live["Description"]).text ?? "";
  for (const rule of ignored) if (rule[0] !== "tags") keepLiveAt(sent, liveSpec, rule);
  notes.push(...adoptionNotes(owner, true, "schedule"));
  const arn = typeof live["Arn"] === "string" ? live["Arn"] : "";
  return {
    type: "update",
    ...base,
    changes,
    calls: [scheduleCall("scheduler:UpdateSchedule", manifest, sent, wantTags, sendArn)],
    ...(notes.length > 0 ? { notes } : {}),
    guard: {
      resource: "schedule",
      arn,
      group: scheduleGroup(manifest.spec),
      name: manifest.name,
      ...claimOf(manifest, ctx),
      expect: "owned",
    },
  };
}

/** Owner, source and spec hash: what the marker in the description records. Labels have nowhere to go. */
function markerTags(manifest: Manifest, ctx: PlanContext): TagMap {
  const all = desiredTags({ ...manifest, labels: {} }, ctx, { [SPEC_HASH_TAG]: manifestSpecHash(manifest) });
  return { [OWNER_TAG]: all[OWNER_TAG] ?? "", [SOURCE_TAG]: all[SOURCE_TAG] ?? "", [SPEC_HASH_TAG]: all[SPEC_HASH_TAG] ?? "" };
}

function marker(tags: TagMap): Marker {
  return { owner: tags[OWNER_TAG] ?? "", source: tags[SOURCE_TAG] ?? "", specHash: tags[SPEC_HASH_TAG] ?? "" };
}

function scheduleCall(
  operation: "scheduler:CreateSchedule" | "scheduler:UpdateSchedule",
  manifest: Manifest,
  spec: JsonObject,
  tags: TagMap,
  taskDefinitionArn: string | undefined,
): PlannedCall {
  const body = structuredClone(spec);
  delete body["groupName"];
  // Sent whole every time: UpdateSchedule resets what it is not given (moto and AWS alike).
  body["state"] ??= "ENABLED";
  body["flexibleTimeWindow"] ??= { mode: "OFF" };
  body["description"] = describeWithMarker(spec["description"], marker(tags));
  const target = isJsonObject(body["target"]) ? body["target"] : {};
  if (isJsonObject(target["input"])) target["input"] = JSON.stringify(target["input"]);
  const ecs = target["ecsParameters"];
  if (isJsonObject(ecs) && taskDefinitionArn !== undefined) ecs["taskDefinitionArn"] = taskDefinitionArn;
  const input = objectToWire(specNode("Schedule"), body);
  return { operation, input: { Name: manifest.name, GroupName: scheduleGroup(manifest.spec), ...input } };
}

/** What a resolved reference compares as: `family:rev` for an ARN, `family:(new)` before registration. */
function displayRef(ref: string, resolved: ResolvedTaskDefinition | undefined): string {
  if (resolved?.state === "known") return taskDefinitionRef(resolved.arn);
  if (resolved?.state === "pending") return `${resolved.family}:(new)`;
  return taskDefinitionRef(ref);
}

function withDisplay(spec: JsonObject, display: (ref: string) => string): JsonObject {
  const target = spec["target"];
  const ecs = isJsonObject(target) ? target["ecsParameters"] : undefined;
  if (!isJsonObject(target) || !isJsonObject(ecs) || typeof ecs["taskDefinitionArn"] !== "string") return spec;
  return { ...spec, target: { ...target, ecsParameters: { ...ecs, taskDefinitionArn: display(ecs["taskDefinitionArn"]) } } };
}
