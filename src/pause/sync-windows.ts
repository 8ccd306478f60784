import { CronExpressionParser } from "cron-parser";
import picomatch from "picomatch";
import { isJsonObject } from "../json.js";
import type { JsonPath, JsonValue } from "../json.js";
import { KINDS } from "../manifests/types.js";
import type { Kind, ProblemCode } from "../manifests/types.js";
import { suggest } from "../manifests/schema-check.js";
import { parseDuration } from "../config-values.js";
import { quoted } from "../text.js";

/** Which resources a window covers; an absent list matches everything, globs as picomatch reads them. */
export type SyncWindowMatch = { kinds?: Kind[]; names?: string[]; keys?: string[]; clusters?: string[] };

/** One `syncWindows` entry of ecs-gitops.yaml: from each cron occurrence, for `durationMs`. */
export type SyncWindow = { schedule: string; duration: string; durationMs: number; kind: "allow" | "deny"; match: SyncWindowMatch };

/** What a window is asked about; `clusters` are those the kind's plug-in names (a task definition has none). */
export type WindowTarget = { kind: Kind; name: string; key: string; clusters: readonly string[] };

type Add = (at: JsonPath, code: ProblemCode, message: string) => void;

export const SYNC_WINDOW_FIELDS = ["schedule", "duration", "kind", "match"] as const;
export const SYNC_WINDOW_MATCH_FIELDS = ["kinds", "names", "keys", "clusters"] as const;

/** `syncWindows` of ecs-gitops.yaml, each problem at its own field (the caller turns paths into file:line). */
export function readSyncWindows(value: JsonValue | undefined, add: Add): SyncWindow[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    add(["syncWindows"], "WrongType", "syncWindows must be a list of {schedule, duration, kind, match}");
    return [];
  }
  const windows: SyncWindow[] = [];
  value.forEach((item, i) => {
    const window = readWindow(item, ["syncWindows", i], add);
    if (window) windows.push(window);
  });
  return windows;
}

function readWindow(item: JsonValue, at: JsonPath, add: Add): SyncWindow | undefined {
  if (!isJsonObject(item)) {
    add(at, "WrongType", `${display(at)} must be a mapping with schedule, duration and kind`);
    return undefined;
  }
  if (!knownFields(item, at, SYNC_WINDOW_FIELDS, add)) return undefined;
  let ok = true;
  const missing = SYNC_WINDOW_FIELDS.filter((f) => f !== "match" && item[f] === undefined);
  for (const field of missing) {
    add(at, "MissingField", `${display(at)} needs ${field} (for example schedule: "0 22 * * *", duration: 8h, kind: deny)`);
    ok = false;
  }
  const schedule = item["schedule"];
  if (schedule !== undefined && (typeof schedule !== "string" || cronProblem(schedule) !== undefined)) {
    const why = typeof schedule === "string" ? cronProblem(schedule) : "it is not a string";
    add(
      [...at, "schedule"],
      "InvalidValue",
      `${display(at)}.schedule ${quoted(schedule)} is not a cron expression ` +
        `(${why}): write five fields, minute hour day-of-month month day-of-week, ` +
        `for example "0 22 * * 1-5"`,
    );
    ok = false;
  }
  const duration = item["duration"];
  let durationMs = 0;
  if (duration !== undefined) {
    try {
      if (typeof duration !== "string") throw new Error(`${display(at)}.duration must be a string such as 1h or 30m`);
      durationMs = parseDuration(duration, `${display(at)}.duration`);
    } catch (error) {
      add([...at, "duration"], "InvalidValue", error instanceof Error ? error.message : String(error));
      ok = false;
    }
  }
  const kind = item["kind"];
  if (kind !== undefined && kind !== "allow" && kind !== "deny") {
    add([...at, "kind"], "InvalidValue", `${display(at)}.kind must be allow or deny, got ${quoted(kind)}`);
    ok = false;
  }
  const match = readMatch(item["match"], [...at, "match"], add);
  if (!ok || match === undefined) return undefined;
  return { schedule: schedule as string, duration: duration as string, durationMs, kind: kind as "allow" | "deny", match };
}

function readMatch(value: JsonValue | undefined, at: JsonPath, add: Add): SyncWindowMatch | undefined {
  if (value === undefined || value === null) return {};
  if (!isJsonObject(value)) {
    add(at, "WrongType", `${display(at)} must be a mapping of kinds, names, keys, clusters`);
    return undefined;
  }
  if (!knownFields(value, at, SYNC_WINDOW_MATCH_FIELDS, add)) return undefined;
  const match: SyncWindowMatch = {};
  let ok = true;
  for (const field of SYNC_WINDOW_MATCH_FIELDS) {
    const list = value[field];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list) || list.some((entry) => typeof entry !== "string" || entry === "")) {
      add([...at, field], "WrongType", `${display(at)}.${field} must be a list of non-empty strings`);
      ok = false;
      continue;
    }
    const texts = list as string[];
    if (field === "kinds") {
      const unknown = texts.filter((k) => !(KINDS as readonly string[]).includes(k));
      for (const k of unknown)
        add([...at, field], "InvalidValue", `${display(at)}.kinds: ${quoted(k)} is not a kind (${KINDS.join(", ")})${suggest(k, KINDS)}`);
      if (unknown.length > 0) ok = false;
      else match.kinds = texts as Kind[];
    } else match[field] = texts;
  }
  return ok ? match : undefined;
}

function knownFields(value: Record<string, JsonValue>, at: JsonPath, fields: readonly string[], add: Add): boolean {
  const unknown = Object.keys(value).filter((key) => !fields.includes(key));
  for (const key of unknown) add([...at, key], "UnknownField", `unknown field "${key}" in ${display(at)}${suggest(key, fields)}`);
  return unknown.length === 0;
}

/** Why `text` is not a five-field cron expression, or undefined. */
function cronProblem(text: string): string | undefined {
  if (text.trim().split(/\s+/).length !== 5) return "five fields are needed";
  try {
    CronExpressionParser.parse(text, { tz: "UTC" });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function display(at: JsonPath): string {
  return at.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** Is `window` open at `now`? The latest occurrence at or before now ends last, so it alone decides. */
export function isWindowActive(window: SyncWindow, now: Date): boolean {
  // prev() looks strictly before currentDate: one second on, an occurrence exactly at now counts.
  const start = CronExpressionParser.parse(window.schedule, { tz: "UTC", currentDate: new Date(now.getTime() + 1000) }).prev();
  return now.getTime() < start.getTime() + window.durationMs;
}

export function windowMatches(window: SyncWindow, target: WindowTarget): boolean {
  const { kinds, names, keys, clusters } = window.match;
  if (kinds && !kinds.includes(target.kind)) return false;
  if (names && !picomatch.isMatch(target.name, names)) return false;
  if (keys && !picomatch.isMatch(target.key, keys)) return false;
  if (clusters) {
    // Any cluster the resource writes to: a rule with a target in prod is a write to prod.
    if (!target.clusters.some((cluster) => picomatch.isMatch(cluster, clusters))) return false;
  }
  return true;
}

/**
 * Argo CD's rule: an active matching deny window blocks writes; when allow windows match the
 * resource, writes happen only while one of them is active. Returns why writes are blocked, or
 * undefined when they may happen now.
 */
export function windowBlocks(windows: readonly SyncWindow[], target: WindowTarget, now: Date): string | undefined {
  const matching = windows.filter((w) => windowMatches(w, target));
  const deny = matching.find((w) => w.kind === "deny" && isWindowActive(w, now));
  if (deny) return `inside deny sync window "${deny.schedule}" for ${deny.duration}: not writing`;
  const allows = matching.filter((w) => w.kind === "allow");
  if (allows.length > 0 && !allows.some((w) => isWindowActive(w, now)))
    return `outside every allow sync window (${allows.map((w) => `"${w.schedule}" for ${w.duration}`).join(", ")}): not writing`;
  return undefined;
}
