import type { JsonValue } from "./json.js";

/** Text that names a moment (ISO 8601 as AWS and our own records write it, or an HTTP date), in epoch ms; else undefined. */
export function parseTimeMs(text: string): number | undefined {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * A time AWS returned, in epoch ms: the API's epoch seconds (the CLI prints these), epoch ms, or
 * the ISO text SDK dates become in plain JSON. Anything else: undefined.
 */
export function epochMs(value: JsonValue | undefined): number | undefined {
  if (typeof value === "number") return value < 1e12 ? value * 1000 : value;
  if (typeof value !== "string") return undefined;
  return parseTimeMs(value);
}

/** `parseTimeMs` as a Date, for fields that take one (SDK timestamps, event times); an invalid Date if the text names no moment. */
export function parseDate(text: string): Date {
  return new Date(parseTimeMs(text) ?? Number.NaN);
}
