import { taggedResources } from "../../aws/index.js";
import { isEcsGitopsError } from "../../errors.js";
import type { JsonObject } from "../../json.js";
import { onePerObject } from "../common/memo.js";
import type { KindReadIo } from "../kind-plugin.js";
import type { ReadCache } from "../live-snapshot.js";
import { OWNER_TAG } from "../types.js";

/**
 * A rule's tags (ownership, spec hash) on a cold start without one ListTagsForResource per rule:
 * the Resource Groups Tagging API lists every rule carrying an owner tag, with all its tags, 100
 * a page. What it does not return (created seconds ago, its index lags; an endpoint that does not
 * support `events:rule`, as moto_server; a rule without our tag) is still read one by one, so the
 * answer is the same either way, only cheaper. An endpoint that answers with nothing at all, or an
 * error other than throttling (no `tag:GetResources` permission), is not asked again by this reader.
 */

/** Readers (by their cache, which lives as long as the reader) for which the Tagging API proved useless. */
const useless = new WeakSet<ReadCache>();

/** One look-up per snapshot (each snapshot has its own `io`), shared by every bus read in it. */
const lookUpOnce = onePerObject((io: KindReadIo) => lookUp(io));

/** Caches the tags of those of `rules` (ListRules entries of `bus`) whose tags are not cached, where the Tagging API has them. */
export async function prefetchRuleTags(io: KindReadIo, bus: string, rules: readonly JsonObject[]): Promise<void> {
  if (useless.has(io.cache)) return;
  const missing = rules.filter((rule) => {
    const arn = rule["Arn"];
    const cached = typeof arn === "string" ? io.cache.ruleTags.get(arn) : undefined;
    return typeof arn === "string" && !(cached !== undefined && cached.expiresAt > io.now());
  });
  // One ListTagsForResource costs what one page costs.
  if (missing.length < 2) return;
  const tagged = await lookUpOnce(io);
  if (tagged === undefined) return;
  for (const rule of missing) {
    const arn = String(rule["Arn"]);
    const tags = tagged.get(arn);
    if (tags !== undefined) io.cache.ruleTags.set(arn, { bus, name: String(rule["Name"]), tags, expiresAt: io.cache.expiry() });
  }
}

async function lookUp(io: KindReadIo): Promise<Map<string, JsonObject[]> | undefined> {
  try {
    const tagged = await io.read(() => taggedResources(io.aws, "events:rule", OWNER_TAG));
    if (tagged.size === 0) useless.add(io.cache);
    return tagged;
  } catch (error) {
    if (!isEcsGitopsError(error) || error.code !== "Throttled") useless.add(io.cache);
    return undefined;
  }
}
