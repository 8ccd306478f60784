import { readFileSync } from "node:fs";
import { isJsonObject } from "../../../../src/json.js";
import type { JsonObject, JsonValue } from "../../../../src/json.js";
import { readLiveTaskDefinition } from "../../../../src/resources/task-definition/normalize.js";
import type { LiveTaskDefinitionRead } from "../../../../src/resources/task-definition/normalize.js";

/** A response shape from test/fixtures/aws, parsed as the CLI would print it. */
export function fixtureText(name: string): string {
  return readFileSync(new URL(`../../../fixtures/aws/${name}`, import.meta.url), "utf8");
}

export function fixtureJson(name: string): JsonObject {
  return JSON.parse(fixtureText(name)) as JsonObject;
}

export function liveFixture(name: string): LiveTaskDefinitionRead {
  const live = readLiveTaskDefinition(fixtureJson(name));
  if (!live) throw new Error(`${name} is not a task definition`);
  return live;
}

export type Leaf = { path: (string | number)[]; value: JsonValue };

/** Every primitive leaf of a JSON value (nulls included), with its path. */
export function leaves(value: JsonValue, path: (string | number)[] = []): Leaf[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => leaves(item, [...path, i]));
  if (isJsonObject(value)) return Object.entries(value).flatMap(([key, v]) => leaves(v, [...path, key]));
  return [{ path, value }];
}

export function setAt(root: JsonValue, path: readonly (string | number)[], value: JsonValue): JsonValue {
  const copy = structuredClone(root);
  let node: JsonValue = copy;
  for (const segment of path.slice(0, -1)) node = (node as Record<string | number, JsonValue>)[segment] as JsonValue;
  (node as Record<string | number, JsonValue>)[path[path.length - 1] as string | number] = value;
  return copy;
}

/** A different value of the same kind; enums move to another allowed value when known. */
export function mutated(value: JsonValue, allowed?: readonly string[]): JsonValue {
  if (typeof value === "boolean") return !value;
  if (typeof value === "number") return value + 1;
  if (typeof value === "string") {
    if (allowed && allowed.length > 1) return allowed[(allowed.indexOf(value) + 1) % allowed.length] as string;
    return `${value}-changed`;
  }
  return value;
}

/** `/a/0/b` → ["a","0","b"]: change paths are RFC 6901 pointers. */
export function pointerSegments(pointer: string): string[] {
  return pointer === ""
    ? []
    : pointer
        .slice(1)
        .split("/")
        .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/**
 * Is a change at `changePath` the report of a mutation at `leafPath`? Equal, or an ancestor (the
 * parent list reported whole). With `anyIndex`, list indices match any index: normalization sorts
 * set-like lists, so the live order of a fixture is not the compared order.
 */
export function reportsLeaf(changePath: string, leafPath: readonly (string | number)[], anyIndex: boolean): boolean {
  const change = pointerSegments(changePath);
  if (change.length > leafPath.length) return false;
  return change.every((segment, i) => {
    const leafSegment = leafPath[i];
    if (typeof leafSegment === "number") return anyIndex ? /^\d+$/.test(segment) : segment === String(leafSegment);
    return segment === leafSegment;
  });
}
