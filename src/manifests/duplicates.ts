import { problem } from "./parse.js";
import type { Manifest, Problem } from "./types.js";

/** The places a duplicate identity's message names; the rest are counted. */
const MAX_PLACES_LISTED = 10;

/**
 * Two documents with one identity: an error naming both places; neither is managed. Linear in the
 * documents and in the text of the messages: a commit of thousands of copies must not stall a load.
 */
export function dropDuplicates(manifests: Manifest[], problems: Problem[]): Manifest[] {
  const byKey = new Map<string, Manifest[]>();
  for (const m of manifests) {
    const group = byKey.get(m.key);
    if (group === undefined) byKey.set(m.key, [m]);
    else group.push(m);
  }
  const out: Manifest[] = [];
  for (const [key, group] of byKey) {
    if (group.length === 1) {
      out.push(group[0]!);
      continue;
    }
    const listed = group.slice(0, MAX_PLACES_LISTED).map((m) => `${m.file}:${m.position.line}`);
    const more = group.length - listed.length;
    const places = more > 0 ? `${listed.join(", ")} and ${more} more` : listed.join(" and ");
    const times = group.length === 2 ? "twice" : `${group.length} times`;
    for (const m of group) {
      problems.push(problem(m.position, "DuplicateIdentity", `${key} is defined ${times}: ${places} (keep one)`, { key }));
    }
  }
  return out;
}
