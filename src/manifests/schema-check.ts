import type { ErrorObject, ValidateFunction } from "ajv";
import { closest } from "fastest-levenshtein";
import type { JsonPath, JsonValue } from "../json.js";
import { plural, quoted } from "../text.js";
import { descriptorOf } from "./kinds.js";
import { awsDefs } from "./schema/aws-schema.generated.js";
import * as generated from "./schema/validators.generated.js";
import type { Kind, ProblemCode } from "./types.js";

/** A schema finding, located by its path inside `spec`. */
export type SchemaFinding = { path: JsonPath; code: ProblemCode; message: string };

// Compiled ahead of time by scripts/gen-validators.ts (ajv, allErrors + verbose): loading a commit
// neither imports ajv's compiler nor compiles the AWS schemas (docs/scale.md#memory).
const VALIDATORS = generated as unknown as Record<Kind, ValidateFunction>;

/** Check a spec against the AWS API model of its kind. Pure. */
export function checkSpecSchema(kind: Kind, spec: JsonValue): SchemaFinding[] {
  const validate = VALIDATORS[kind];
  if (validate(spec)) return [];
  return dedupe(
    oneErrorPerEmptyValue(validate.errors ?? [])
      .map(toFinding)
      .filter((f): f is SchemaFinding => f !== undefined),
  );
}

/**
 * Whether an ignore-differences path can name something in a `kind` spec: each segment a field of
 * the AWS model, any segment inside a list (an index, or the name a list is keyed by) or a map, `*`
 * anything. `tags` holds the labels. A path no spec can reach ignores nothing: usually a typo.
 */
export function schemaHasPath(kind: Kind, segments: readonly string[]): boolean {
  let schema: SchemaNode | undefined = descriptorOf(kind).schema as SchemaNode;
  for (const [i, segment] of segments.entries()) {
    if (i === 0 && segment === "tags") return true;
    schema = resolve(schema);
    if (schema === undefined) return false;
    if (schema.type === "array") schema = schema.items;
    else if (schema.properties !== undefined && Object.hasOwn(schema.properties, segment)) schema = schema.properties[segment];
    else if (typeof schema.additionalProperties === "object" || segment === "*")
      schema = typeof schema.additionalProperties === "object" ? schema.additionalProperties : {};
    // A free-form value (an event pattern) may hold anything.
    else return schema.properties === undefined && (schema.type === undefined || schema.type === "object" || Array.isArray(schema.type));
  }
  return true;
}

type SchemaNode = {
  $ref?: string;
  type?: string | string[];
  items?: SchemaNode;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
};

function resolve(schema: SchemaNode | undefined): SchemaNode | undefined {
  let node = schema;
  for (let hops = 0; node?.$ref !== undefined && hops < 20; hops++)
    node = awsDefs[node.$ref.replace("#/$defs/", "")] as SchemaNode | undefined;
  return node;
}

/** A null or "" fails several keywords of its field (type and enum, minLength and pattern): report it once. */
function oneErrorPerEmptyValue(errors: readonly ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  return errors.filter((error) => {
    if ((error.data !== null && error.data !== "") || error.keyword === "required" || error.keyword === "additionalProperties") return true;
    if (seen.has(error.instancePath)) return false;
    seen.add(error.instancePath);
    return true;
  });
}

/** scripts/gen-schema.py marks the members AWS requires (an annotation ajv does not validate). */
function isRequiredField(error: ErrorObject): boolean {
  return (error.parentSchema as Record<string, unknown> | undefined)?.["x-aws-required"] === true;
}

function toFinding(error: ErrorObject): SchemaFinding | undefined {
  const path = parsePointer(error.instancePath);
  const where = path.length ? displayPath(path) : "spec";
  if (error.data === null && error.keyword !== "required" && error.keyword !== "additionalProperties") {
    // AWS takes no nulls (the AWS CLI refuses them before sending): an absent field is how to
    // ask for the default, which is what a null in an export or a template usually meant.
    return {
      path,
      code: "WrongType",
      message: `${where} is null, which AWS does not accept: remove the field to leave it unset, or give it a value`,
    };
  }
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
      return {
        path,
        code: "WrongType",
        message: `${where} must be ${describeType(error.params["type"])}, got ${describeValue(error.data, path)}`,
      };
    case "enum": {
      const allowed = (error.params["allowedValues"] as unknown[]).map(String);
      // An empty value is a way of writing "unset", never a typo of a real value: suggesting the
      // closest one could switch a setting on (`ipcMode: ""` is not "host").
      if (error.data === "")
        return {
          path,
          code: "InvalidValue",
          message: `${where} is empty: remove the field to leave it unset, or set one of ${allowed.join(", ")}`,
        };
      return {
        path,
        code: "InvalidValue",
        message: `${where} must be one of ${allowed.join(", ")}; got ${quoted(error.data)}${suggest(String(error.data), allowed)}`,
      };
    }
    case "minLength": {
      const limit = Number(error.params["limit"]);
      if (error.data === "") {
        const fix = isRequiredField(error) ? "it is required" : "or remove the field to leave it unset";
        return {
          path,
          code: "InvalidValue",
          message: `${where} is empty, which AWS rejects: set a value${limit > 1 ? ` of at least ${limit} characters` : ""} (${fix})`,
        };
      }
      return { path, code: "InvalidValue", message: `${where} must have at least ${plural(limit, "character")}` };
    }
    case "maxLength":
      return { path, code: "InvalidValue", message: `${where} must have at most ${plural(Number(error.params["limit"]), "character")}` };
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return {
        path,
        code: "InvalidValue",
        message:
          `${where} must be ${BOUND_WORDS[error.keyword]} ${String(error.params["limit"])}, ` +
          `got ${typeof error.data === "number" ? error.data : describeValue(error.data, path)}`,
      };
    case "minItems":
      return { path, code: "InvalidValue", message: `${where} needs at least ${plural(Number(error.params["limit"]), "item")}` };
    case "maxItems":
      return {
        path,
        code: "InvalidValue",
        message:
          `${where} takes at most ${plural(Number(error.params["limit"]), "item")}, ` +
          `got ${Array.isArray(error.data) ? error.data.length : "more"}`,
      };
    case "pattern":
      return { path, code: "InvalidValue", message: `${where} must match the pattern ${String(error.params["pattern"])}` };
    case "$ref":
    case "if":
      return undefined;
    default:
      // ajv's own wording ("must NOT have …") for keywords the generated schema does not use yet.
      return { path, code: "InvalidValue", message: `${where} ${(error.message ?? "is invalid").replace("NOT", "not")}` };
  }
}

const BOUND_WORDS = { minimum: "at least", maximum: "at most", exclusiveMinimum: "above", exclusiveMaximum: "below" } as const;

/** " (did you mean \"x\"?)" when a close candidate exists: case slips and small typos. */
export function suggest(input: string, candidates: readonly string[]): string {
  if (candidates.length === 0 || input.trim() === "") return "";
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
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function describeType(type: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  return types
    .map((t) => (t === "object" ? "a mapping" : t === "array" ? "a list" : t === "integer" ? "an integer" : `a ${String(t)}`))
    .join(" or ");
}

// Values under these never appear in messages: they may be secrets (an unquoted numeric password),
// and messages reach /status, logs and CI output.
const SENSITIVE_SEGMENTS = new Set(["environment", "secrets", "options", "overrides", "dockerLabels", "driverOpts", "labels", "value"]);

function describeValue(value: unknown, path: JsonPath): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (path.some((segment) => SENSITIVE_SEGMENTS.has(String(segment)))) return `a ${typeof value}`;
  return `${typeof value} ${quoted(value)}`;
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
