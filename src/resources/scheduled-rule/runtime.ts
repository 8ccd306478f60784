import { text } from "../common/runtime-fields.js";
import type { LiveScheduledRule } from "./normalize.js";

/** The rule's state, schedule and number of targets at the last look. */
export type RuleRuntime = { state?: string; scheduleExpression?: string; targets: number };

export function ruleRuntime(live: LiveScheduledRule): RuleRuntime {
  return {
    ...text(live.rule, "state", "State"),
    ...text(live.rule, "scheduleExpression", "ScheduleExpression"),
    targets: live.targets.length,
  };
}
