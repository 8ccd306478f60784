import { ANNOTATION, ANNOTATIONS, PRUNE_ANNOTATION_VALUES, UNSUPPORTED_ANNOTATIONS } from "./annotations.js";
import { restartedAtProblem } from "./restarted-at.js";
import { emptyMap, isJsonObject, own } from "../json.js";
import type { JsonObject, JsonValue } from "../json.js";
import { problem } from "./parse.js";
import { detectRawInput } from "./raw-input.js";
import type { ParsedDocument } from "./parse.js";
import { schemaHasPath, suggest } from "./schema-check.js";
import { isSecretName } from "../diff/mask.js";
import { parseIgnorePath } from "../diff/structural.js";
import { quoted } from "../text.js";
import { descriptorOf } from "./kinds.js";
import { API_VERSION, KINDS } from "./types.js";
import type { Kind, Problem } from "./types.js";

export type Envelope = {
  kind: Kind;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: JsonObject;
  /** A Service's `hooks` section (docs/hooks.md), checked by the Service validator. */
  hooks?: JsonObject;
};

const TOP_FIELDS = ["apiVersion", "kind", "metadata", "spec", "hooks"];
const METADATA_FIELDS = ["name", "labels", "annotations"];
export { ANNOTATIONS, UNSUPPORTED_ANNOTATIONS };
// Read as `=== "true"`: any other spelling ("True", "yes") would silently mean false.
const BOOLEAN_ANNOTATIONS: readonly string[] = [ANNOTATION.adopt, ANNOTATION.selfHeal, ANNOTATION.sync];
/** AWS allows 50 tags per resource; the controller's own ownership tags take some of them. */
export const AWS_MAX_TAGS = 50;
export const RESERVED_TAG_COUNT = 5;
export const MAX_LABELS = AWS_MAX_TAGS - RESERVED_TAG_COUNT;

/** Check the apiVersion/kind/metadata/spec envelope of one document. Pure. */
export function readEnvelope(doc: ParsedDocument): { envelope?: Envelope; problems: Problem[] } {
  const problems: Problem[] = [];
  const at = (path: (string | number)[]) => doc.locate(path);
  const add = (path: (string | number)[], code: Problem["code"], message: string) => problems.push(problem(at(path), code, message));
  const value = doc.value;
  if (!isJsonObject(value)) {
    add([], "NotAMapping", `document ${doc.index + 1} is ${describe(value)}, not a mapping with apiVersion, kind, metadata and spec`);
    return { problems };
  }
  const raw = detectRawInput(value);
  if (raw !== undefined) {
    add(
      [],
      "RawAwsInput",
      `this looks like a raw ${raw}, not an ecs-gitops manifest: run \`ecs-gitops ` +
        `import ${doc.file}\` to convert it (it writes the apiVersion/kind/metadata/spec ` +
        `envelope)`,
    );
    return { problems };
  }
  // Some other tool's file (package.json, docker-compose.yml …) below the path: one error, not one per field.
  if (Object.keys(value).length > 0 && !TOP_FIELDS.some((field) => field in value)) {
    add(
      [],
      "BadEnvelope",
      `not an ecs-gitops manifest (no apiVersion, kind, metadata or spec): move the file out of the manifests path, or add the envelope`,
    );
    return { problems };
  }
  for (const field of Object.keys(value)) {
    if (!TOP_FIELDS.includes(field)) add([field], "UnknownField", `unknown top-level field "${field}"${suggest(field, TOP_FIELDS)}`);
  }
  if (value["apiVersion"] !== API_VERSION) {
    add(
      ["apiVersion"],
      value["apiVersion"] === undefined ? "MissingField" : "BadEnvelope",
      `apiVersion must be "${API_VERSION}"${value["apiVersion"] === undefined ? "" : `, got ${quoted(value["apiVersion"])}`}`,
    );
  }
  const kindValue = value["kind"];
  const kind = KINDS.find((k) => k === kindValue);
  if (!kind) {
    const given = typeof kindValue === "string" ? kindValue : "";
    add(
      ["kind"],
      kindValue === undefined ? "MissingField" : "UnknownKind",
      kindValue === undefined
        ? `missing "kind" (one of ${KINDS.join(", ")})`
        : `unknown kind ${quoted(kindValue)}: expected one of ${KINDS.join(", ")}${suggest(given, KINDS)}`,
    );
  }
  const metadata = value["metadata"];
  let name = "";
  const labels = emptyMap<string>();
  const annotations = emptyMap<string>();
  if (!isJsonObject(metadata)) {
    add(["metadata"], metadata === undefined ? "MissingField" : "WrongType", `metadata must be a mapping with at least "name"`);
  } else {
    for (const field of Object.keys(metadata)) {
      if (!METADATA_FIELDS.includes(field))
        add(["metadata", field], "UnknownField", `unknown field "${field}" in metadata${suggest(field, METADATA_FIELDS)}`);
    }
    if (typeof metadata["name"] !== "string" || metadata["name"] === "") {
      add(["metadata", "name"], metadata["name"] === undefined ? "MissingField" : "WrongType", "metadata.name must be a non-empty string");
    } else {
      name = metadata["name"];
      const rule = kind ? descriptorOf(kind).name : undefined;
      if (rule && !rule.pattern.test(name))
        add(["metadata", "name"], "InvalidValue", `metadata.name "${name}" is not a valid ${kind} name: ${rule.text}`);
    }
    readStringMap(metadata["labels"], ["metadata", "labels"], labels, add);
    readStringMap(metadata["annotations"], ["metadata", "annotations"], annotations, add);
    checkLabels(labels, add);
    for (const key of Object.keys(annotations)) {
      if ((UNSUPPORTED_ANNOTATIONS as readonly string[]).includes(key)) {
        add(["metadata", "annotations", key], "InvalidValue", `annotation "${key}" is not supported yet: it would do nothing. Remove it`);
      } else if (key.startsWith("ecs-gitops/") && !(ANNOTATIONS as readonly string[]).includes(key)) {
        add(["metadata", "annotations", key], "UnknownField", `unknown annotation "${key}"${suggest(key, ANNOTATIONS)}`);
      } else if (key === ANNOTATION.prune && !PRUNE_ANNOTATION_VALUES.includes(annotations[key] ?? "")) {
        add(
          ["metadata", "annotations", key],
          "InvalidValue",
          `annotation "${key}" must be "true", "false" or "force", got ${quoted(annotations[key])}`,
        );
      } else if (BOOLEAN_ANNOTATIONS.includes(key) && annotations[key] !== "true" && annotations[key] !== "false") {
        add(
          ["metadata", "annotations", key],
          "InvalidValue",
          `annotation "${key}" must be "true" or "false", got ${quoted(annotations[key])}`,
        );
      }
      const restartProblem = key === ANNOTATION.restartedAt ? restartedAtProblem(kind, annotations[key] ?? "") : undefined;
      if (restartProblem !== undefined) add(["metadata", "annotations", key], "InvalidValue", restartProblem);
      if (key === ANNOTATION.ignoreDifferences && kind !== undefined) {
        for (const text of (annotations[key] ?? "").split(/[,\n]/)) {
          const segments = parseIgnorePath(text);
          if (segments.length === 0 || schemaHasPath(kind, segments)) continue;
          problems.push({
            ...problem(
              at(["metadata", "annotations", key]),
              "UnknownField",
              `ignore-differences path ${quoted(text.trim())} matches no field of a ${kind} spec: it ignores nothing (check its spelling)`,
            ),
            severity: "warning",
          });
        }
      }
    }
  }
  const spec = value["spec"];
  if (!isJsonObject(spec)) {
    add(["spec"], spec === undefined ? "MissingField" : "WrongType", `spec must be a mapping (the AWS request shape of the kind)`);
  }
  const hooks = readHooksSection(value["hooks"], kind, add);
  if (problems.some((p) => p.severity === "error") || !kind || !isJsonObject(spec)) return { problems };
  return { envelope: { kind, name, labels, annotations, spec, ...(hooks ? { hooks } : {}) }, problems };
}

/** The `hooks` section: a mapping, on a Service only; its entries are checked with the Service (docs/hooks.md). */
function readHooksSection(
  value: JsonValue | undefined,
  kind: Kind | undefined,
  add: (path: (string | number)[], code: Problem["code"], message: string) => void,
): JsonObject | undefined {
  if (value === undefined || value === null) return undefined;
  if (kind !== undefined && kind !== "Service") {
    add(
      ["hooks"],
      "UnknownField",
      `hooks run around a Service's deploy: a ${kind} cannot have them (move them to the Service that uses it)`,
    );
    return undefined;
  }
  if (!isJsonObject(value)) {
    add(["hooks"], "WrongType", "hooks must be a mapping with preDeploy and/or postDeploy lists (docs/hooks.md)");
    return undefined;
  }
  return value;
}

function readStringMap(
  value: JsonValue | undefined,
  path: string[],
  out: Record<string, string>,
  add: (path: (string | number)[], code: Problem["code"], message: string) => void,
): void {
  if (value === undefined || value === null) return;
  if (!isJsonObject(value)) {
    add(path, "WrongType", `${path.join(".")} must be a mapping of strings`);
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === "string") out[key] = v;
    // A numeric password under a secret-looking key must not be echoed into /status and logs.
    else if (typeof v === "number" || typeof v === "boolean")
      add(
        [...path, key],
        "WrongType",
        `${path.join(".")}.${key} must be a string: quote it (${isSecretName(key) ? "in double quotes" : `"${String(v)}"`})`,
      );
    else add([...path, key], "WrongType", `${path.join(".")}.${key} must be a string`);
  }
}

// xref: AWS tagging rules: key 1-128 chars, value 0-256 chars, `aws:` prefix reserved, 50 per resource.
function checkLabels(
  labels: Record<string, string>,
  add: (path: (string | number)[], code: Problem["code"], message: string) => void,
): void {
  const keys = Object.keys(labels);
  if (keys.length > MAX_LABELS)
    add(
      ["metadata", "labels"],
      "InvalidValue",
      `${keys.length} labels: at most ${MAX_LABELS} (AWS allows 50 tags; ${RESERVED_TAG_COUNT} are kept for ecs-gitops ownership tags)`,
    );
  for (const key of keys) {
    const at = ["metadata", "labels", key];
    if (key.toLowerCase().startsWith("aws:")) add(at, "InvalidValue", `label "${key}": the "aws:" prefix is reserved by AWS`);
    else if (key.startsWith("ecs-gitops:"))
      add(at, "InvalidValue", `label "${key}": the "ecs-gitops:" prefix is reserved for ownership tags`);
    if (key.length > 128) add(at, "InvalidValue", `label key "${key.slice(0, 20)}…" is longer than 128 characters`);
    if ((own(labels, key) ?? "").length > 256) add(at, "InvalidValue", `label "${key}" value is longer than 256 characters`);
  }
}

function describe(value: JsonValue): string {
  if (value === null) return "empty";
  if (Array.isArray(value)) return "a list";
  return `a ${typeof value}`;
}
