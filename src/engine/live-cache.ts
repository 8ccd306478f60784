import { assertNever } from "../assert-never.js";
import { accountIdFromArn } from "../aws/index.js";
import { familyOfArn } from "../aws/arn.js";
import { jittered } from "../jitter.js";
import { isJsonObject } from "../json.js";
import type { JsonObject } from "../json.js";
import { busOf } from "../resources/scheduled-rule/bus.js";
import type { CachedRuleTags } from "../resources/live-snapshot.js";
import type { LiveSchedule } from "../resources/schedule/normalize.js";
import { tagListToMap } from "../resources/common/tags.js";
import { readLiveTaskDefinition } from "../resources/task-definition/normalize.js";
import type { LiveTaskDefinition } from "../resources/task-definition/plan.js";
import type { PlannedCall } from "../resources/types.js";

export type LiveReaderOptions = {
  accountId?: string | undefined;
  /** Reads in flight at once; each is still paced by the clients' rate limiter. Default 8. */
  readConcurrency?: number | undefined;
  /**
   * How long facts that are too costly to read on every resync are trusted: a rule's tags (one
   * ListTagsForResource per rule) and a family's latest revision (a DescribeTaskDefinition by
   * family). Each entry lives this long ±10 %, so refreshes spread over several resyncs. Our own
   * writes update both at once. 0 reads them every time. Default 1 h.
   */
  refreshMs?: number | undefined;
  now?: (() => number) | undefined;
  random?: (() => number) | undefined;
};

export const DEFAULT_READ_CONCURRENCY = 8;
export const DEFAULT_REFRESH_MS = 3_600_000;
/** Extra tries of a read that stayed throttled through the SDK's retries: pauses of ~1, 2, 4, 8 s. */

export type LatestRevision = { arn: string | undefined; expiresAt: number };
export type { CachedRuleTags };

export type LiveCacheOptions = { accountId: string | undefined; refreshMs: number; now: () => number; random: () => number };

/**
 * What the reader keeps between waves (see LiveReader for what is re-read when), and how our own
 * writes keep it true. Owned by one LiveReader.
 */
export class LiveCache {
  /** Revisions by ARN. */
  readonly revisions = new Map<string, LiveTaskDefinition>();
  /** Each family's latest ACTIVE revision. */
  readonly latest = new Map<string, LatestRevision>();
  /** By rule ARN. */
  readonly ruleTags = new Map<string, CachedRuleTags>();
  /** GetSchedule answers by schedule ARN, kept while ListSchedules shows the same LastModificationDate. */
  readonly schedules = new Map<string, { modified: string; schedule: LiveSchedule }>();
  accountId: string | undefined;
  readonly #o: LiveCacheOptions;

  constructor(options: LiveCacheOptions) {
    this.#o = options;
    this.accountId = options.accountId;
  }

  /** When an entry read now is read again. */
  expiry(): number {
    return this.#o.now() + jittered(this.#o.refreshMs, 0.1, this.#o.random);
  }

  /** Cached by ARN only (immutable content), never by family: the latest moves. */
  remember(revision: LiveTaskDefinition): void {
    this.revisions.set(revision.arn, revision);
    this.accountId ??= accountIdFromArn(revision.arn);
  }

  /**
   * Keep the caches true after one of our own writes succeeded (as apply returned it): a
   * registered revision is known without a describe, tag writes update the cached tags.
   */
  recordWrite(call: PlannedCall, output: JsonObject): void {
    const input = call.input;
    switch (call.operation) {
      case "ecs:RegisterTaskDefinition": {
        const tags = Array.isArray(output["tags"]) && output["tags"].length > 0 ? output["tags"] : (input["tags"] ?? []);
        const live = readLiveTaskDefinition({ taskDefinition: output["taskDefinition"] ?? null, tags });
        if (!live?.arn || live.revision === undefined) return;
        this.remember({ arn: live.arn, revision: live.revision, taskDefinition: live.taskDefinition, tags: live.tags });
        const family = familyOfArn(live.arn);
        if (family) this.latest.set(family, { arn: live.arn, expiresAt: this.expiry() });
        return;
      }
      case "ecs:DeregisterTaskDefinition": {
        const arn = stringAt(input, "taskDefinition");
        if (arn === undefined) return;
        this.revisions.delete(arn);
        const family = familyOfArn(arn);
        if (family && this.latest.get(family)?.arn === arn) this.latest.delete(family);
        return;
      }
      case "ecs:TagResource":
      case "ecs:UntagResource": {
        const arn = stringAt(input, "resourceArn");
        const cached = arn === undefined ? undefined : this.revisions.get(arn);
        if (cached === undefined) return;
        const tags = { ...cached.tags, ...tagListToMap(input["tags"]) };
        for (const key of stringsAt(input, "tagKeys")) delete tags[key];
        this.revisions.set(cached.arn, { ...cached, tags });
        return;
      }
      case "ecs:CreateService":
      case "ecs:UpdateService":
      case "ecs:DeleteService": {
        const service = output["service"];
        const arn = isJsonObject(service) ? service["serviceArn"] : undefined;
        if (typeof arn === "string") this.accountId ??= accountIdFromArn(arn);
        return;
      }
      case "events:PutRule": {
        const arn = stringAt(output, "RuleArn");
        if (arn === undefined) return;
        this.accountId ??= accountIdFromArn(arn);
        // Tags go only with the PutRule that creates a rule: then they are all the rule has.
        if (Array.isArray(input["Tags"]))
          this.ruleTags.set(arn, {
            bus: busOf(input["EventBusName"]),
            name: stringAt(input, "Name") ?? "",
            tags: input["Tags"].filter(isJsonObject),
            expiresAt: this.expiry(),
          });
        return;
      }
      case "events:TagResource":
      case "events:UntagResource": {
        const arn = stringAt(input, "ResourceARN");
        const cached = arn === undefined ? undefined : this.ruleTags.get(arn);
        if (arn === undefined || cached === undefined) return;
        const added = Array.isArray(input["Tags"]) ? input["Tags"].filter(isJsonObject) : [];
        const removed = new Set([...stringsAt(input, "TagKeys"), ...added.map((t) => t["Key"])]);
        this.ruleTags.set(arn, { ...cached, tags: [...cached.tags.filter((t) => !removed.has(t["Key"] ?? null)), ...added] });
        return;
      }
      case "events:DeleteRule": {
        const bus = busOf(input["EventBusName"]);
        for (const [arn, cached] of this.ruleTags) if (cached.bus === bus && cached.name === input["Name"]) this.ruleTags.delete(arn);
        return;
      }
      case "events:PutTargets":
      case "events:RemoveTargets":
      // CodeDeploy moves the service's revision itself; the next DescribeServices shows it.
      case "codedeploy:CreateDeployment":
        return;
      // Their readers (resources/schedule/read.ts, resources/scalable-target/read.ts) see the change on the next read.
      case "scheduler:CreateSchedule":
      case "scheduler:UpdateSchedule":
      case "application-autoscaling:RegisterScalableTarget":
      case "application-autoscaling:PutScalingPolicy":
      case "application-autoscaling:DeleteScalingPolicy":
        return;
      default:
        assertNever(call.operation, "write operation");
    }
  }

  /**
   * One of our writes failed or was refused. A registration may still have landed (its response
   * was lost): the family's latest revision is read afresh before the next plan, so it is reused
   * rather than registered a second time. A rule's cached tags are dropped the same way.
   */
  recordFailedWrite(call: PlannedCall): void {
    if (call.operation === "ecs:RegisterTaskDefinition") {
      const family = stringAt(call.input, "family");
      if (family !== undefined) this.latest.delete(family);
      return;
    }
    if (call.operation === "ecs:TagResource" || call.operation === "ecs:UntagResource") {
      const arn = stringAt(call.input, "resourceArn");
      if (arn !== undefined) this.revisions.delete(arn);
      return;
    }
    // A rule write refused or failed: its tags (ownership) are read again by the next plan.
    const name = stringAt(call.input, "Name") ?? stringAt(call.input, "Rule");
    if (!call.operation.startsWith("events:") || name === undefined) return;
    const bus = busOf(call.input["EventBusName"]);
    for (const [arn, cached] of this.ruleTags) if (cached.bus === bus && cached.name === name) this.ruleTags.delete(arn);
  }

  forget(): void {
    this.revisions.clear();
    this.latest.clear();
    this.ruleTags.clear();
  }
}

export { familyOfArn };

export { busOf };

function stringAt(object: JsonObject, key: string): string | undefined {
  const value = object[key];
  return typeof value === "string" ? value : undefined;
}

function stringsAt(object: JsonObject, key: string): string[] {
  const value = object[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}
