import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../../../src/json.js";
import { planScheduledRule } from "../../../../src/resources/scheduled-rule/plan.js";
import { manifestOf, planContext, resolverOf } from "../builders.js";
import { copy, fargateTaskDefinition, rulesOf, scheduledRule, validateDocs } from "../validate-fixtures.js";

// `validate` and the planner must agree on where a target's role comes from: whatever validate
// accepts, apply sends with a RoleArn; whatever it rejects, apply would send without one.
const RULE_ROLE = "arn:aws:iam::123456789012:role/events-default";
const TARGET_ROLE = "arn:aws:iam::123456789012:role/events-run-task";

const cases: { name: string; rule?: string; target?: string; sent: string | undefined }[] = [
  { name: "a role on the target", target: TARGET_ROLE, sent: TARGET_ROLE },
  { name: "a role on the rule only", rule: RULE_ROLE, sent: RULE_ROLE },
  { name: "both: the target's wins", rule: RULE_ROLE, target: TARGET_ROLE, sent: TARGET_ROLE },
  { name: "an empty target role under a rule role", rule: RULE_ROLE, target: "", sent: RULE_ROLE },
  { name: "no role anywhere", sent: undefined },
];

function ruleSpec(rule: string | undefined, target: string | undefined): JsonObject {
  const spec = copy(scheduledRule().spec);
  const first = (spec["targets"] as JsonObject[])[0]!;
  delete first["roleArn"];
  if (target !== undefined) first["roleArn"] = target;
  if (rule !== undefined) spec["roleArn"] = rule;
  return spec;
}

describe("the role of a rule target", () => {
  it.each(cases)("validate and plan agree for $name", ({ rule, target, sent }) => {
    const spec = ruleSpec(rule, target);
    const rules = rulesOf(validateDocs([fargateTaskDefinition(), { kind: "ScheduledRule", name: "nightly", spec }]));
    expect(rules.includes("rule-target-role")).toBe(sent === undefined);

    const ctx = planContext({ resolveTaskDefinition: resolverOf({ web: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1" }) });
    const action = planScheduledRule(manifestOf("ScheduledRule", "nightly", spec), undefined, ctx);
    const put = action.type === "blocked" ? undefined : action.calls.find((c) => c.operation === "events:PutTargets");
    const targets = put?.input["Targets"] as JsonObject[] | undefined;
    expect(targets?.[0]?.["RoleArn"]).toBe(sent);
  });
});
