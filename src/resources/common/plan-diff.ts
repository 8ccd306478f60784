import { diffValues, withoutIgnored } from "../../diff/structural.js";
import type { JsonObject } from "../../json.js";
import { ANNOTATION } from "../../manifests/annotations.js";
import type { Manifest } from "../../manifests/types.js";
import type { Action, BlockedCode, Change, PlanContext } from "../types.js";
import { diffTagChanges, writtenChanges } from "./plan-util.js";
import type { TagChange } from "./plan-util.js";
import type { Ownership, TagMap } from "./tags.js";

/*
 * The steps every kind's plan takes the same way: compare (ignore rules applied to spec and tags
 * alike), say what a create writes, note what an update leaves alone or takes over, refuse.
 */

/** One resource compared: every spec difference, those left after the ignore rules, and the tag differences. */
export type ResourceDiff = { all: Change[]; spec: Change[]; tags: TagChange[] };

export function diffResource(
  want: JsonObject,
  have: JsonObject,
  tags: { want: TagMap; live: TagMap },
  ignored: readonly string[][],
  ctx: PlanContext,
): ResourceDiff {
  const all = diffValues(want, have, [], ctx.isSecret);
  return { all, spec: withoutIgnored(all, ignored), tags: diffTagChanges(tags.want, tags.live, ignored) };
}

/** The spec and tag changes an update shows, in that order. */
export function changesOf(diff: ResourceDiff): Change[] {
  return [...diff.spec, ...diff.tags.map((t) => t.change)];
}

/** What a create shows: the spec as written (see writtenChanges) and every tag it sets. */
export function createChanges(written: JsonObject, wantTags: TagMap, ctx: PlanContext): Change[] {
  return [...writtenChanges(written, ctx), ...diffTagChanges(wantTags, {}, []).map((t) => t.change)];
}

/** How many differences the ignore rules hid, as a plan note (none when they hid nothing). */
export function ignoredNotes(diff: Pick<ResourceDiff, "all" | "spec">): string[] {
  const hidden = diff.all.length - diff.spec.length;
  return hidden > 0 ? [`${hidden} difference(s) ignored (${ANNOTATION.ignoreDifferences})`] : [];
}

/** The note that a write takes over an existing resource through the adopt annotation; `what`: `service`, `rule`. */
export function adoptionNotes(owner: Ownership, writes: boolean, what: string): string[] {
  return writes && owner === "adoptable" ? [`adopting the existing ${what} (${ANNOTATION.adopt})`] : [];
}

/** A plan that writes nothing until the user acts: why, and what to do. */
export function blocked(
  manifest: Pick<Manifest, "key" | "kind">,
  code: BlockedCode,
  changes: Change[],
  why: { reason: string; hint: string },
): Extract<Action, { type: "blocked" }> {
  return { type: "blocked", code, key: manifest.key, kind: manifest.kind, changes, ...why };
}

/** A task definition reference that does not resolve (yet): nothing is written until it does. `reason` names the reference. */
export function unresolvedReference(manifest: Pick<Manifest, "key" | "kind">, reason: string): Extract<Action, { type: "blocked" }> {
  return blocked(manifest, "DependencyNotReady", [], {
    reason,
    hint: "fix the reference, or define that task definition family in the repository",
  });
}
