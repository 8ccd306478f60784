import { taggedResources } from "../aws/index.js";
import type { AwsClients } from "../aws/index.js";
import { isEcsGitopsError } from "../errors.js";
import type { JsonObject } from "../json.js";
import { OWNER_TAG } from "../resources/types.js";
import type { LiveCache } from "./live-cache.js";

/**
 * A rule's tags (ownership, spec hash) on a cold start without one ListTagsForResource per rule:
 * the Resource Groups Tagging API lists every rule carrying an owner tag, with all its tags, 100
 * a page. What it does not return (created seconds ago, its index lags; an endpoint that does not
 * support `events:rule`, as moto_server; a rule without our tag) is still read one by one, so the
 * answer is the same either way, only cheaper. An endpoint that answers with nothing at all, or an
 * error other than throttling (no `tag:GetResources` permission), is not asked again by this process.
 */
export class RuleTagsPrefetch {
  /** Where the tags come from and go to: the clients, the reader's cache, its read pacing and clock. */
  readonly #with: {
    aws: AwsClients;
    cache: LiveCache;
    read: <T>(read: () => Promise<T>) => Promise<T>;
    now: () => number;
  };
  #useful = true;
  #wave: Promise<Map<string, JsonObject[]> | undefined> | undefined;

  constructor(aws: AwsClients, cache: LiveCache, read: <T>(read: () => Promise<T>) => Promise<T>, now: () => number) {
    this.#with = { aws, cache, read, now };
  }

  /** A new wave: the next rules without fresh tags are looked up afresh. */
  startWave(): void {
    this.#wave = undefined;
  }

  /** Caches the tags of those of `rules` (ListRules entries of `bus`) whose tags are not cached, where the Tagging API has them. */
  async fill(bus: string, rules: readonly JsonObject[]): Promise<void> {
    if (!this.#useful) return;
    const missing = rules.filter((rule) => {
      const arn = rule["Arn"];
      const cached = typeof arn === "string" ? this.#with.cache.ruleTags.get(arn) : undefined;
      return typeof arn === "string" && !(cached !== undefined && cached.expiresAt > this.#with.now());
    });
    // One ListTagsForResource costs what one page costs.
    if (missing.length < 2) return;
    this.#wave ??= this.#lookUp();
    const tagged = await this.#wave;
    if (tagged === undefined) return;
    for (const rule of missing) {
      const arn = String(rule["Arn"]);
      const tags = tagged.get(arn);
      if (tags !== undefined)
        this.#with.cache.ruleTags.set(arn, { bus, name: String(rule["Name"]), tags, expiresAt: this.#with.cache.expiry() });
    }
  }

  async #lookUp(): Promise<Map<string, JsonObject[]> | undefined> {
    try {
      const tagged = await this.#with.read(() => taggedResources(this.#with.aws, "events:rule", OWNER_TAG));
      if (tagged.size === 0) this.#useful = false;
      return tagged;
    } catch (error) {
      if (!isEcsGitopsError(error) || error.code !== "Throttled") this.#useful = false;
      return undefined;
    }
  }
}
