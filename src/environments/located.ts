import { emptyMap, isJsonObject } from "../json.js";
import type { JsonPath, JsonPrimitive, JsonValue } from "../json.js";
import type { SourcePosition } from "../manifests/types.js";

/**
 * A JSON value in which every node remembers where it was written: a base file, or the overlay
 * line that patched it. Rendering keeps these, so that a problem in the final manifest is
 * reported where the user can fix it, not in an output nobody wrote.
 */
export type Located =
  | { at: SourcePosition; value: JsonPrimitive }
  | { at: SourcePosition; items: Located[] }
  | { at: SourcePosition; fields: Record<string, Located> };

/** Every node of `value`, located by `locate` (a parsed document's own). */
export function locateAll(value: JsonValue, locate: (path: JsonPath) => SourcePosition, at: JsonPath = []): Located {
  const here = locate(at);
  if (Array.isArray(value)) return { at: here, items: value.map((item, i) => locateAll(item, locate, [...at, i])) };
  if (isJsonObject(value)) {
    const fields = emptyMap<Located>();
    for (const [key, item] of Object.entries(value)) fields[key] = locateAll(item, locate, [...at, key]);
    return { at: here, fields };
  }
  return { at: here, value };
}

/** Every node of `value` placed at one position (a JSON-Patch operation's value, written at one line). */
export function locateAt(value: JsonValue, at: SourcePosition): Located {
  return locateAll(value, () => at);
}

export function toJson(node: Located): JsonValue {
  if ("items" in node) return node.items.map(toJson);
  if ("fields" in node) {
    const out = emptyMap<JsonValue>();
    for (const [key, item] of Object.entries(node.fields)) out[key] = toJson(item);
    return out;
  }
  return node.value;
}

/** The node at `path`, if there is one. */
export function nodeAt(node: Located, path: JsonPath): Located | undefined {
  let current: Located | undefined = node;
  for (const step of path) {
    if (current === undefined) return undefined;
    if ("items" in current) current = current.items[Number(step)];
    else if ("fields" in current) current = Object.hasOwn(current.fields, String(step)) ? current.fields[String(step)] : undefined;
    else return undefined;
  }
  return current;
}

/** Where `path` (or its deepest existing ancestor, for a missing field) was written. */
export function positionOf(node: Located, path: JsonPath): SourcePosition {
  for (let depth = path.length; depth >= 0; depth--) {
    const found = nodeAt(node, path.slice(0, depth));
    if (found) return found.at;
  }
  return node.at;
}

/** A copy with every string replaced through `map` (the node's position is kept). */
export function mapStrings(node: Located, map: (text: string, at: SourcePosition) => JsonPrimitive): Located {
  if ("items" in node) return { at: node.at, items: node.items.map((item) => mapStrings(item, map)) };
  if ("fields" in node) {
    const fields = emptyMap<Located>();
    for (const [key, item] of Object.entries(node.fields)) fields[key] = mapStrings(item, map);
    return { at: node.at, fields };
  }
  return typeof node.value === "string" ? { at: node.at, value: map(node.value, node.at) } : node;
}
