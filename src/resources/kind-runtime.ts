import type { JsonObject } from "../json.js";
import type { RuleRuntime } from "./scheduled-rule/runtime.js";
import type { ServiceRuntime } from "./service/runtime.js";

/** What the dashboard shows of a resource's live state beyond its plan, under its kind's field. */
export type RuntimeDetail = { service?: ServiceRuntime; rule?: RuleRuntime };

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
