import { Ajv } from "ajv";
import type { ErrorObject, ValidateFunction } from "ajv";
import { closest } from "fastest-levenshtein";
import type { JsonPath, JsonValue } from "../json.js";
import { awsDefs, kindSpecSchemas } from "./schema/aws-schema.generated.js";
import type { Kind, ProblemCode } from "./types.js";

/** A schema finding, located by its path inside `spec`. */
export type SchemaFinding = { path: JsonPath; code: ProblemCode; message: string };

let validators: Record<Kind, ValidateFunction> | undefined;

function compile(): Record<Kind, ValidateFunction> {
  // allErrors: report every problem of a run at once; verbose: parentSchema for "did you mean".
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
  const build = (kind: Kind) => ajv.compile({ ...kindSpecSchemas[kind], $defs: awsDefs });
  return { TaskDefinition: build("TaskDefinition"), Service: build("Service"), ScheduledRule: build("ScheduledRule") };
}

/** Check a spec against the AWS API model of its kind. Pure. */
export function checkSpecSchema(kind: Kind, spec: JsonValue): SchemaFinding[] {
  validators ??= compile();
  const validate = validators[kind];
  if (validate(spec)) return [];
  return dedupe((validate.errors ?? []).map(toFinding).filter((f): f is SchemaFinding => f !== undefined));
}

function toFinding(error: ErrorObject): SchemaFinding | undefined {
  const path = parsePointer(error.instancePath);
  const where = path.length ? displayPath(path) : "spec";
  switch (error.keyword) {
    case "additionalProperties": {
      const field = String(error.params["additionalProperty"]);
      const allowed = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return { path: [...path, field], code: "UnknownField", message: `unknown field "${field}" in ${where}${suggest(field, allowed)}` };
    }
    case "required": {
      const field = String(error.params["missingProperty"]);
      return { path, code: "MissingField", message: `missing required field "${field}" in ${where}` };
    }
    case "type":
      return { path, code: "WrongType", message: `${where} must be ${describeType(error.params["type"])}, got ${describeValue(error.data, path)}` };
    case "enum": {
      const allowed = (error.params["allowedValues"] as unknown[]).map(String);
      return { path, code: "InvalidValue", message: `${where} must be one of ${allowed.join(", ")}; got ${JSON.stringify(error.data)}${suggest(String(error.data), allowed)}` };
    }
    case "minLength":
    case "maxLength":
    case "minimum":
    case "maximum":
    case "minItems":
    case "maxItems":
    case "pattern":
      return { path, code: "InvalidValue", message: `${where} ${error.message ?? "is invalid"}` };
    case "$ref":
    case "if":
      return undefined;
    default:
      return { path, code: "InvalidValue", message: `${where} ${error.message ?? "is invalid"}` };
  }
}

/** " (did you mean \"x\"?)" when a close candidate exists: case slips and small typos. */
export function suggest(input: string, candidates: readonly string[]): string {
  if (candidates.length === 0) return "";
  const lower = input.toLowerCase();
  const sameCase = candidates.find((c) => c.toLowerCase() === lower);
  if (sameCase) return ` (did you mean "${sameCase}"?)`;
  const prefix = candidates.find((c) => c.toLowerCase().startsWith(lower) || lower.startsWith(c.toLowerCase()));
  const best = prefix ?? closest(input, [...candidates]);
  const distance = levenshteinCaseless(input, best);
  const close = prefix !== undefined || distance <= Math.max(2, Math.floor(input.length / 3));
  return close ? ` (did you mean "${best}"?)` : "";
}

function levenshteinCaseless(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const row = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= y.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (x[i - 1] === y[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[y.length]!;
}

/** `containerDefinitions[0].image`: how people read a path in an error message. */
export function displayPath(path: JsonPath): string {
  return path.map((p, i) => (/^\d+$/.test(String(p)) ? `[${p}]` : i === 0 ? String(p) : `.${p}`)).join("");
}

function parsePointer(pointer: string): string[] {
  if (!pointer) return [];
  return pointer.slice(1).split("/").map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function describeType(type: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  return types.map((t) => (t === "object" ? "a mapping" : t === "array" ? "a list" : `a ${String(t)}`)).join(" or ");
}

// Values under these never appear in messages: they may be secrets (an unquoted numeric password),
// and messages reach /status, logs and CI output.
const SENSITIVE_SEGMENTS = new Set(["environment", "secrets", "options", "overrides", "dockerLabels", "driverOpts", "labels", "value"]);

function describeValue(value: unknown, path: JsonPath): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (path.some((segment) => SENSITIVE_SEGMENTS.has(String(segment)))) return `a ${typeof value}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

function dedupe(findings: SchemaFinding[]): SchemaFinding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const id = `${f.path.join("/")}|${f.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
