import { emptyMap, isJsonObject, parseJsonOrUndefined } from "../../json.js";
import type { JsonObject, JsonValue } from "../../json.js";
import { AWS_DEFAULT_CLUSTER } from "../../manifests/identity.js";
import {
  canonicalTaskLaunch,
  compact,
  fillDefault,
  objectCopy,
  sortByField,
  sortList,
  taskDefinitionRef,
} from "../common/normalize-util.js";
import { targetRoleArn } from "./target-role.js";
import { AWSVPC_NAMES, ECS_PARAMETER_FIELDS, liveAwsvpc, liveEcsTags, renamed, setLivePolicies, wireName } from "./target-wire.js";

/*
 * One canonical shape for an EventBridge rule and its ECS targets (docs/normalization.md#scheduled-rules), in
 * the manifest's camelCase:
 *
 *   { state, description, scheduleExpression? | eventPattern?, roleArn?, targets: { <id>: target } }
 *
 * The desired side comes from the manifest (names expanded into ARNs, task definition references
 * resolved), the live side from DescribeRule + ListTargetsByRule (PascalCase). Targets are keyed by
 * id, so their order never matters and a change reads `/targets/<id>/taskCount`. The rule's name and
 * event bus are its identity and are not compared.
 */

/** What the controller reads for one rule: DescribeRule, ListTargetsByRule items, ListTagsForResource. */
export type LiveScheduledRule = { rule: JsonObject; targets: JsonObject[]; tags: JsonValue[] };

/** Where short names expand into ARNs (EB-2, EB-3). */
export type ArnScope = { region: string; accountId: string | undefined; defaultCluster: string | undefined };

export type DesiredRuleOptions = ArnScope & {
  ruleName: string;
  /** What a target's task definition reference compares as once resolved: `family:rev` or `family:(new)`. */
  taskDefinition: (ref: string) => string;
};

/** Target fields of the manifest copied as they are (then canonicalized with the live side's). */
const ECS_TARGET_FIELDS = [...ECS_PARAMETER_FIELDS, "networkConfiguration", "tags", "retryPolicy"] as const;

/**
 * The manifest's rule in canonical form. `unexpandable` lists the names that needed the account id
 * to become ARNs while it was unknown: the result is then not comparable (the plan blocks). Pure.
 */
export function normalizeDesiredRule(spec: JsonObject, opts: DesiredRuleOptions): { rule: JsonObject; unexpandable: string[] } {
  const arns = arnExpander(opts);
  const rule: JsonObject = {
    // xref: docs/normalization.md#eb-1 — PutRule replaces the rule: an omitted State becomes ENABLED
    // (moto and AWS alike, docs/moto.md#eventbridge).
    state: stringOr(spec["state"], "ENABLED"),
    // xref: EB-1 — ecschedule: Description nil ≡ "" (DescribeRule omits an empty description).
    description: stringOr(spec["description"], ""),
  };
  // xref: EB-1 — the schedule is compared literally (AWS stores the string as sent).
  if (typeof spec["scheduleExpression"] === "string") rule["scheduleExpression"] = spec["scheduleExpression"];
  const pattern = parseEventPattern(spec["eventPattern"]);
  if (pattern !== undefined) rule["eventPattern"] = pattern;
  const ruleRole = nonEmpty(spec["roleArn"]);
  if (ruleRole !== undefined) rule["roleArn"] = arns.role(ruleRole);

  const targets = emptyMap();
  for (const target of Array.isArray(spec["targets"]) ? spec["targets"] : []) {
    if (!isJsonObject(target)) continue;
    // xref: EB-2 — ecschedule: the target id defaults to the rule name.
    const id = nonEmpty(target["id"]) ?? opts.ruleName;
    const raw: JsonObject = {};
    for (const field of ECS_TARGET_FIELDS) if (target[field] !== undefined) raw[field] = target[field];
    // xref: EB-2 — the target ARN is the cluster's; default cluster as for services.
    raw["arn"] = arns.cluster(nonEmpty(target["cluster"]) ?? opts.defaultCluster ?? AWS_DEFAULT_CLUSTER);
    // xref: EB-3 — ecschedule #61 / be80468: a target without a role uses the rule's (default) role.
    const role = targetRoleArn(spec, target);
    if (role !== undefined) raw["roleArn"] = arns.role(role);
    const taskDefinition = nonEmpty(target["taskDefinition"]);
    if (taskDefinition !== undefined) raw["taskDefinition"] = opts.taskDefinition(taskDefinition);
    const dlq = isJsonObject(target["deadLetterConfig"]) ? nonEmpty(target["deadLetterConfig"]["arn"]) : undefined;
    if (dlq !== undefined) raw["deadLetterConfig"] = { arn: arns.queue(dlq) };
    const overrides = normalizeOverrides(target["overrides"]);
    if (overrides !== undefined) raw["overrides"] = overrides;
    targets[id] = canonicalTarget(raw);
  }
  rule["targets"] = targets;
  return { rule, unexpandable: arns.unexpandable };
}

/** The live rule and targets in canonical form (PascalCase API → camelCase manifest). Pure. */
export function normalizeLiveRule(live: LiveScheduledRule): JsonObject {
  const r = live.rule;
  const rule: JsonObject = { state: stringOr(r["State"], "ENABLED"), description: stringOr(r["Description"], "") };
  if (typeof r["ScheduleExpression"] === "string" && r["ScheduleExpression"] !== "") rule["scheduleExpression"] = r["ScheduleExpression"];
  const pattern = parseEventPattern(r["EventPattern"]);
  if (pattern !== undefined) rule["eventPattern"] = pattern;
  const role = nonEmpty(r["RoleArn"]);
  if (role !== undefined) rule["roleArn"] = role;
  const targets = emptyMap();
  for (const target of live.targets) {
    const id = nonEmpty(target["Id"]);
    if (id !== undefined) targets[id] = canonicalTarget(liveTargetFields(target));
  }
  rule["targets"] = targets;
  return rule;
}

/**
 * The ECS TaskOverride a target sends as its Input, compared structurally (EB-5, ecschedule 06d92b2,
 * d17ed47): container overrides keyed by name, environment as a name→value set, command order kept,
 * overrides that change nothing omitted. `undefined` when nothing is overridden. Pure.
 */
export function normalizeOverrides(value: JsonValue | undefined): JsonObject | undefined {
  if (!isJsonObject(value)) return undefined;
  const out: JsonObject = { ...value };
  const containers = out["containerOverrides"];
  if (Array.isArray(containers)) {
    const kept = containers.filter(isJsonObject).map((c) => {
      const container: JsonObject = { ...c };
      sortList(container, "environment", "name");
      sortList(container, "environmentFiles");
      sortList(container, "resourceRequirements", "type");
      return objectCopy(compact(container));
    });
    // A container override naming only the container overrides nothing (ecschedule d17ed47).
    out["containerOverrides"] = sortByField(
      kept.filter((c) => Object.keys(c).some((k) => k !== "name")),
      "name",
    );
  }
  // TaskOverride cpu/memory are strings in the API; YAML users write numbers.
  for (const field of ["cpu", "memory"]) if (typeof out[field] === "number") out[field] = String(out[field]);
  sortList(out, "inferenceAcceleratorOverrides");
  const compacted = compact(out);
  return isJsonObject(compacted) ? compacted : undefined;
}

/** The partition an ARN in `region` uses. */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  if (region.startsWith("eusc-")) return "aws-eusc";
  return "aws";
}

function liveTargetFields(target: JsonObject): JsonObject {
  const raw: JsonObject = {};
  const set = (key: string, value: JsonValue | undefined) => {
    if (value !== undefined && value !== null) raw[key] = value;
  };
  set("arn", target["Arn"]);
  set("roleArn", target["RoleArn"]);
  const ecs = isJsonObject(target["EcsParameters"]) ? target["EcsParameters"] : undefined;
  if (ecs) {
    const td = ecs["TaskDefinitionArn"];
    set("taskDefinition", typeof td === "string" ? taskDefinitionRef(td) : td);
    for (const field of ECS_PARAMETER_FIELDS) set(field, ecs[wireName(field)]);
    if (Array.isArray(ecs["Tags"])) set("tags", liveEcsTags(ecs["Tags"]));
    const awsvpc = liveAwsvpc(ecs);
    if (awsvpc) raw["networkConfiguration"] = { awsvpcConfiguration: renamed(awsvpc, AWSVPC_NAMES, "spec") };
  }
  setLivePolicies(target, raw);
  // Non-ECS inputs are kept raw so a target someone changed by hand still shows (and gets replaced).
  set("inputPath", target["InputPath"]);
  set("inputTransformer", target["InputTransformer"]);
  const input = target["Input"];
  if (typeof input === "string" && input !== "") {
    // xref: EB-5 — Input is a JSON string: parse and compare structurally.
    const parsed = parseJsonOrUndefined(input);
    if (isJsonObject(parsed)) {
      const overrides = normalizeOverrides(parsed);
      if (overrides !== undefined) raw["overrides"] = overrides;
    } else {
      raw["input"] = input;
    }
  }
  return raw;
}

/** Defaults and ordering shared by both sides. */
function canonicalTarget(raw: JsonObject): JsonObject {
  const t: JsonObject = { ...raw };
  // xref: docs/normalization.md#eb-4 — ecschedule PR #89: "" is what some tools store for "not set".
  for (const field of ["launchType", "platformVersion", "propagateTags", "group", "referenceId", "roleArn"])
    if (t[field] === "") delete t[field];
  const out = objectCopy(compact(t));
  if (out["taskDefinition"] === undefined) return out; // not an ECS target: nothing to default
  // xref: EB-4 — EcsParameters.TaskCount: "The default is 1" (EventBridge API reference).
  fillDefault(out, "taskCount", 1);
  // xref: EcsParameters booleans: ListTargetsByRule reports false when not set (ecschedule).
  fillDefault(out, "enableECSManagedTags", false);
  fillDefault(out, "enableExecuteCommand", false);
  // xref: SV-7, SV-12, SV-13 and the capacity provider defaults apply to a target's task as to a service's.
  canonicalTaskLaunch(out);
  sortList(out, "tags", "key");
  return out;
}

function arnExpander(scope: ArnScope): {
  unexpandable: string[];
  role: (v: string) => string;
  cluster: (v: string) => string;
  queue: (v: string) => string;
} {
  const partition = partitionOf(scope.region);
  const unexpandable: string[] = [];
  const expand = (value: string, what: string, build: (account: string) => string): string => {
    if (value.startsWith("arn:")) return value;
    if (scope.accountId === undefined) {
      unexpandable.push(`${what} "${value}"`);
      return value;
    }
    return build(scope.accountId);
  };
  return {
    unexpandable,
    // xref: EB-3 — ecschedule getRule/localYAMLForDiff: role name ↔ arn:aws:iam::<acct>:role/<name>.
    role: (v) => expand(v, "role", (a) => `arn:${partition}:iam::${a}:role/${v.replace(/^\/+/, "")}`),
    // xref: EB-2 — the target Arn of an ECS task is the cluster ARN.
    cluster: (v) => expand(v, "cluster", (a) => `arn:${partition}:ecs:${scope.region}:${a}:cluster/${v}`),
    // xref: EB-3 — SQS dead-letter queue name ↔ arn:aws:sqs:<region>:<acct>:<name>.
    queue: (v) => expand(v, "dead-letter queue", (a) => `arn:${partition}:sqs:${scope.region}:${a}:${v}`),
  };
}

function parseEventPattern(value: JsonValue | undefined): JsonValue | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  // xref: EB-1 — the pattern is JSON: compare it parsed, so spacing and key order never differ.
  return typeof value === "string" ? (parseJsonOrUndefined(value) ?? value) : value;
}

function stringOr(value: JsonValue | undefined, fallback: string): string {
  return typeof value === "string" ? value : fallback;
}

function nonEmpty(value: JsonValue | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
