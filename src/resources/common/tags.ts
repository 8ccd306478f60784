import { ANNOTATION } from "../../manifests/annotations.js";
import type { Manifest } from "../../manifests/types.js";
import { isOlderSourceForm, otherRepository, sourceTagValue } from "./source-tag.js";
import { OWNER_TAG, PRUNE_TAG, REVISION_TAG, SOURCE_TAG, WRITE_ONLY_TAGS } from "../types.js";
import type { PlanContext } from "../types.js";
import path from "node:path";
import { emptyMap, isJsonObject, own } from "../../json.js";
import type { JsonValue } from "../../json.js";

export type TagMap = Record<string, string>;

/** A tag map without a prototype: a tag named `valueOf` or `constructor` is only a tag. */
function tagMap(...sources: readonly TagMap[]): TagMap {
  return Object.assign(emptyMap<string>(), ...sources);
}

/** Tags a managed resource should carry: the user's labels plus ownership (compared ones only). */
export function desiredTags(manifest: Manifest, ctx: PlanContext, extra: TagMap = {}): TagMap {
  return tagMap(
    manifest.labels,
    { [OWNER_TAG]: ctx.owner, [SOURCE_TAG]: sourceTagValue(ctx.repo, sourcePath(ctx.sourcePrefix, manifest.file)) },
    pruneTag(manifest),
    extra,
  );
}

/** The prune annotation travels as a tag: once the manifest is gone, the tag is what prune reads. "true" is the default: no tag. */
function pruneTag(manifest: Manifest): TagMap {
  const value = own(manifest.annotations, ANNOTATION.prune);
  return value === undefined || value === "true" ? {} : { [PRUNE_TAG]: value };
}

/** The path part of ecs-gitops:source: the manifest's path from the repository root, whatever folder a command was given. */
export function sourcePath(sourcePrefix: string | undefined, file: string): string {
  return sourcePrefix ? path.posix.join(sourcePrefix, file) : file;
}

/** The tags written with a create/update: desired plus the write-only revision tag. */
export function tagsForWrite(tags: TagMap, ctx: PlanContext): TagMap {
  return tagMap(tags, { [REVISION_TAG]: ctx.revision });
}

/** `[{key,value}]` (ECS) or `[{Key,Value}]` (EventBridge) → a map. Accepts absent/null. */
export function tagListToMap(list: JsonValue | undefined): TagMap {
  const out = tagMap();
  if (!Array.isArray(list)) return out;
  for (const tag of list) {
    if (!isJsonObject(tag)) continue;
    const key = tag["key"] ?? tag["Key"];
    const value = tag["value"] ?? tag["Value"];
    if (typeof key === "string") out[key] = typeof value === "string" ? value : "";
  }
  return out;
}

export function tagMapToList(tags: TagMap, style: "ecs" | "events"): JsonValue[] {
  return Object.keys(tags)
    .sort()
    .map((key) => (style === "ecs" ? { key, value: own(tags, key) ?? "" } : { Key: key, Value: own(tags, key) ?? "" }));
}

/** Comparable view of tags: write-only tags (revision) removed. */
export function comparableTags(tags: TagMap): TagMap {
  const out = tagMap();
  for (const key of Object.keys(tags).sort()) if (!WRITE_ONLY_TAGS.includes(key)) out[key] = own(tags, key) ?? "";
  return out;
}

/**
 * What TagResource must set and UntagResource must remove to turn `live` into `desired`. A source
 * tag in the older form (same file, no repository) alone is no reason to write; it is rewritten
 * along with any other tag write.
 */
export function diffTags(desired: TagMap, live: TagMap): { set: TagMap; remove: string[] } {
  const want = comparableTags(desired);
  const have = comparableTags(live);
  const set = tagMap();
  for (const [key, value] of Object.entries(want)) if (own(have, key) !== value) set[key] = value;
  if (Object.keys(set).length === 1 && isOlderSourceForm(own(have, SOURCE_TAG), own(set, SOURCE_TAG))) delete set[SOURCE_TAG];
  const remove = Object.keys(have).filter((key) => !Object.hasOwn(want, key) && !key.startsWith("aws:"));
  return { set, remove };
}

/** `other-repo`: our owner tag, but the source tag names another repository (another controller writes it). */
export type Ownership = "owned" | "adoptable" | "foreign" | "other-repo";

/**
 * Who may write a resource: this controller's owner and repository, and whether the manifest
 * adopts what is not ours.
 */
export type OwnerClaim = { owner: string; repo?: string | undefined; adopt: boolean };

export function claimOf(manifest: Manifest, ctx: PlanContext): OwnerClaim {
  return { owner: ctx.owner, repo: ctx.repo, adopt: own(manifest.annotations, ANNOTATION.adopt) === "true" };
}

/**
 * Is the live resource ours (owner tag matches, written from our repository), or may it be adopted
 * (annotation)? Adoption takes what no controller of our owner writes; it never takes a resource
 * from another repository of the same owner: `export` puts the annotation on every manifest, and
 * two repositories that both adopt would retag the resource back and forth on every resync.
 */
export function ownershipOf(liveTags: TagMap, claim: OwnerClaim): Ownership {
  if (own(liveTags, OWNER_TAG) === claim.owner) {
    return otherRepository(own(liveTags, SOURCE_TAG), claim.repo) === undefined ? "owned" : "other-repo";
  }
  return claim.adopt ? "adoptable" : "foreign";
}

/** Neither ours nor adopted: never written. */
export function isNotOurs(ownership: Ownership): boolean {
  return ownership === "foreign" || ownership === "other-repo";
}

export function ownership(liveTags: TagMap, manifest: Manifest, ctx: PlanContext): Ownership {
  return ownershipOf(liveTags, claimOf(manifest, ctx));
}
