import { diffValues, withoutIgnored } from "../../diff/structural.js";
import { isJsonObject } from "../../json.js";
import type { JsonObject, JsonValue } from "../../json.js";
import { taskDefinitionSpecFields } from "../../manifests/schema/aws-schema.generated.js";
import { AWS_MAX_TAGS } from "../../manifests/envelope.js";
import type { Manifest } from "../../manifests/types.js";
import { ANNOTATION } from "../../manifests/annotations.js";
import { diffTagChanges, notOwned, ignoreRulesOf, tagCalls, writtenChanges } from "../common/plan-util.js";
import { claimOf, desiredTags, isNotOurs, ownership, tagMapToList, tagsForWrite } from "../common/tags.js";
import { parseTaskCpu, parseTaskMemory } from "../common/units.js";
import { EARLIER_REVISIONS_TAG, SPEC_HASH_TAG } from "../types.js";
import type { Action, PlanContext, PlannedCall, ResolvedTaskDefinition } from "../types.js";
import { specHash } from "./hash.js";
import { historyTagValue } from "./history.js";
import { normalizeTaskDefinition } from "./normalize.js";
import type { LiveTaskDefinition } from "./normalize.js";
import { onePerObject } from "../common/memo.js";

export type { LiveTaskDefinition };
export type TaskDefinitionPlan = { action: Action; specHash: string; resolved: ResolvedTaskDefinition };

/**
 * Per desired spec (the same object until the next commit): its hash, and the cached revisions
 * (immutable under their ARN) found equal to it. A no-op resync then neither normalizes nor diffs
 * again; only these verdicts are kept, not the normalized objects (a few MiB at 1,000 families).
 */
const knownOf = onePerObject((_spec: JsonObject): { hash?: string; equal: WeakSet<JsonObject> } => ({ equal: new WeakSet() }));

/**
 * Decide whether the family needs a new revision. `candidates` are live ACTIVE revisions in the
 * caller's preference order (the one the managed services use, then the latest). A revision whose
 * normalized content equals the desired one is reused: at most its tags are corrected, so a
 * tag-only change never registers (TD-3). Otherwise RegisterTaskDefinition with the spec as
 * written (docs/normalization.md#principles, 5: never the normalized object, never a described one). Pure.
 */
export function planTaskDefinition(manifest: Manifest, candidates: readonly LiveTaskDefinition[], ctx: PlanContext): TaskDefinitionPlan {
  const known = knownOf(manifest.spec);
  let normalizedSpec: JsonObject | undefined;
  const desired = () => (normalizedSpec ??= normalizeTaskDefinition(manifest.spec));
  const hash = (known.hash ??= specHash(desired()));
  const wantTags = desiredTags(manifest, ctx, { [SPEC_HASH_TAG]: hash });
  const ignored = ignoreRulesOf(manifest, ctx);
  const base = { key: manifest.key, kind: manifest.kind };
  const compared = candidates.map((candidate) => {
    if (known.equal.has(candidate.taskDefinition)) return { candidate, changes: [], ignoredCount: 0 };
    const all = diffValues(desired(), normalizeTaskDefinition(candidate.taskDefinition), [], ctx.isSecret);
    if (all.length === 0) known.equal.add(candidate.taskDefinition);
    const changes = withoutIgnored(all, ignored);
    return { candidate, changes, ignoredCount: all.length - changes.length };
  });

  const first = candidates[0];
  if (first && candidates.every((c) => isNotOurs(ownership(c.tags, manifest, ctx)))) {
    const action = notOwned(
      manifest,
      ctx,
      first.tags,
      compared[0]?.changes ?? [],
      `task definition family "${manifest.name}"`,
      "the existing family",
    );
    return { specHash: hash, resolved: { state: "unresolved", reason: action.reason }, action };
  }

  // A revision someone else registered is theirs even when its content equals git's: retagging it
  // would take it from them. Only ours (or one the manifest adopts) is reused; else we register.
  const reusable = (c: (typeof compared)[number]) => !isNotOurs(ownership(c.candidate.tags, manifest, ctx));
  const match = compared.find((c) => c.changes.length === 0 && reusable(c));
  const foreignTwin = compared.find((c) => c.changes.length === 0 && !reusable(c));
  if (match) {
    const { candidate } = match;
    const tagChanges = diffTagChanges(wantTags, candidate.tags, ignored);
    const calls = tagCalls(candidate.arn, tagChanges, ctx, "ecs");
    const notes: string[] = [];
    if (candidate !== first) notes.push(`content matches revision ${candidate.revision}; no new revision`);
    if (match.ignoredCount > 0) notes.push(`${match.ignoredCount} difference(s) ignored (ignore-differences)`);
    if (calls.length > 0 && ownership(candidate.tags, manifest, ctx) === "adoptable")
      notes.push(`adopting revision ${candidate.revision} (${ANNOTATION.adopt})`);
    const guard =
      calls.length > 0
        ? { guard: { resource: "revision" as const, arn: candidate.arn, ...claimOf(manifest, ctx), expect: "owned" as const } }
        : {};
    const action: Action = {
      type: calls.length > 0 ? "update" : "noop",
      ...base,
      changes: tagChanges.map((t) => t.change),
      calls,
      ...(notes.length > 0 ? { notes } : {}),
      ...guard,
    };
    return { action, specHash: hash, resolved: { state: "known", arn: candidate.arn } };
  }

  const input: JsonObject = {
    family: manifest.name,
    ...registerSpec(manifest.spec),
    tags: tagMapToList(withHistory(tagsForWrite(wantTags, ctx), candidates), "ecs"),
  };
  const call: PlannedCall = { operation: "ecs:RegisterTaskDefinition", input };
  const notes = foreignTwin
    ? { notes: [`revision ${foreignTwin.candidate.revision} has this content but is not owned by "${ctx.owner}": registering our own`] }
    : {};
  const action: Action = first
    ? { type: "update", ...base, changes: compared[0]?.changes ?? [], calls: [call], ...notes }
    : { type: "create", ...base, changes: writtenChanges(manifest.spec, ctx), calls: [call], ...notes };
  return { action, specHash: hash, resolved: { state: "pending", family: manifest.name, key: manifest.key } };
}

/** The earlier revisions' hashes ride along when the 50-tag limit leaves room (else a revert lists the family). */
function withHistory(tags: Record<string, string>, candidates: readonly LiveTaskDefinition[]): Record<string, string> {
  return Object.keys(tags).length < AWS_MAX_TAGS ? { ...tags, [EARLIER_REVISIONS_TAG]: historyTagValue(candidates) } : tags;
}

/**
 * The RegisterTaskDefinition fields of the spec exactly as the user wrote them, with only what AWS
 * requires converted: task cpu/memory are strings, and unit forms ("1 vCPU", "2 GB") are sent as
 * the integer string they mean. No default is added and nothing is reordered.
 */
function registerSpec(spec: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const field of taskDefinitionSpecFields) {
    const value = withoutNulls(spec[field]);
    if (value !== undefined) out[field] = value;
  }
  for (const [field, parse] of [
    ["cpu", parseTaskCpu],
    ["memory", parseTaskMemory],
  ] as const) {
    const value = out[field];
    if (value === undefined) continue;
    const parsed = parse(value);
    out[field] = parsed === undefined ? (typeof value === "number" ? String(value) : value) : String(parsed);
  }
  return out;
}

/** Explicit nulls mean "not set" (TD-5); the SDK would drop them anyway. */
function withoutNulls(value: JsonValue | undefined): JsonValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) return value.map(withoutNulls).filter((v): v is JsonValue => v !== undefined);
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const [key, v] of Object.entries(value)) {
      const w = withoutNulls(v);
      if (w !== undefined) out[key] = w;
    }
    return out;
  }
  return value;
}
