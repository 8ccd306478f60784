import { ANNOTATION } from "../../manifests/annotations.js";
import { diffValues, parseIgnorePath, withoutIgnored } from "../../diff/structural.js";
import { emptyMap, formatPath, isJsonObject, own } from "../../json.js";
import type { JsonObject, JsonValue } from "../../json.js";
import type { Manifest } from "../../manifests/types.js";
import { OWNER_TAG, SOURCE_TAG } from "../types.js";
import { otherRepository } from "./source-tag.js";
import type { Action, Change, PlanContext, PlannedCall } from "../types.js";
import { compact } from "./normalize-util.js";
import { diffTags, tagMapToList, tagsForWrite } from "./tags.js";
import type { TagMap } from "./tags.js";

export type TagChange = { key: string; change: Change };

/** Global ignore-differences (ctx) plus the resource's annotation, as path segments. */
export function ignoreRulesOf(manifest: Manifest, ctx: PlanContext): string[][] {
  const fromAnnotation = (own(manifest.annotations, ANNOTATION.ignoreDifferences) ?? "").split(/[,\n]/);
  return [...ctx.ignoreDifferences, ...fromAnnotation, ...(manifest.derivedIgnores ?? [])]
    .map(parseIgnorePath)
    .filter((rule) => rule.length > 0);
}

/**
 * What a create shows: the spec as the user wrote it, one change per field, without the defaults
 * normalization fills in (nulls and empty lists dropped, as AWS ignores them).
 */
export function writtenChanges(spec: JsonObject, ctx: PlanContext): Change[] {
  const written = compact(spec);
  return diffValues(isJsonObject(written) ? written : {}, {}, [], ctx.isSecret);
}

/** Tag differences as `/tags/<key>` changes (so ignore-differences applies to them too), sorted by key. */
export function diffTagChanges(want: TagMap, live: TagMap, ignored: readonly string[][]): TagChange[] {
  const { set, remove } = diffTags(want, live);
  const all: TagChange[] = [
    ...Object.keys(set).map((key) => ({ key, change: { path: formatPath(["tags", key]), desired: own(set, key), live: own(live, key) } })),
    ...remove.map((key) => ({ key, change: { path: formatPath(["tags", key]), desired: undefined, live: own(live, key) } })),
  ];
  const kept = new Set(
    withoutIgnored(
      all.map((t) => t.change),
      ignored,
    ),
  );
  return all.filter((t) => kept.has(t.change)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * TagResource for changed tags, UntagResource for removed ones, in the service's own shape. The
 * write-only revision tag rides along with tag writes only: the spec-hash tag changes exactly
 * when git changes the resource, so a deploy records its commit without an extra call on heals.
 */
export function tagCalls(resourceArn: string, changes: readonly TagChange[], ctx: PlanContext, service: "ecs" | "events"): PlannedCall[] {
  const set = emptyMap<string>();
  const remove: string[] = [];
  for (const { key, change } of changes) {
    if (typeof change.desired === "string") set[key] = change.desired;
    else remove.push(key);
  }
  const calls: PlannedCall[] = [];
  const tags = tagMapToList(tagsForWrite(set, ctx), service);
  if (service === "ecs") {
    if (Object.keys(set).length > 0) calls.push({ operation: "ecs:TagResource", input: { resourceArn, tags } });
    if (remove.length > 0) calls.push({ operation: "ecs:UntagResource", input: { resourceArn, tagKeys: remove } });
  } else {
    if (Object.keys(set).length > 0) calls.push({ operation: "events:TagResource", input: { ResourceARN: resourceArn, Tags: tags } });
    if (remove.length > 0) calls.push({ operation: "events:UntagResource", input: { ResourceARN: resourceArn, TagKeys: remove } });
  }
  return calls;
}

/**
 * Inside a sub-object about to be sent whole (UpdateService takes `deploymentConfiguration` as a
 * unit), put back the live value at an ignored path, so ignoring a nested field never reverts it.
 * `*` matches every key or index. Mutates `target`.
 */
export function keepLiveAt(target: JsonValue, live: JsonValue | undefined, path: readonly string[]): void {
  const [head, ...rest] = path;
  if (head === undefined || typeof target !== "object" || target === null) return;
  const container = target as Record<string, JsonValue>;
  const liveContainer = typeof live === "object" && live !== null ? (live as Record<string, JsonValue>) : undefined;
  const keys = head === "*" ? [...new Set([...Object.keys(container), ...Object.keys(liveContainer ?? {})])] : [head];
  for (const key of keys) {
    const liveValue = own(liveContainer, key);
    if (rest.length > 0) {
      const child = own(container, key);
      if (child !== undefined) keepLiveAt(child, liveValue, rest);
    } else if (Array.isArray(container)) {
      if (liveValue !== undefined) container[Number(key)] = structuredClone(liveValue);
    } else if (liveValue === undefined) {
      delete container[key];
    } else {
      container[key] = structuredClone(liveValue);
    }
  }
}

export function quoteOrAbsent(value: string | undefined): string {
  return value === undefined ? "absent" : `"${value}"`;
}

/**
 * The resource exists in AWS but another owner's tag (or none) is on it: never touched unless the
 * manifest says to adopt it (docs/design.md#ownership). `what` names it: `service "web"`.
 */
export function notOwned(
  manifest: Manifest,
  ctx: PlanContext,
  liveTags: TagMap,
  changes: Change[],
  what: string,
  scope = "it",
): Extract<Action, { type: "blocked" }> {
  const writer = liveTags[OWNER_TAG] === ctx.owner ? otherRepository(liveTags[SOURCE_TAG], ctx.repo) : undefined;
  const why =
    writer !== undefined
      ? {
          reason:
            `${what} is owned by ${writer} (tag ${SOURCE_TAG} is "${liveTags[SOURCE_TAG] ?? ""}"): ` +
            `another repository with owner "${ctx.owner}" manages it`,
          hint:
            `define it in one repository only: remove it from ${manifest.file} or ` +
            `from ${writer}; to move it here, remove it there, then delete the ${SOURCE_TAG} ` +
            `tag on the resource (aws ecs untag-resource / aws events untag-resource); ` +
            `the next sync writes ours`,
        }
      : {
          reason:
            `${what} already exists and is not owned by "${ctx.owner}" (tag ${OWNER_TAG} ` +
            `is ${quoteOrAbsent(own(liveTags, OWNER_TAG))})`,
          hint:
            `to manage ${scope}, add the annotation ${ANNOTATION.adopt}: "true" in ${manifest.file}; ` +
            `otherwise choose another metadata.name`,
        };
  return { type: "blocked", code: "NotOwned", key: manifest.key, kind: manifest.kind, changes, ...why };
}
