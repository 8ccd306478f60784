import { parseIgnorePath } from "../../diff/structural.js";
import { isJsonObject, own } from "../../json.js";
import type { JsonObject, JsonValue } from "../../json.js";
import { AWS_DEFAULT_EVENT_BUS, eventBusName } from "../../manifests/identity.js";
import type { Manifest } from "../../manifests/types.js";
import { adoptionNotes, blocked, changesOf, createChanges, diffResource, ignoredNotes, unresolvedReference } from "../common/plan-diff.js";
import { ignoreRulesOf, keepLiveAt, notOwned, tagCalls } from "../common/plan-util.js";
import { manifestSpecHash } from "../common/spec-hash.js";
import { claimOf, desiredTags, isNotOurs, ownership, tagListToMap, tagMapToList, tagsForWrite } from "../common/tags.js";
import { arnPlaceholder, SPEC_HASH_TAG } from "../types.js";
import type { Action, PlanContext, PlannedCall, ResolvedTaskDefinition } from "../types.js";
import { normalizeDesiredRule, normalizeLiveRule } from "./normalize.js";
import { taskDefinitionRef } from "../common/normalize-util.js";
import type { LiveScheduledRule } from "./normalize.js";
import { AWSVPC_NAMES, ECS_PARAMETER_FIELDS, renamed, RETRY_POLICY_NAMES, wireName } from "./target-wire.js";

// xref: docs/normalization.md#eventbridge-limits — PutTargets and RemoveTargets take at most 10 entries per request.
export const MAX_TARGETS_PER_CALL = 10;

/**
 * Plan one scheduled rule: `live` is what DescribeRule, ListTargetsByRule and ListTagsForResource
 * returned, or undefined when the rule is missing. PutRule when the rule is missing or differs
 * (always with State and Description: PutRule replaces the rule), PutTargets for added or changed
 * targets, RemoveTargets for live target ids git no longer has (EB-7), tags through
 * Tag/UntagResource on existing rules. Pure.
 */
export function planScheduledRule(manifest: Manifest, live: LiveScheduledRule | undefined, ctx: PlanContext): Action {
  const base = { key: manifest.key, kind: manifest.kind };
  const spec = manifest.spec;
  const resolved = resolveTargets(spec, ctx);
  const unresolved = [...resolved.entries()].filter(([, r]) => r.state === "unresolved");
  if (unresolved.length > 0) {
    // Not ours is the answer whatever else is wrong: nothing to wait for.
    const liveTags = tagListToMap(live?.tags);
    if (live !== undefined && isNotOurs(ownership(liveTags, manifest, ctx)))
      return notOwned(manifest, ctx, liveTags, [], `rule "${manifest.name}"`, "the existing rule and its targets");
    return unresolvedReference(
      manifest,
      unresolved.map(([ref, r]) => `taskDefinition "${ref}": ${r.state === "unresolved" ? r.reason : ""}`).join("; "),
    );
  }
  const display = (ref: string) => displayRef(ref, resolved.get(ref));
  const { rule: want, unexpandable } = normalizeDesiredRule(spec, {
    ruleName: manifest.name,
    region: ctx.region,
    accountId: ctx.accountId,
    defaultCluster: ctx.defaultCluster,
    taskDefinition: display,
  });
  if (unexpandable.length > 0) {
    return blocked(manifest, "DependencyNotReady", [], {
      reason: `the AWS account id is unknown, so ${unexpandable.join(", ")} cannot be expanded into ARNs to compare with EventBridge`,
      hint: `give the controller credentials that may call sts:GetCallerIdentity, or write full ARNs in ${manifest.file}`,
    });
  }
  // The spec hash tells a deploy from drift after a restart (reconciler); it changes only with git.
  const wantTags = desiredTags(manifest, ctx, { [SPEC_HASH_TAG]: manifestSpecHash(manifest) });
  const inputs = targetInputs(spec, want, resolved, manifest.name);

  if (live === undefined) {
    const calls: PlannedCall[] = [
      { operation: "events:PutRule", input: putRuleInput(manifest, want, tagMapToList(tagsForWrite(wantTags, ctx), "events")) },
      ...putTargetsCalls(manifest, Object.keys(targetsOf(want)).sort(), inputs),
    ];
    const changes = createChanges(withTargetDisplay(spec, display), wantTags, ctx);
    return { type: "create", ...base, changes, calls };
  }

  const ignored = ignoreRulesOf(manifest, ctx);
  const have = normalizeLiveRule(live);
  const liveTags = tagListToMap(live.tags);
  const diff = diffResource(want, have, { want: wantTags, live: liveTags }, ignored, ctx);
  const changes = changesOf(diff);
  const owner = ownership(liveTags, manifest, ctx);
  if (isNotOurs(owner)) return notOwned(manifest, ctx, liveTags, changes, `rule "${manifest.name}"`, "the existing rule and its targets");

  const calls: PlannedCall[] = [];
  const ruleChanged = diff.spec.some((c) => segments(c.path)[0] !== "targets");
  if (ruleChanged) {
    // The rule as it should be, keeping the live value wherever a difference is ignored.
    const sent = structuredClone(withoutTargets(want));
    for (const rule of ignored) if (rule[0] !== "targets" && rule[0] !== "tags") keepLiveAt(sent, withoutTargets(have), rule);
    calls.push({ operation: "events:PutRule", input: putRuleInput(manifest, sent, undefined) });
  }
  const changedTargets = new Set<string>();
  const removedTargets = new Set<string>();
  for (const change of diff.spec) {
    const [head, id] = segments(change.path);
    if (head !== "targets" || id === undefined) continue;
    if (own(targetsOf(want), id) === undefined) removedTargets.add(id);
    else changedTargets.add(id);
  }
  const liveTargets = targetsOf(have);
  for (const id of changedTargets) {
    const target = inputs.get(id);
    if (target === undefined) continue;
    for (const rule of ignored) {
      if (rule[0] !== "targets" || rule.length < 3 || (rule[1] !== "*" && rule[1] !== id)) continue;
      keepLiveAt(target.canonical, own(liveTargets, id), rule.slice(2));
    }
  }
  calls.push(...putTargetsCalls(manifest, [...changedTargets].sort(), inputs));
  calls.push(
    ...chunks([...removedTargets].sort(), MAX_TARGETS_PER_CALL).map((ids): PlannedCall => ({
      operation: "events:RemoveTargets",
      input: { Rule: manifest.name, ...busParam(spec), Ids: ids },
    })),
  );

  const ruleArn = typeof live.rule["Arn"] === "string" ? live.rule["Arn"] : "";
  calls.push(...tagCalls(ruleArn, diff.tags, ctx, "events"));
  const notes = [...ignoredNotes(diff), ...adoptionNotes(owner, calls.length > 0, "rule")];
  const guard =
    calls.length > 0 && ruleArn !== ""
      ? { guard: { resource: "rule" as const, arn: ruleArn, ...claimOf(manifest, ctx), expect: "owned" as const } }
      : {};
  return { type: calls.length > 0 ? "update" : "noop", ...base, changes, calls, ...(notes.length > 0 ? { notes } : {}), ...guard };
}

type TargetInput = { canonical: JsonObject; taskDefinitionArn: string | undefined };

/** Each desired target's canonical form plus the ARN (or placeholder) PutTargets must carry. */
function targetInputs(
  spec: JsonObject,
  want: JsonObject,
  resolved: Map<string, ResolvedTaskDefinition>,
  ruleName: string,
): Map<string, TargetInput> {
  const out = new Map<string, TargetInput>();
  const canonical = targetsOf(want);
  for (const target of Array.isArray(spec["targets"]) ? spec["targets"] : []) {
    if (!isJsonObject(target)) continue;
    const id = typeof target["id"] === "string" && target["id"] !== "" ? target["id"] : ruleName;
    const c = own(canonical, id);
    if (!isJsonObject(c)) continue;
    const ref = typeof target["taskDefinition"] === "string" ? target["taskDefinition"] : undefined;
    const r = ref === undefined ? undefined : resolved.get(ref);
    const arn = r?.state === "known" ? r.arn : r?.state === "pending" ? arnPlaceholder(r.key) : undefined;
    out.set(id, { canonical: structuredClone(c), taskDefinitionArn: arn });
  }
  return out;
}

function resolveTargets(spec: JsonObject, ctx: PlanContext): Map<string, ResolvedTaskDefinition> {
  const out = new Map<string, ResolvedTaskDefinition>();
  for (const target of Array.isArray(spec["targets"]) ? spec["targets"] : []) {
    const ref = isJsonObject(target) ? target["taskDefinition"] : undefined;
    if (typeof ref === "string" && ref !== "" && !out.has(ref)) out.set(ref, ctx.resolveTaskDefinition(ref));
  }
  return out;
}

/** What a resolved reference compares as: `family:rev` for an ARN, `family:(new)` before registration. */
function displayRef(ref: string, resolved: ResolvedTaskDefinition | undefined): string {
  if (resolved?.state === "known") return taskDefinitionRef(resolved.arn);
  if (resolved?.state === "pending") return `${resolved.family}:(new)`;
  return ref;
}

function putRuleInput(manifest: Manifest, rule: JsonObject, tags: JsonValue[] | undefined): JsonObject {
  const input: JsonObject = { Name: manifest.name, ...busParam(manifest.spec) };
  if (typeof rule["scheduleExpression"] === "string") input["ScheduleExpression"] = rule["scheduleExpression"];
  const pattern = rule["eventPattern"];
  if (pattern !== undefined) input["EventPattern"] = typeof pattern === "string" ? pattern : JSON.stringify(pattern);
  // PutRule replaces the rule: an omitted State becomes ENABLED and an omitted Description is
  // dropped (as on AWS; docs/moto.md#eventbridge), so both are always sent.
  input["State"] = rule["state"] ?? "ENABLED";
  input["Description"] = rule["description"] ?? "";
  if (typeof rule["roleArn"] === "string") input["RoleArn"] = rule["roleArn"];
  if (tags !== undefined) input["Tags"] = tags;
  return input;
}

function putTargetsCalls(manifest: Manifest, ids: readonly string[], inputs: Map<string, TargetInput>): PlannedCall[] {
  const targets = ids.flatMap((id) => {
    const target = inputs.get(id);
    return target === undefined ? [] : [toApiTarget(id, target)];
  });
  return chunks(targets, MAX_TARGETS_PER_CALL).map((batch) => ({
    operation: "events:PutTargets",
    input: { Rule: manifest.name, ...busParam(manifest.spec), Targets: batch },
  }));
}

/** Canonical camelCase target → the PutTargets `Target` (PascalCase, except where the API is camelCase). */
function toApiTarget(id: string, { canonical: t, taskDefinitionArn }: TargetInput): JsonObject {
  const out: JsonObject = { Id: id, Arn: t["arn"] ?? "" };
  if (t["roleArn"] !== undefined) out["RoleArn"] = t["roleArn"];
  const ecs: JsonObject = {};
  if (taskDefinitionArn !== undefined) ecs["TaskDefinitionArn"] = taskDefinitionArn;
  for (const field of ECS_PARAMETER_FIELDS) if (t[field] !== undefined) ecs[wireName(field)] = t[field];
  const awsvpc = isJsonObject(t["networkConfiguration"]) ? t["networkConfiguration"]["awsvpcConfiguration"] : undefined;
  if (isJsonObject(awsvpc)) ecs["NetworkConfiguration"] = { awsvpcConfiguration: renamed(awsvpc, AWSVPC_NAMES, "wire") };
  if (Array.isArray(t["tags"]))
    ecs["Tags"] = t["tags"].filter(isJsonObject).map((tag) => ({ Key: tag["key"] ?? "", Value: tag["value"] ?? "" }));
  if (Object.keys(ecs).length > 0) out["EcsParameters"] = ecs;
  // xref: EB-5 — the overrides travel as the target's Input, a JSON string.
  if (isJsonObject(t["overrides"])) out["Input"] = JSON.stringify(t["overrides"]);
  const retry = t["retryPolicy"];
  if (isJsonObject(retry)) out["RetryPolicy"] = renamed(retry, RETRY_POLICY_NAMES, "wire");
  const dlq = t["deadLetterConfig"];
  if (isJsonObject(dlq) && dlq["arn"] !== undefined) out["DeadLetterConfig"] = { Arn: dlq["arn"] };
  return out;
}

function busParam(spec: JsonObject): JsonObject {
  const bus = spec["eventBusName"];
  return typeof bus === "string" && bus !== "" && eventBusName(bus) !== AWS_DEFAULT_EVENT_BUS ? { EventBusName: bus } : {};
}

/** The spec as written, each target's task definition as the plan resolves it (`report:(new)`). */
function withTargetDisplay(spec: JsonObject, display: (ref: string) => string): JsonObject {
  const targets = spec["targets"];
  if (!Array.isArray(targets)) return spec;
  return {
    ...spec,
    targets: targets.map((t) =>
      isJsonObject(t) && typeof t["taskDefinition"] === "string" ? { ...t, taskDefinition: display(t["taskDefinition"]) } : t,
    ),
  };
}

function targetsOf(rule: JsonObject): JsonObject {
  const targets = rule["targets"];
  return isJsonObject(targets) ? targets : {};
}

function withoutTargets(rule: JsonObject): JsonObject {
  const { targets: _targets, ...rest } = rule;
  return rest;
}

function segments(path: string): string[] {
  return parseIgnorePath(path);
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
