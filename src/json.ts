export type JsonPrimitive = null | boolean | number | string;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export type JsonObject = { [key: string]: JsonValue };
export type JsonPath = readonly (string | number)[];

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A mapping for keys the user chooses (labels, tags, target ids): without a prototype, a key
 * named `valueOf` or `constructor` is just a key, never an inherited function.
 */
export function emptyMap<T = JsonValue>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** `object[key]` only when it is the object's own property: never an inherited member such as `toString`. */
export function own<T>(object: Readonly<Record<string, T>> | undefined, key: string | number): T | undefined {
  return object !== undefined && Object.hasOwn(object, key) ? object[key] : undefined;
}

/**
 * `object[key] = value` as a plain own property, also for a key named `__proto__` (which an
 * assignment would turn into a prototype change): for copies of data whose keys others chose.
 */
export function setOwn<T>(object: Record<string, T>, key: string, value: T): void {
  if (key === "__proto__") Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

/** Deep structural equality of two JSON values (key order ignored, array order kept). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keysA = Object.keys(a);
    if (keysA.length !== Object.keys(b).length) return false;
    return keysA.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
  }
  return false;
}

/** JSON with object keys sorted recursively: a stable text form for hashing and set-sorting. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeysDeep(value));
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (isJsonObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeysDeep(value[key]);
    return out;
  }
  return value;
}

/** `/containerDefinitions/0/image`-style pointer (RFC 6901 escaping). */
export function formatPath(path: JsonPath): string {
  if (path.length === 0) return "";
  return "/" + path.map((p) => String(p).replaceAll("~", "~0").replaceAll("/", "~1")).join("/");
}

/** `text` parsed, or undefined when it is not JSON (callers treat unparsable text as data, not as an error). */
export function parseJsonOrUndefined(text: string): JsonValue | undefined {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}
