import { isJsonObject, setOwn } from "../../json.js";
import type { JsonObject, JsonValue } from "../../json.js";
import { awsDefs, kindSpecSchemas } from "../../manifests/schema/aws-schema.generated.js";

type Node = {
  $ref?: string;
  type?: string | readonly string[];
  items?: Node;
  properties?: Record<string, Node>;
  additionalProperties?: boolean | Node;
  "x-aws-name"?: string;
};

function resolve(node: Node | undefined): Node | undefined {
  let out = node;
  for (let hops = 0; out?.$ref !== undefined && hops < 20; hops++) out = awsDefs[out.$ref.replace("#/$defs/", "")] as Node | undefined;
  return out;
}

/** The schema of a kind's spec, or of a part of it (`["policies", "*"]` for one policy). */
export function specNode(kind: keyof typeof kindSpecSchemas, path: readonly string[] = []): Node | undefined {
  let node = resolve(kindSpecSchemas[kind] as unknown as Node);
  for (const segment of path) node = resolve(segment === "*" ? node?.items : node?.properties?.[segment]);
  return node;
}

/**
 * A camelCase spec value → the API's request shape: every member the generated schema marks with
 * its wire name (`x-aws-name`, scripts/gen-schema.py) is renamed, maps keep their keys, members
 * the schema does not know are dropped (the loader refused them already). Pure.
 */
export function toWire(node: Node | undefined, value: JsonValue): JsonValue {
  return walk(node, value, "out");
}

/** An API response (PascalCase) → spec form; members the spec has no field for (Arn, CreationDate) are dropped. Pure. */
export function fromWire(node: Node | undefined, value: JsonValue): JsonValue {
  return walk(node, value, "in");
}

/** `toWire` of a mapping. */
export function objectToWire(node: Node | undefined, value: JsonObject): JsonObject {
  const out = toWire(node, value);
  return isJsonObject(out) ? out : {};
}

/** `fromWire` of a mapping. */
export function objectFromWire(node: Node | undefined, value: JsonObject): JsonObject {
  const out = fromWire(node, value);
  return isJsonObject(out) ? out : {};
}

function walk(node: Node | undefined, value: JsonValue, direction: "in" | "out"): JsonValue {
  const schema = resolve(node);
  if (schema === undefined) return value;
  if (Array.isArray(value)) return value.map((item) => walk(schema.items, item, direction));
  if (!isJsonObject(value)) return value;
  const properties = schema.properties;
  if (properties === undefined) {
    const inner = typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined;
    const out: JsonObject = {};
    for (const [key, member] of Object.entries(value)) setOwn(out, key, walk(inner, member, direction));
    return out;
  }
  const out: JsonObject = {};
  for (const [field, child] of Object.entries(properties)) {
    const wire = child["x-aws-name"] ?? field;
    const [from, to] = direction === "out" ? [field, wire] : [wire, field];
    if (!Object.hasOwn(value, from)) continue;
    const member = value[from];
    if (member !== undefined) setOwn(out, to, walk(child, member, direction));
  }
  return out;
}
