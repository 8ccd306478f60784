import { accountIdFromArn, describeClusters, describeServices, describeTaskDefinition, listRules, listTagsForResource, listTargetsByRule } from "../aws/index.js";
import type { AwsClients } from "../aws/index.js";
import { isJsonObject } from "../json.js";
import type { JsonObject } from "../json.js";
import { AWS_DEFAULT_EVENT_BUS, clusterName, effectiveCluster, eventBusName } from "../manifests/identity.js";
import type { Manifest, ResourceKey } from "../manifests/types.js";
import type { LiveScheduledRule } from "../resources/scheduled-rule/normalize.js";
import { readLiveTaskDefinition } from "../resources/task-definition/normalize.js";
import type { LiveTaskDefinition } from "../resources/task-definition/plan.js";
import { planAll } from "./planner.js";
import type { LiveSnapshot, PlanResult, PlanSettings } from "./planner.js";

/**
 * Reads what AWS has for a set of manifests in as few calls as the APIs allow: services 10 per
 * DescribeServices (tags included), rules by listing each bus once, task definitions by the ARN
 * a managed service or rule target already uses (revisions are immutable, so they are cached by
 * ARN) and by family only when a plan would otherwise register a new revision.
 */
export class LiveReader {
  readonly #aws: AwsClients;
  readonly #revisions = new Map<string, LiveTaskDefinition>();
  #accountId: string | undefined;

  constructor(aws: AwsClients, options: { accountId?: string } = {}) {
    this.#aws = aws;
    this.#accountId = options.accountId;
  }

  get accountId(): string | undefined {
    return this.#accountId;
  }

  /** Plan against live state, fetching a family's latest revision only when it matters. */
  async plan(manifests: readonly Manifest[], settings: PlanSettings): Promise<{ result: PlanResult; snapshot: LiveSnapshot }> {
    let snapshot = await this.snapshot(manifests, settings);
    let result = planAll(manifests, snapshot, settings);
    if (result.needLatest.length > 0) {
      snapshot = await this.withLatest(snapshot, result.needLatest);
      result = planAll(manifests, snapshot, settings);
    }
    return { result, snapshot };
  }

  async snapshot(manifests: readonly Manifest[], settings: Pick<PlanSettings, "defaultCluster">): Promise<LiveSnapshot> {
    const services = await this.#readServices(manifests.filter((m) => m.kind === "Service"), settings.defaultCluster);
    const rules = await this.#readRules(manifests.filter((m) => m.kind === "ScheduledRule"));
    await this.#learnAccountId(manifests, settings.defaultCluster, services);
    const families = new Set(manifests.filter((m) => m.kind === "TaskDefinition").map((m) => m.name));
    const inUse = new Map<string, string[]>();
    const note = (arn: unknown) => {
      if (typeof arn !== "string") return;
      const family = familyOfArn(arn);
      if (family && families.has(family)) inUse.set(family, [...new Set([...(inUse.get(family) ?? []), arn])]);
    };
    for (const service of services.values()) note(service?.["taskDefinition"]);
    for (const rule of rules.values()) for (const target of rule?.targets ?? []) note(isJsonObject(target["EcsParameters"]) ? target["EcsParameters"]["TaskDefinitionArn"] : undefined);
    const revisions = new Map<string, LiveTaskDefinition[]>();
    const latestKnown = new Set<string>();
    for (const family of families) {
      const candidates: LiveTaskDefinition[] = [];
      for (const arn of inUse.get(family) ?? []) {
        const revision = await this.#revision(arn);
        if (revision) candidates.push(revision);
      }
      // Nothing in use: the latest revision is the only thing to compare with.
      if (candidates.length === 0) {
        latestKnown.add(family);
        const latest = await this.#revision(family);
        if (latest) candidates.push(latest);
      }
      revisions.set(family, candidates);
    }
    return { accountId: this.#accountId, revisions, latestKnown, services, rules };
  }

  async withLatest(snapshot: LiveSnapshot, families: readonly string[]): Promise<LiveSnapshot> {
    const revisions = new Map(snapshot.revisions);
    const latestKnown = new Set(snapshot.latestKnown);
    for (const family of families) {
      latestKnown.add(family);
      const latest = await this.#revision(family);
      const existing = revisions.get(family) ?? [];
      if (latest && !existing.some((r) => r.arn === latest.arn)) revisions.set(family, [...existing, latest]);
    }
    return { ...snapshot, revisions, latestKnown };
  }

  /** Tags on a cached revision changed (TagResource/UntagResource): read it again next time. */
  forgetRevision(arn: string): void {
    this.#revisions.delete(arn);
  }

  async #revision(familyOrArn: string): Promise<LiveTaskDefinition | undefined> {
    const cached = this.#revisions.get(familyOrArn);
    if (cached) return cached;
    const response = await describeTaskDefinition(this.#aws, familyOrArn);
    if (!response) return undefined;
    const live = readLiveTaskDefinition(response);
    if (!live?.arn || live.revision === undefined) return undefined;
    const revision: LiveTaskDefinition = { arn: live.arn, revision: live.revision, taskDefinition: live.taskDefinition, tags: live.tags };
    // Only immutable lookups are cached: by ARN, never by family (the latest moves).
    this.#revisions.set(revision.arn, revision);
    this.#accountId ??= accountIdFromArn(revision.arn);
    return revision;
  }

  async #readServices(manifests: readonly Manifest[], defaultCluster: string | undefined): Promise<Map<ResourceKey, JsonObject | undefined>> {
    const byCluster = new Map<string, Manifest[]>();
    for (const m of manifests) {
      const cluster = effectiveCluster(m.spec, defaultCluster);
      byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), m]);
    }
    const out = new Map<ResourceKey, JsonObject | undefined>();
    for (const [cluster, group] of byCluster) {
      const { services } = await describeServices(this.#aws, cluster, group.map((m) => m.name));
      for (const m of group) out.set(m.key, services.get(m.name));
    }
    return out;
  }

  async #readRules(manifests: readonly Manifest[]): Promise<Map<ResourceKey, LiveScheduledRule | undefined>> {
    const byBus = new Map<string, Manifest[]>();
    for (const m of manifests) {
      const bus = typeof m.spec["eventBusName"] === "string" ? eventBusName(m.spec["eventBusName"]) : AWS_DEFAULT_EVENT_BUS;
      byBus.set(bus, [...(byBus.get(bus) ?? []), m]);
    }
    const out = new Map<ResourceKey, LiveScheduledRule | undefined>();
    for (const [bus, group] of byBus) {
      const listed = new Map((await listRules(this.#aws, bus)).map((r) => [String(r["Name"]), r]));
      for (const m of group) {
        const rule = listed.get(m.name);
        if (!rule) {
          out.set(m.key, undefined);
          continue;
        }
        const targets = await listTargetsByRule(this.#aws, bus, m.name);
        const tags = typeof rule["Arn"] === "string" ? await listTagsForResource(this.#aws, rule["Arn"]) : [];
        out.set(m.key, { rule, targets, tags });
      }
    }
    return out;
  }

  /** Rule targets and `family:rev` pins need ARNs; any live ARN, or the clusters, tell the account. */
  async #learnAccountId(manifests: readonly Manifest[], defaultCluster: string | undefined, services: ReadonlyMap<ResourceKey, JsonObject | undefined>): Promise<void> {
    if (this.#accountId) return;
    for (const service of services.values()) {
      const arn = service?.["serviceArn"];
      if (typeof arn === "string") this.#accountId ??= accountIdFromArn(arn);
    }
    if (this.#accountId) return;
    const clusters = new Set<string>();
    for (const m of manifests) {
      if (m.kind === "Service") clusters.add(effectiveCluster(m.spec, defaultCluster));
      if (m.kind === "ScheduledRule") {
        for (const target of Array.isArray(m.spec["targets"]) ? m.spec["targets"] : []) {
          if (isJsonObject(target)) clusters.add(typeof target["cluster"] === "string" ? clusterName(target["cluster"]) : (defaultCluster ?? "default"));
        }
      }
    }
    if (clusters.size === 0) return;
    for (const cluster of await describeClusters(this.#aws, [...clusters])) {
      const arn = cluster["clusterArn"];
      if (typeof arn === "string") this.#accountId ??= accountIdFromArn(arn);
    }
  }
}

/** `arn:aws:ecs:r:a:task-definition/web:7` → `web`. */
export function familyOfArn(arn: string): string | undefined {
  return /:task-definition\/([^:]+):\d+$/.exec(arn)?.[1];
}
