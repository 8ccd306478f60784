import type { JsonObject } from "../../json.js";

// Shared by the kinds' runtime readers; here rather than in kind-runtime.ts, which imports their types.

/** `{ [to]: source[from] }` when that is a string, else nothing. */
export function text<K extends string>(source: JsonObject, to: K, from: string): { [P in K]?: string } {
  const value = source[from];
  return (typeof value === "string" ? { [to]: value } : {}) as { [P in K]?: string };
}

/** `{ [to]: source[from] }` when that is a number, else nothing. */
export function count<K extends string>(source: JsonObject, to: K, from: string): { [P in K]?: number } {
  const value = source[from];
  return (typeof value === "number" ? { [to]: value } : {}) as { [P in K]?: number };
}
