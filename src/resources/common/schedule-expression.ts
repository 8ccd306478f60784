// A parser for the rate/cron schedule expressions that EventBridge rules and Scheduler share (common/,
// as kinds never import each other), so that a typo fails `validate` instead of PutRule.
// xref: EventBridge user guide, "Cron expressions reference" and "Rate expressions":
// cron has six fields (minutes hours day-of-month month day-of-week year) with the wildcards
// listed per field below, one of day-of-month/day-of-week must be `?`, `#` stands alone in its
// field; rate is `rate(value unit)`, value a positive integer, unit singular exactly when value is 1.

export type RateUnit = "minute" | "hour" | "day";
export type CronFieldName = "minutes" | "hours" | "dayOfMonth" | "month" | "dayOfWeek" | "year";
export type ScheduleExpression = { type: "rate"; value: number; unit: RateUnit } | { type: "cron"; fields: Record<CronFieldName, string> };
/** Why an expression is refused, for callers and tests that must not depend on message text. */
export type ScheduleErrorReason =
  | "not-rate-or-cron"
  | "rate-syntax"
  | "rate-value"
  | "rate-unit"
  | "rate-singular-plural"
  | "cron-field-count"
  | "cron-day-conflict"
  | "cron-value"
  | "cron-wildcard"
  | "cron-step"
  | "cron-range";
export type ScheduleParseResult = { ok: true; expression: ScheduleExpression } | { ok: false; reason: ScheduleErrorReason; error: string };
type FieldError = { reason: ScheduleErrorReason; error: string };

type FieldSpec = {
  name: CronFieldName;
  label: string;
  min: number;
  max: number;
  /** Largest `/` increment (Quartz, whose syntax EventBridge follows, refuses larger ones). */
  maxStep: number;
  names?: readonly string[];
  /** Wildcards beyond `,` `-` `*`, which every field takes. */
  extra: readonly ("/" | "?" | "L" | "W" | "#")[];
};

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const FIELDS: readonly FieldSpec[] = [
  { name: "minutes", label: "minutes", min: 0, max: 59, maxStep: 59, extra: ["/"] },
  { name: "hours", label: "hours", min: 0, max: 23, maxStep: 23, extra: ["/"] },
  { name: "dayOfMonth", label: "day-of-month", min: 1, max: 31, maxStep: 31, extra: ["/", "?", "L", "W"] },
  { name: "month", label: "month", min: 1, max: 12, maxStep: 12, names: MONTHS, extra: ["/"] },
  { name: "dayOfWeek", label: "day-of-week", min: 1, max: 7, maxStep: 7, names: DAYS, extra: ["?", "L", "#"] },
  { name: "year", label: "year", min: 1970, max: 2199, maxStep: 229, extra: ["/"] },
];

const RATE_UNITS: readonly RateUnit[] = ["minute", "hour", "day"];

/** Parse `rate(...)` or `cron(...)`; the error says what is wrong and what would be right. */
export function parseScheduleExpression(text: string): ScheduleParseResult {
  if (text.startsWith("rate(") && text.endsWith(")")) return parseRate(text.slice(5, -1));
  if (text.startsWith("cron(") && text.endsWith(")")) return parseCron(text.slice(5, -1));
  return fail("not-rate-or-cron", `"${text}" is neither rate(value unit) nor cron(minutes hours day-of-month month day-of-week year)`);
}

function parseRate(body: string): ScheduleParseResult {
  const match = /^(\S+) +(\S+)$/.exec(body);
  if (!match) return fail("rate-syntax", `rate(${body}) must be rate(value unit), for example rate(5 minutes)`);
  const [, valueText = "", unitText = ""] = match;
  if (!/^\d+$/.test(valueText) || Number(valueText) < 1)
    return fail("rate-value", `rate value "${valueText}" must be a positive whole number`);
  const value = Number(valueText);
  const unit = RATE_UNITS.find((u) => unitText === u || unitText === `${u}s`);
  if (!unit) return fail("rate-unit", `rate unit "${unitText}" must be minute(s), hour(s) or day(s)`);
  if (value === 1 && unitText !== unit) return fail("rate-singular-plural", `rate(1 ${unitText}) must use the singular: rate(1 ${unit})`);
  if (value > 1 && unitText === unit)
    return fail("rate-singular-plural", `rate(${value} ${unitText}) must use the plural: rate(${value} ${unit}s)`);
  return { ok: true, expression: { type: "rate", value, unit } };
}

function parseCron(body: string): ScheduleParseResult {
  const parts = body
    .trim()
    .split(/\s+/)
    .filter((p) => p !== "");
  if (parts.length !== FIELDS.length) {
    return fail(
      "cron-field-count",
      `cron(${body}) has ${parts.length} fields: EventBridge cron needs 6 (minutes ` +
        `hours day-of-month month day-of-week year), for example cron(0 3 * * ? ` +
        `*)`,
    );
  }
  const fields = {} as Record<CronFieldName, string>;
  for (const [i, spec] of FIELDS.entries()) {
    const part = parts[i] ?? "";
    const error = checkField(part, spec);
    if (error) return fail(error.reason, `cron ${spec.label} field "${part}": ${error.error}`);
    fields[spec.name] = part;
  }
  if ((fields.dayOfMonth === "?") === (fields.dayOfWeek === "?")) {
    return fail(
      "cron-day-conflict",
      `cron day-of-month "${fields.dayOfMonth}" and day-of-week "${fields.dayOfWeek}": ` +
        `exactly one of them must be "?" (for example cron(0 3 * * ? *) or cron(0 ` +
        `3 ? * MON-FRI *))`,
    );
  }
  return { ok: true, expression: { type: "cron", fields } };
}

function checkField(field: string, spec: FieldSpec): FieldError | undefined {
  if (field === "?") return spec.extra.includes("?") ? undefined : wildcard(`"?" is only allowed in day-of-month and day-of-week`);
  const items = field.split(",");
  if (items.length > 1 && field.includes("#")) return wildcard(`"#" must stand alone in its field (${field} holds several expressions)`);
  for (const item of items) {
    const error = checkItem(item, spec);
    if (error) return error;
  }
  return undefined;
}

function checkItem(item: string, spec: FieldSpec): FieldError | undefined {
  if (item === "") return wildcard("empty list item (stray comma?)");
  const allows = (w: FieldSpec["extra"][number]) => spec.extra.includes(w);
  if (item === "?") return wildcard(`"?" must be the whole field, not part of a list`);
  if (spec.name === "dayOfMonth" && (item === "L" || item === "LW")) return undefined;
  if (spec.name === "dayOfWeek" && item === "L") return undefined;
  // `15W`: the weekday nearest the 15th; `5L`: the last Thursday. Checked before values so that
  // a month such as JUL is not read as "JU" + L.
  if (allows("W") && /^\d+W$/.test(item)) return checkValue(item.slice(0, -1), spec);
  if (spec.name === "dayOfWeek" && /^\w+L$/.test(item) && checkValue(item.slice(0, -1), spec) === undefined) return undefined;
  if (item.includes("#")) {
    if (!allows("#")) return wildcard(`"#" is only allowed in day-of-week`);
    const [day = "", nth = "", ...rest] = item.split("#");
    if (rest.length > 0 || !/^[1-5]$/.test(nth))
      return { reason: "cron-value", error: `"${item}": after "#" comes which occurrence in the month, 1 to 5` };
    return checkValue(day, spec);
  }
  const [range = "", step, ...rest] = item.split("/");
  if (rest.length > 0) return { reason: "cron-step", error: `"${item}" has more than one "/"` };
  if (step !== undefined) {
    if (!allows("/")) return wildcard(`"/" is not allowed in ${spec.label}`);
    if (!/^\d+$/.test(step) || Number(step) < 1 || Number(step) > spec.maxStep)
      return { reason: "cron-step", error: `increment "${step}" must be a whole number from 1 to ${spec.maxStep}` };
  }
  if (range === "*") return undefined;
  const bounds = range.split("-");
  if (bounds.length > 2) return { reason: "cron-range", error: `"${range}" is not a value or a range a-b` };
  for (const bound of bounds) {
    const error = checkValue(bound, spec);
    if (error) return error;
  }
  // Quartz lets day and time ranges wrap around (FRI-MON, 22-2); a year range cannot.
  if (spec.name === "year" && bounds.length === 2 && Number(bounds[0]) > Number(bounds[1]))
    return { reason: "cron-range", error: `year range "${range}" runs backwards` };
  return undefined;
}

function checkValue(text: string, spec: FieldSpec): FieldError | undefined {
  if (spec.names?.includes(text.toUpperCase())) return undefined;
  const allowed = `${spec.min}-${spec.max}${spec.names ? ` or ${spec.names[0]}-${spec.names[spec.names.length - 1]}` : ""}`;
  if (!/^\d+$/.test(text)) return { reason: "cron-value", error: `"${text}" is not a ${spec.label} value (${allowed})` };
  const value = Number(text);
  return value < spec.min || value > spec.max ? { reason: "cron-value", error: `${value} is out of range (${allowed})` } : undefined;
}

function fail(reason: ScheduleErrorReason, error: string): ScheduleParseResult {
  return { ok: false, reason, error };
}

const wildcard = (error: string): FieldError => ({ reason: "cron-wildcard", error });
