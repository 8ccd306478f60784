import { isJsonObject } from "../json.js";
import type { JsonObject } from "../json.js";
import { isArn } from "./arn.js";
import type { AwsClients } from "./clients.js";
import { describeTaskDefinition } from "./ecs-read.js";

const DEFAULT_MAX_ENTRIES = 5_000;

function arnOf(described: JsonObject): string | undefined {
  const taskDefinition = described["taskDefinition"];
  if (!isJsonObject(taskDefinition)) return undefined;
  const arn = taskDefinition["taskDefinitionArn"];
  return typeof arn === "string" ? arn : undefined;
}

/**
 * DescribeTaskDefinition results keyed by full revision ARN. A revision's content never changes,
 * so a hit saves a call from the 20/s "task definition read" bucket shared with ListTaskDefinitions.
 *
 * What can go stale: its `tags` (TagResource/UntagResource by anyone) and `status` (ACTIVE →
 * INACTIVE on deregistration). Whoever changes either through this process calls
 * `invalidate(arn)`; a periodic resync that must see foreign tag edits calls `clear()`.
 * Lookups by family or `family:revision` always ask AWS (the latest revision moves), but the
 * answer is cached under its ARN. Oldest entries are evicted past `maxEntries`.
 */
export class TaskDefinitionCache {
  readonly #entries = new Map<string, JsonObject>();
  readonly #maxEntries: number;
  #hits = 0;
  #misses = 0;

  constructor(options: { maxEntries?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  /** `{ taskDefinition, tags }` for an ARN (cached) or a family / `family:revision` (not cached by that name). */
  async get(clients: AwsClients, familyOrArn: string): Promise<JsonObject | undefined> {
    const cached = isArn(familyOrArn) ? this.#entries.get(familyOrArn) : undefined;
    if (cached !== undefined) {
      this.#hits += 1;
      return cached;
    }
    this.#misses += 1;
    const described = await describeTaskDefinition(clients, familyOrArn);
    if (described !== undefined) this.set(described);
    return described;
  }

  /** Adds a described revision (e.g. the RegisterTaskDefinition response with the tags sent). */
  set(described: JsonObject): void {
    const arn = arnOf(described);
    if (arn === undefined) return;
    this.#entries.delete(arn);
    this.#entries.set(arn, described);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }

  /** Forget one revision: after tagging, untagging or deregistering it. */
  invalidate(arn: string): void {
    this.#entries.delete(arn);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }

  stats(): { hits: number; misses: number; size: number } {
    return { hits: this.#hits, misses: this.#misses, size: this.#entries.size };
  }
}
