import type { JsonObject } from "../json.js";
import type { ResourceKey } from "../manifests/types.js";
import type { LiveScalableTarget } from "./scalable-target/normalize.js";
import type { LiveSchedule } from "./schedule/normalize.js";
import type { LiveScheduledRule } from "./scheduled-rule/normalize.js";
import type { LiveTaskDefinition } from "./task-definition/plan.js";
import type { TaskDefinitionCache } from "./task-definition/read-cache.js";

/** What the AWS side looks like for the resources a plan covers (read by live-state.ts). */
export type LiveSnapshot = {
  accountId: string | undefined;
  /** Candidate revisions per family, in preference order (in use by a managed service first). */
  revisions: ReadonlyMap<string, readonly LiveTaskDefinition[]>;
  /** Families whose latest ACTIVE revision is among the candidates. */
  latestKnown: ReadonlySet<string>;
  /** Families whose earlier revisions a plan about to register has looked through (a `git revert` reuses one). */
  earlierRead?: ReadonlySet<string>;
  /**
   * The latest ACTIVE revision's ARN (undefined: none) of each family the repo does not manage
   * that a Service names by an ARN without a revision; read afresh for every plan.
   */
  latestActive?: ReadonlyMap<string, string | undefined>;
  services: ReadonlyMap<ResourceKey, JsonObject | undefined>;
  rules: ReadonlyMap<ResourceKey, LiveScheduledRule | undefined>;
  /** GetSchedule per Schedule key (undefined: missing); absent when the set has no schedules. */
  schedules?: ReadonlyMap<ResourceKey, LiveSchedule | undefined>;
  scalableTargets?: ReadonlyMap<ResourceKey, LiveScalableTarget | undefined>;
  /** What a kind without a field of its own read, by resource key (its plug-in knows the shape). */
  resources?: ReadonlyMap<ResourceKey, JsonObject | undefined>;
};

/** What a kind's batched read adds to a snapshot: the field(s) of its own kind. */
export type LiveReads = Partial<
  Pick<
    LiveSnapshot,
    "services" | "rules" | "schedules" | "scalableTargets" | "resources" | "revisions" | "latestKnown" | "latestActive" | "earlierRead"
  >
>;

/** A rule's tags as last read or written, and when they are read again. */
export type CachedRuleTags = { bus: string; name: string; tags: JsonObject[]; expiresAt: number };

/** Facts too costly to read on every resync, kept by the reader between waves and kept true by our own writes. */
export type ReadCache = TaskDefinitionCache & {
  readonly ruleTags: Map<string, CachedRuleTags>;
  /** GetSchedule answers by schedule ARN, with the LastModificationDate ListSchedules showed them at. */
  readonly schedules: Map<string, { modified: string; schedule: LiveSchedule }>;
  expiry(): number;
};
