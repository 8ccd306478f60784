import type { RuleRuntime } from "./scheduled-rule/runtime.js";
import type { ServiceRuntime } from "./service/runtime.js";

/** What the dashboard shows of a resource's live state beyond its plan, under its kind's field. */
export type RuntimeDetail = { service?: ServiceRuntime; rule?: RuleRuntime };
