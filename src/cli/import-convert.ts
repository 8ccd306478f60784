import { isJsonObject } from "../json.js";
import type { JsonObject, JsonValue } from "../json.js";
import { isSecretName } from "../diff/mask.js";
import { parseManifestText } from "../manifests/parse.js";
import { findPlaceholders, placeholderFor } from "../manifests/placeholders.js";
import { detectRawInput } from "../manifests/raw-input.js";
import type { RawInputShape } from "../manifests/raw-input.js";
import type { ExportedManifest } from "../resources/common/schema-util.js";
import { exportService, pinnedReference } from "../resources/service/export.js";
import { exportTaskDefinition } from "../resources/task-definition/export.js";
import { quoted } from "../text.js";

/** One manifest made from one input document, with what was done to get there. */
export type Conversion = { kind: "TaskDefinition" | "Service"; name: string; exported: ExportedManifest; notes: string[] };
export type ImportResult = { file: string; shape?: RawInputShape; conversions: Conversion[]; error?: string };

// ecspresso renders its JSON with Go templates: {{ must_env `X` }}, {{ env `X` `default` }}, and
// others (tfstate, ssm …). A template outside a JSON string gets quotes, so the text parses.
const TEMPLATE = /\{\{-?\s*(.*?)\s*-?\}\}/g;
const ENV_TEMPLATE = /^(must_env|env)\s+[`"]([A-Za-z_][A-Za-z0-9_]*)[`"](?:\s+[`"]([^`"]*)[`"])?$/;

type Template = { variable: string; source: string; fallback?: string };

/** Replace ecspresso templates with `${X}` variables; returns the text and what each one was. Pure. */
export function replaceTemplates(text: string): { text: string; templates: Template[] } {
  const templates: Template[] = [];
  let other = 0;
  // A `${` already in the JSON (a shell command) stays literal; only templates become variables.
  const escaped = text.replaceAll("${", () => "$${");
  const replaced = escaped.replace(TEMPLATE, (source: string, body: string, offset: number) => {
    const env = ENV_TEMPLATE.exec(body);
    const variable = env?.[2] ?? `TEMPLATE_${++other}`;
    const template: Template = { variable, source };
    if (env?.[1] === "env" && env[3] !== undefined) template.fallback = env[3];
    templates.push(template);
    return insideString(escaped, offset) ? placeholderFor(variable) : JSON.stringify(placeholderFor(variable));
  });
  return { text: replaced, templates };
}

/** Whether `offset` lies inside a JSON string: an odd number of unescaped quotes before it. */
function insideString(text: string, offset: number): boolean {
  let inside = false;
  for (let i = 0; i < offset; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') inside = !inside;
  }
  return inside;
}

/**
 * Convert one file of JSON that teams already have (aws-actions task-definition.json, ecspresso
 * ecs-task-def.json / ecs-service-def.json, describe-task-definition or describe-services output)
 * into manifests, through the same exporters `ecs-gitops export` uses. `family` names the task
 * definition a service definition without `taskDefinition` runs (ecspresso fills it at deploy).
 */
export function convertFile(file: string, text: string, family?: string): ImportResult {
  const { text: plain, templates } = replaceTemplates(text);
  const parsed = parseManifestText(file, plain);
  const first = parsed.problems[0];
  if (first) return { file, conversions: [], error: `${file}:${first.line}:${first.column}: ${first.message}` };
  const value = parsed.documents[0]?.value;
  const shape = value === undefined ? undefined : detectRawInput(value);
  if (value === undefined || shape === undefined || !isJsonObject(value)) {
    return {
      file,
      conversions: [],
      error:
        `${file}: not a RegisterTaskDefinition/CreateService input nor describe-task-definition/describe-services ` +
        `output (an ecs-gitops manifest needs no import)`,
    };
  }
  const conversions: Conversion[] = [];
  const templateNotes = (exported: ExportedManifest): string[] => {
    const notes: string[] = [];
    for (const { path, variable } of findPlaceholders(exported.document)) {
      const template = templates.find((t) => t.variable === variable);
      const secret = isSecretName(variable) || path.some((segment) => typeof segment === "string" && isSecretName(segment));
      const fallback =
        template?.fallback === undefined
          ? ""
          : secret
            ? " (it had a default, not shown: the name looks secret)"
            : ` (its default was ${quoted(template.fallback)})`;
      // The template's text holds its default, which is the secret itself.
      const shown = secret && template?.fallback !== undefined ? `the template of ${variable}` : (template?.source ?? variable);
      const message =
        `${shown} became the variable ${placeholderFor(variable)}${fallback}: ` +
        `define ${variable} under vars: in ecs-gitops.yaml (` +
        (template?.source.includes("env")
          ? `${variable}: {fromEnv: ${variable}} reads the environment variable as ecspresso did`
          : "a value, {fromEnv: NAME} or {fromSsm: /parameter/name}") +
        `); ` +
        `validate fails until then`;
      exported.reviews.push({ path, message });
      notes.push(message);
    }
    return notes;
  };
  if (shape === "RegisterTaskDefinition input" || shape === "describe-task-definition output") {
    const exported = exportTaskDefinition(value);
    if (!exported) return { file, shape, conversions, error: `${file}: a task definition needs a family` };
    const td = isJsonObject(value["taskDefinition"]) ? value["taskDefinition"] : value;
    conversions.push({
      kind: "TaskDefinition",
      name: String(td["family"]),
      exported,
      notes: [...droppedNotes(td, exported), ...templateNotes(exported)],
    });
  } else {
    const services =
      shape === "describe-services output" ? (value["services"] as JsonValue[]).filter(isJsonObject) : [asServiceInput(value)];
    for (const service of services) {
      const missing = service["taskDefinition"] === undefined;
      // ecspresso keeps the service name in ecspresso.yml, not in the service definition.
      const unnamed = typeof service["serviceName"] !== "string";
      const name = unnamed ? (family ?? fileStem(file)) : String(service["serviceName"]);
      const input = { ...service, serviceName: name, ...(missing && family !== undefined ? { taskDefinition: family } : {}) };
      const exported = exportService(input, { taskDefinition: pinnedReference });
      if (!exported) continue;
      const notes = [...droppedNotes(service, exported), ...templateNotes(exported)];
      if (unnamed) {
        const message =
          `no serviceName in ${file}: named "${name}" (ecspresso keeps it in ecspresso.yml ` +
          `under service:); rename metadata.name if the live service is called otherwise`;
        exported.reviews.push({ path: ["metadata", "name"], message });
        notes.push(message);
      }
      if (missing && family !== undefined) notes.push(`taskDefinition: ${family} (the task definition imported with it)`);
      if (missing && family === undefined) {
        const message =
          "no taskDefinition: name the family this service runs (import its task definition file in the same command to have it filled in)";
        exported.reviews.push({ path: ["spec"], message });
        notes.push(message);
      }
      conversions.push({ kind: "Service", name, exported, notes });
    }
  }
  return { file, shape, conversions };
}

function fileStem(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.json$/i, "").replace(/[^A-Za-z0-9_-]/g, "-") || "service";
}

/** A CreateService input names its role `role`; the exporter reads DescribeServices' `roleArn`. */
function asServiceInput(value: JsonObject): JsonObject {
  const role = value["role"];
  return typeof role === "string" && value["roleArn"] === undefined ? { ...value, roleArn: role } : value;
}

/** Fields of the input that are not in the manifest's spec (response-only, moved to metadata, nulls). */
function droppedNotes(input: JsonObject, exported: ExportedManifest): string[] {
  const spec = isJsonObject(exported.document["spec"]) ? exported.document["spec"] : {};
  const moved = new Set(["family", "serviceName", "tags", "role"]);
  const dropped = Object.keys(input).filter((key) => !(key in spec) && !moved.has(key) && input[key] !== null);
  const nulls = countNulls(input);
  const notes: string[] = [];
  if (dropped.length > 0) notes.push(`dropped (response-only, defaults or not a request field): ${dropped.join(", ")}`);
  if (nulls > 0) notes.push(`dropped ${nulls} null value(s)`);
  return notes;
}

function countNulls(value: JsonValue): number {
  if (value === null) return 1;
  if (Array.isArray(value)) return value.reduce<number>((n, item) => n + countNulls(item), 0);
  if (isJsonObject(value)) return Object.values(value).reduce<number>((n, item) => n + countNulls(item), 0);
  return 0;
}
