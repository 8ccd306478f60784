import { isJsonObject } from "../../src/json.js";
import type { JsonValue } from "../../src/json.js";

/** A place in a JSON value: object keys and list indices. */
export type Path = (string | number)[];

/** The path of every primitive leaf (nulls included) of a JSON value. */
export function leafPaths(value: JsonValue, base: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => leafPaths(item, [...base, i]));
  if (isJsonObject(value)) return Object.entries(value).flatMap(([key, v]) => leafPaths(v, [...base, key]));
  return [base];
}

/** The value at `path`, undefined where the path leaves the value. */
export function getAt(root: JsonValue, path: Path): JsonValue | undefined {
  let current: JsonValue | undefined = root;
  for (const segment of path)
    current =
      current === undefined || current === null || typeof current !== "object"
        ? undefined
        : (current as Record<string, JsonValue>)[segment];
  return current;
}

/** Sets the value at `path` in place; the parent must exist. */
export function setAt(root: JsonValue, path: Path, value: JsonValue): void {
  const parent = getAt(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (parent === undefined || parent === null || typeof parent !== "object" || last === undefined)
    throw new Error(`no parent for ${path.join("/")}`);
  (parent as Record<string, JsonValue>)[last] = value;
}

/** Another value of the same type as a primitive leaf: what a hand change of that field could leave. */
export function mutated(value: JsonValue | undefined): JsonValue {
  if (typeof value === "boolean") return !value;
  if (typeof value === "number") return value + 1;
  if (typeof value === "string") return `${value}-x`;
  throw new Error(`not a leaf: ${JSON.stringify(value)}`);
}
