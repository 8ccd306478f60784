import { isClusterArn } from "../../aws/arn.js";
import { isJsonObject } from "../../json.js";
import { parseTimeMs } from "../../time.js";
import type { JsonObject, JsonValue } from "../../json.js";
import type { Manifest, Problem } from "../../manifests/types.js";
import { collectProblems, resolveTaskDefinitionRef, stringOf } from "../common/validation.js";
import type { Report, ValidationContext } from "../common/validation.js";
// Scheduler's cron() and rate() are EventBridge's grammar (one parser, shared with ScheduledRule).
import { parseScheduleExpression } from "../common/schedule-expression.js";
import { isoInstant, MARKER_PREFIX, MAX_DESCRIPTION } from "./normalize.js";

// Scheduler keeps the ARN as written and RunTask resolves it on every run.
const SCHEDULE_LATEST = { resolvedBy: "EventBridge Scheduler resolves it at every run" };
// xref: Scheduler `at(yyyy-mm-ddThh:mm:ss)`: a one-time schedule, local to scheduleExpressionTimezone.
const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
/** Room the ownership marker takes in the description (owner, source and hash as JSON). */
const MARKER_ROOM = 200;

/** Scheduler's offline-checkable constraints on one schedule and its ECS target. Pure. */
export function validateSchedule(manifest: Manifest, ctx: ValidationContext): Problem[] {
  return collectProblems(manifest, (report) => {
    const spec = manifest.spec;
    checkExpression(spec["scheduleExpression"], report);
    const zone = spec["scheduleExpressionTimezone"];
    if (typeof zone === "string" && !isTimeZone(zone))
      report(
        ["scheduleExpressionTimezone"],
        "schedule-timezone",
        `"${zone}" is not an IANA time zone (e.g. "Asia/Tokyo", "Europe/Paris", "UTC")`,
      );
    checkDates(spec, report);
    checkWindow(spec["flexibleTimeWindow"], report);
    const description = stringOf(spec["description"]);
    if (description !== undefined && description.includes(MARKER_PREFIX))
      report(
        ["description"],
        "schedule-description",
        `description must not contain "${MARKER_PREFIX}": ecs-gitops keeps its ownership marker there`,
      );
    if (description !== undefined && description.length > MAX_DESCRIPTION - MARKER_ROOM)
      report(
        ["description"],
        "schedule-description",
        `description has ${description.length} characters: at most ${MAX_DESCRIPTION - MARKER_ROOM} ` +
          `fit beside the ownership marker (docs/kinds.md#schedule-ownership)`,
      );
    if (Object.keys(manifest.labels).length > 0)
      report(
        [],
        "schedule-labels",
        "schedules take no tags, so metadata.labels are not written anywhere: remove them",
        "Semantic",
        "warning",
      );
    checkTarget(spec["target"], report, ctx);
  });
}

function checkExpression(expression: JsonValue | undefined, report: Report): void {
  if (typeof expression !== "string") return;
  const at = AT.exec(expression);
  if (expression.startsWith("at(")) {
    if (!at || !isCalendarTime(at.slice(1).map(Number)))
      report(["scheduleExpression"], "schedule-expression", `"${expression}" is not at(yyyy-mm-ddThh:mm:ss) with a real date and time`);
    return;
  }
  const parsed = parseScheduleExpression(expression);
  if (!parsed.ok) report(["scheduleExpression"], "schedule-expression", `${parsed.error} (or at(yyyy-mm-ddThh:mm:ss) for one time)`);
}

function isCalendarTime([year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0]: number[]): boolean {
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day && hour < 24 && minute < 60 && second < 60;
}

/** Any name the runtime's time zone database knows (IANA names and their aliases, UTC). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return zone !== "";
  } catch {
    return false;
  }
}

function checkDates(spec: JsonObject, report: Report): void {
  const instants: Partial<Record<"startDate" | "endDate", number>> = {};
  for (const field of ["startDate", "endDate"] as const) {
    const value = spec[field];
    if (value === undefined) continue;
    const iso = isoInstant(value);
    const ms = typeof iso === "string" ? parseTimeMs(iso) : undefined;
    if (ms === undefined)
      report([field], "schedule-dates", `${field} "${String(value)}" is not a date and time (write ISO 8601: 2030-01-01T00:00:00Z)`);
    else instants[field] = ms;
  }
  if (instants.startDate !== undefined && instants.endDate !== undefined && instants.startDate >= instants.endDate)
    report(["endDate"], "schedule-dates", "endDate must be after startDate");
}

function checkWindow(window: JsonValue | undefined, report: Report): void {
  if (!isJsonObject(window)) return;
  const minutes = window["maximumWindowInMinutes"];
  if (window["mode"] === "FLEXIBLE" && minutes === undefined)
    report(["flexibleTimeWindow"], "schedule-window", "a FLEXIBLE window needs maximumWindowInMinutes (1-1440)");
  if (window["mode"] === "OFF" && minutes !== undefined)
    report(["flexibleTimeWindow", "maximumWindowInMinutes"], "schedule-window", "maximumWindowInMinutes applies to mode FLEXIBLE only");
}

function checkTarget(target: JsonValue | undefined, report: Report, ctx: ValidationContext): void {
  if (!isJsonObject(target)) return;
  const arn = stringOf(target["arn"]) ?? "";
  const isCluster = isClusterArn(arn);
  const ecs = target["ecsParameters"];
  if (isCluster && !isJsonObject(ecs))
    report(
      ["target"],
      "schedule-ecs-target",
      "target.arn is an ECS cluster: ecsParameters (with taskDefinitionArn) says which task to run",
    );
  if (!isCluster && isJsonObject(ecs))
    report(
      ["target", "arn"],
      "schedule-ecs-target",
      `ecsParameters needs target.arn to be the cluster's ARN (arn:aws:ecs:REGION:ACCOUNT:cluster/NAME), got "${arn}"`,
    );
  if (isCluster && stringOf(target["roleArn"]) === undefined)
    report(
      ["target"],
      "schedule-ecs-target",
      "an ECS target needs roleArn: a role Scheduler assumes to call ecs:RunTask (and iam:PassRole)",
    );
  const input = target["input"];
  if (isCluster && typeof input === "string") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch {
      parsed = undefined;
    }
    if (!isJsonObject(parsed as JsonValue))
      report(["target", "input"], "schedule-ecs-target", "an ECS target's input is the task override as a JSON object");
  }
  if (isJsonObject(ecs))
    resolveTaskDefinitionRef(
      ecs["taskDefinitionArn"],
      ["target", "ecsParameters", "taskDefinitionArn"],
      "schedule-task-definition",
      report,
      ctx,
      SCHEDULE_LATEST,
    );
}
