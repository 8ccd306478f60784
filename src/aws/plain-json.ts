import { setOwn } from "../json.js";
import type { JsonObject, JsonValue } from "../json.js";

/**
 * An SDK response (or part of one) as plain JSON: Dates become ISO strings, `undefined` members
 * and the SDK's `$metadata` disappear, so the core compares, hashes and prints it like any JSON.
 */
export function toPlainJson(value: unknown): JsonValue {
  if (value === null) return null;
  // An unreadable date from a hand-made or corrupt answer is no date, never an exception.
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (Array.isArray(value)) return value.filter((item) => item !== undefined).map(toPlainJson);
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : null;
    case "object":
      return toPlainObject(value);
    default:
      return null;
  }
}

/** `toPlainJson` for an object (a response or a shape); non-objects give `{}`. */
export function toPlainObject(value: unknown): JsonObject {
  const out: JsonObject = {};
  if (typeof value !== "object" || value === null) return out;
  for (const [key, member] of Object.entries(value)) {
    if (member === undefined || key === "$metadata") continue;
    setOwn(out, key, toPlainJson(member));
  }
  return out;
}

/** `value` without its null members and items (a read that treats null as "not set"). */
export function withoutNulls(value: JsonValue): JsonValue | undefined {
  if (value === null) return undefined;
  if (Array.isArray(value)) return value.flatMap((item) => withoutNulls(item) ?? []);
  if (typeof value !== "object") return value;
  const out: JsonObject = {};
  for (const [key, member] of Object.entries(value)) {
    const kept = withoutNulls(member);
    if (kept !== undefined) setOwn(out, key, kept);
  }
  return out;
}
