import { EARLIER_REVISIONS_TAG, SPEC_HASH_TAG } from "../types.js";
import type { LiveTaskDefinition } from "./normalize.js";

/**
 * The content hashes of a family's earlier revisions, carried on each revision we register as
 * the tag `ecs-gitops:earlier` ("12=<hash> 11=<hash> …", newest first). The revision a cold read
 * describes anyway (the family's latest) thus tells which earlier revision a `git revert` would
 * find identical: that one is described by ARN, and a new image (a hash no entry has) registers
 * without listing the family (docs/deploys.md#git-revert). Pure.
 */

/** Hex digits of the spec hash kept per entry: a hint only, the plan compares the content it describes. */
const HASH_CHARS = 16;
/** ECS tag values hold 256 characters. */
const MAX_VALUE_CHARS = 256;
const MAX_ENTRIES = 10;
/** The value of a revision registered when the family had no revision of ours. */
const NONE = "-";

export type HistoryEntry = { revision: number; hash: string };

/** `undefined`: the tag is absent (a revision registered by hand, or before the tag existed). */
export function parseHistory(value: string | undefined): HistoryEntry[] | undefined {
  if (value === undefined) return undefined;
  const entries: HistoryEntry[] = [];
  for (const part of value.split(" ")) {
    const match = /^(\d+)=([0-9a-f]+)$/.exec(part);
    if (match) entries.push({ revision: Number(match[1]), hash: match[2]! });
  }
  return entries;
}

/** What the candidates tell of the family: each of ours itself, plus the entries its tag carries. Newest first. */
function knownHistory(candidates: readonly LiveTaskDefinition[]): { entries: HistoryEntry[]; tagged: boolean } {
  const byRevision = new Map<number, string>();
  let tagged = false;
  for (const candidate of candidates) {
    const own = candidate.tags[SPEC_HASH_TAG];
    if (own !== undefined) byRevision.set(candidate.revision, own.slice(0, HASH_CHARS));
    const carried = parseHistory(candidate.tags[EARLIER_REVISIONS_TAG]);
    if (carried === undefined) continue;
    tagged = true;
    for (const entry of carried) if (!byRevision.has(entry.revision)) byRevision.set(entry.revision, entry.hash);
  }
  const entries = [...byRevision].map(([revision, hash]) => ({ revision, hash })).sort((a, b) => b.revision - a.revision);
  return { entries, tagged };
}

/** The tag value for a revision registered now: the newest entries that fit one tag value. */
export function historyTagValue(candidates: readonly LiveTaskDefinition[]): string {
  const parts: string[] = [];
  let length = 0;
  for (const { revision, hash } of knownHistory(candidates).entries.slice(0, MAX_ENTRIES)) {
    const part = `${revision}=${hash}`;
    if (length + part.length + (parts.length > 0 ? 1 : 0) > MAX_VALUE_CHARS) break;
    length += part.length + (parts.length > 0 ? 1 : 0);
    parts.push(part);
  }
  return parts.length > 0 ? parts.join(" ") : NONE;
}

/**
 * Earlier revisions (ARNs) whose recorded hash is `hash` and that are not candidates yet: the ones
 * worth describing before registering. "unknown" when no candidate carries the tag: only listing
 * the family can tell then.
 */
export function twinsOf(candidates: readonly LiveTaskDefinition[], hash: string): string[] | "unknown" {
  const { entries, tagged } = knownHistory(candidates);
  const first = candidates[0];
  if (!tagged || first === undefined) return "unknown";
  const read = new Set(candidates.map((c) => c.revision));
  const prefix = hash.slice(0, HASH_CHARS);
  const base = first.arn.replace(/:\d+$/, "");
  return entries.filter((e) => e.hash === prefix && !read.has(e.revision)).map((e) => `${base}:${e.revision}`);
}
