import { ANNOTATION } from "../../manifests/annotations.js";
import { isSecretName } from "../../diff/mask.js";
import { isJsonObject } from "../../json.js";
import type { JsonObject, JsonPath, JsonValue } from "../../json.js";
import { awsDefs } from "../../manifests/schema/aws-schema.generated.js";

/** A comment for the human who reviews the export, attached to the node at `path` of the document. */
export type ExportReview = { path: JsonPath; message: string };
export type ExportedManifest = { document: JsonObject; reviews: ExportReview[] };
/** The `taskDefinition` to write for a live ARN, and why, when it needs a look. */
export type TaskDefinitionReference = { ref: string; review?: string };
/** A node of the generated JSON schema (`$ref` into `awsDefs`). */
export type SchemaNode = { $ref?: string; properties?: Record<string, SchemaNode>; items?: SchemaNode };

/** Exported resources exist without the owner tag: taking them over needs the adopt annotation. */
export const ADOPT_ANNOTATIONS: Readonly<Record<string, string>> = { [ANNOTATION.adopt]: "true" };

export function resolveSchemaRef(node: SchemaNode): SchemaNode {
  let current = node;
  for (let depth = 0; current.$ref && depth < 16; depth++) {
    current = (awsDefs[current.$ref.replace("#/$defs/", "")] ?? {}) as SchemaNode;
  }
  return current;
}

/**
 * Keep what the schema describes (nested keys in the order read): the whitelist of
 * docs/normalization.md#principles, principle 1. Export notes in `dropped` what the schema does not know, except keys in `silently`
 * (server-filled members newer than the schema); normalizers pass no `dropped`. Pure.
 */
export function projectBySchema(
  value: JsonValue,
  node: SchemaNode,
  path: JsonPath = [],
  dropped?: JsonPath[],
  silently: ReadonlySet<string> = new Set(),
): JsonValue {
  const def = resolveSchemaRef(node);
  if (Array.isArray(value))
    return def.items ? value.map((item, i) => projectBySchema(item, def.items as SchemaNode, [...path, i], dropped, silently)) : value;
  if (!isJsonObject(value) || !def.properties) return value;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    const child = Object.hasOwn(def.properties, key) ? def.properties[key] : undefined;
    if (child) out[key] = projectBySchema(v, child, [...path, key], dropped, silently);
    else if (dropped && v !== null && !silently.has(key)) dropped.push([...path, key]);
  }
  return out;
}

/** Tags become labels, except AWS's own and ecs-gitops's ownership tags (export never adds those). */
export function labelsFromTags(tags: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags)) {
    if (key.toLowerCase().startsWith("aws:") || key.startsWith("ecs-gitops:")) continue;
    out[key] = value;
  }
  return out;
}

export function dropIf(target: JsonObject, key: string, value: JsonValue): void {
  if (target[key] === value) delete target[key];
}

export function asObject(value: JsonValue | undefined): JsonObject {
  return isJsonObject(value) ? value : {};
}

/**
 * A `# review:` note for each secret-looking environment variable with a plain value in a
 * container (definition or override) at `at`: exported, it would be committed to git as it is.
 */
export function plaintextSecretReviews(container: JsonObject, at: JsonPath): ExportReview[] {
  const environment = container["environment"];
  if (!Array.isArray(environment)) return [];
  return environment.flatMap((variable, v) => {
    if (!isJsonObject(variable)) return [];
    const name = variable["name"];
    if (typeof name !== "string" || !isSecretName(name) || typeof variable["value"] !== "string" || variable["value"] === "") return [];
    return [
      {
        path: [...at, "environment", v],
        message:
          `${name} looks like a secret in plain text, now in git: move it to secrets ` +
          `(name: ${name}, valueFrom: an SSM parameter or Secrets Manager ARN) and ` +
          `rotate it`,
      },
    ];
  });
}
