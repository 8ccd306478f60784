import { isJsonObject, parseJsonOrUndefined } from "../../json.js";
import type { JsonObject, JsonPath } from "../../json.js";
import { eventBusName } from "../../manifests/identity.js";
import type { Manifest, Problem } from "../../manifests/types.js";
import { checkTaskLaunch, findContainer, numberOf, objectsOf, collectProblems, stringOf } from "../common/validation.js";
import type { Report, ValidationContext } from "../common/validation.js";
import { parseScheduleExpression } from "../common/schedule-expression.js";
import { targetRoleArn } from "./target-role.js";

// xref: docs/normalization.md#eventbridge-limits: at most 5 targets per rule. RunTask starts at most 10 tasks per
// call (docs/normalization.md#ecs-service-quotas), which is what EventBridge does with taskCount.
export const MAX_TARGETS = 5;
export const MAX_TASK_COUNT = 10;
// xref: EventBridge API Rule.EventPattern "Maximum length of 4096" (the API model's limit).
export const MAX_EVENT_PATTERN_CHARS = 4096;
// xref: ECS tagging: 50 tags per resource, the `aws:` prefix is reserved.
export const MAX_TASK_TAGS = 50;

// EventBridge keeps the ARN as written and RunTask resolves it on every run.
const RULE_LATEST = { resolvedBy: "EventBridge resolves it at every run" };

/** EventBridge's documented offline-checkable constraints on one rule and its ECS targets. Pure. */
export function validateScheduledRule(manifest: Manifest, ctx: ValidationContext): Problem[] {
  return collectProblems(manifest, (report) => {
    const spec = manifest.spec;
    checkTrigger(spec, report);
    const targets = objectsOf(spec["targets"]);
    if (targets.length > MAX_TARGETS)
      report(["targets", MAX_TARGETS], "rule-target-count", `${targets.length} targets: an EventBridge rule takes at most ${MAX_TARGETS}`);
    const ids = new Set<string>();
    for (const { item: target, index } of targets) {
      const id = stringOf(target["id"]) ?? "";
      if (ids.has(id)) report(["targets", index, "id"], "rule-target-id-unique", `target id "${id}" is used twice in this rule`);
      ids.add(id);
      checkTarget(spec, target, ["targets", index], report, ctx);
    }
  });
}

function checkTrigger(spec: JsonObject, report: Report): void {
  const schedule = spec["scheduleExpression"];
  const pattern = spec["eventPattern"];
  // xref: PutRule: "A rule must contain at least an EventPattern or ScheduleExpression."
  if (schedule === undefined && pattern === undefined) {
    report([], "rule-schedule-or-pattern", "a rule needs scheduleExpression (rate(...) or cron(...)) or eventPattern");
  }
  if (schedule === "") {
    // PutRule receives "" as a schedule (and refuses it, on a custom bus even beside a pattern).
    report(
      ["scheduleExpression"],
      "schedule-expression",
      `scheduleExpression is empty: remove the field${pattern === undefined ? " and set eventPattern" : ""}, ` +
        `or write rate(5 minutes) / cron(0 3 * * ? *)`,
    );
  } else if (typeof schedule === "string") {
    const parsed = parseScheduleExpression(schedule);
    if (!parsed.ok) report(["scheduleExpression"], "schedule-expression", parsed.error);
    const bus = stringOf(spec["eventBusName"]);
    // xref: EventBridge console/user guide: "You can only use a scheduled expression for the default event bus."
    if (bus !== undefined && eventBusName(bus) !== "default")
      report(
        ["eventBusName"],
        "rule-schedule-default-bus",
        `scheduled rules only run on the default event bus, not "${bus}": drop eventBusName or use eventPattern`,
      );
  }
  if (typeof pattern === "string") {
    if (!isJsonObject(parseJsonOrUndefined(pattern)))
      report(
        ["eventPattern"],
        "event-pattern",
        'eventPattern as a string must be a JSON object, for example \'{"source": ["aws.ecs"]}\' (or write it as a YAML mapping)',
      );
  }
  if (pattern !== undefined && pattern !== null) {
    const chars = typeof pattern === "string" ? pattern.length : JSON.stringify(pattern).length;
    if (chars > MAX_EVENT_PATTERN_CHARS)
      report(
        ["eventPattern"],
        "event-pattern",
        `eventPattern is ${chars} characters as JSON: EventBridge allows ${MAX_EVENT_PATTERN_CHARS}`,
      );
  }
}

function checkTarget(rule: JsonObject, target: JsonObject, at: JsonPath, report: Report, ctx: ValidationContext): void {
  // EventBridge assumes this role to call ecs:RunTask; without it the target never starts a task.
  if (targetRoleArn(rule, target) === undefined)
    report(
      at,
      "rule-target-role",
      "an ECS target needs a role EventBridge uses to call ecs:RunTask (and " +
        "iam:PassRole): set roleArn on the target, or once on the rule for all " +
        "its targets",
    );
  if (typeof target["cluster"] !== "string" && ctx.defaultCluster === undefined) {
    report(
      at,
      "rule-target-cluster",
      "an ECS target needs cluster (no default cluster is configured: set `cluster` in ecs-gitops.yaml or pass --cluster)",
    );
  }
  const { taskDefinition } = checkTaskLaunch(target, at, { name: "rule-target", latest: RULE_LATEST }, ctx, report);
  const count = numberOf(target["taskCount"]);
  if (count !== undefined && count > MAX_TASK_COUNT)
    report([...at, "taskCount"], "rule-target-task-count", `taskCount ${count}: RunTask starts at most ${MAX_TASK_COUNT} tasks at once`);
  if (taskDefinition && isJsonObject(target["overrides"])) {
    objectsOf(target["overrides"]["containerOverrides"]).forEach(({ item, index }) => {
      const name = stringOf(item["name"]);
      if (name !== undefined && !findContainer(taskDefinition.spec, name)) {
        report(
          [...at, "overrides", "containerOverrides", index, "name"],
          "rule-target-override-container",
          `containerOverrides names "${name}", which is not a container of task definition "${taskDefinition.name}"`,
          "UnresolvedReference",
        );
      }
    });
  }
  const tags = objectsOf(target["tags"]);
  if (tags.length > MAX_TASK_TAGS)
    report([...at, "tags"], "rule-target-tags", `${tags.length} tags: a task takes at most ${MAX_TASK_TAGS}`);
  for (const { item, index } of tags) {
    const key = stringOf(item["key"]) ?? "";
    if (key.toLowerCase().startsWith("aws:"))
      report([...at, "tags", index, "key"], "rule-target-tags", `tag "${key}": the "aws:" prefix is reserved by AWS`);
  }
}
