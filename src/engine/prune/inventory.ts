import {
  describeClusterServices,
  describeTaskDefinition,
  listRules,
  listTagsForResource,
  listTargetsByRule,
  listTaskDefinitionArns,
} from "../../aws/index.js";
import type { AwsClients } from "../../aws/index.js";
import { isJsonObject } from "../../json.js";
import type { JsonObject } from "../../json.js";
import type { ResourceKey } from "../../manifests/types.js";
import { tagListToMap } from "../../resources/common/tags.js";
import { OWNER_TAG } from "../../resources/types.js";
import { familyOfArn } from "../live-cache.js";
import { beyondHistory, revisionId, revisionOfArn } from "./history.js";
import type { Inventory, InventoryRevision, InventoryRule, InventoryScope, InventoryService } from "./types.js";

/**
 * Reads what prune needs, on the resync tick and at a new commit, never per reconcile
 * (docs/prune.md#read-budget): per cluster ListServices + ⌈n/10⌉ DescribeServices (every service,
 * since the revisions they run are never deregistered); per bus ListRules + ListTagsForResource of
 * each rule no manifest names + ListTargetsByRule of each one we own; per family ListTaskDefinitions
 * + DescribeTaskDefinition of each revision prune may deregister, once per process (a revision is
 * immutable; the write guard re-reads its tags before any write).
 */
export class InventoryReader {
  readonly #aws: AwsClients;
  readonly #revisions = new Map<string, InventoryRevision>();

  constructor(aws: AwsClients) {
    this.#aws = aws;
  }

  /** `named`: keys a manifest defines (their rules' tags are not needed); `keepOf`: newest revisions of a named family kept. */
  async read(scope: InventoryScope, named: ReadonlySet<ResourceKey>, keepOf: (family: string) => number): Promise<Inventory> {
    const [services, rules] = await Promise.all([
      Promise.all(scope.clusters.map((c) => this.#services(c))).then((all) => all.flat()),
      Promise.all(scope.buses.map((b) => this.#rules(b, named))).then((all) => all.flat()),
    ]);
    // A family only an orphan still uses (its manifest left git with it) is looked at too.
    const used = [...services.filter((s) => !named.has(s.key) && s.tags[OWNER_TAG] !== undefined), ...rules].flatMap((r) =>
      r.taskDefinitions.flatMap((arn) => familyOfArn(arn) ?? []),
    );
    const running = new Set([...services, ...rules].flatMap((r) => r.taskDefinitions.map(revisionId)));
    const families = await Promise.all(
      [...new Set([...scope.families, ...used])].map(
        async (f) => [f, await this.#family(f, running, named.has(`TaskDefinition/${f}`) ? keepOf(f) : 0)] as const,
      ),
    );
    return { services, rules, families: new Map(families) };
  }

  async #services(cluster: string): Promise<InventoryService[]> {
    const { described } = await describeClusterServices(this.#aws, cluster);
    return [...described.services.values()].flatMap((s) => {
      const name = s["serviceName"];
      const arn = s["serviceArn"];
      if (typeof name !== "string" || typeof arn !== "string") return [];
      const deployments = Array.isArray(s["deployments"]) ? s["deployments"].filter(isJsonObject) : [];
      const taskDefinitions = [s["taskDefinition"], ...deployments.map((d) => d["taskDefinition"])].filter(
        (t): t is string => typeof t === "string",
      );
      return [
        {
          key: `Service/${cluster}/${name}`,
          cluster,
          name,
          arn,
          status: typeof s["status"] === "string" ? s["status"] : "ACTIVE",
          desiredCount: typeof s["desiredCount"] === "number" ? s["desiredCount"] : 0,
          taskDefinitions: [...new Set(taskDefinitions)],
          tags: tagListToMap(s["tags"]),
        },
      ];
    });
  }

  async #rules(bus: string, named: ReadonlySet<ResourceKey>): Promise<InventoryRule[]> {
    const listed = await listRules(this.#aws, bus);
    const out: InventoryRule[] = [];
    for (const rule of listed) {
      const name = rule["Name"];
      const arn = rule["Arn"];
      if (typeof name !== "string" || typeof arn !== "string") continue;
      const key = `ScheduledRule/${bus}/${name}`;
      // Named by a manifest: managed by the reconciler, counted as ours; its tags are read there.
      if (named.has(key)) {
        out.push({ key, bus, name, arn, tags: {}, targetIds: [], taskDefinitions: [] });
        continue;
      }
      const tags = tagListToMap(await listTagsForResource(this.#aws, arn));
      if (tags[OWNER_TAG] === undefined) continue;
      const targets = await listTargetsByRule(this.#aws, bus, name);
      out.push({
        key,
        bus,
        name,
        arn,
        tags,
        targetIds: targets.map((t) => t["Id"]).filter((id): id is string => typeof id === "string"),
        taskDefinitions: targets.flatMap(taskDefinitionOfTarget),
      });
    }
    return out;
  }

  /** ACTIVE revisions, oldest first; tags read only for those past the history (the rest are never deregistered). */
  async #family(family: string, running: ReadonlySet<string>, keep: number): Promise<InventoryRevision[]> {
    const arns = (await listTaskDefinitionArns(this.#aws, family, "ACTIVE")).sort((a, b) => revisionOfArn(a) - revisionOfArn(b));
    // A family no manifest names (keep 0) is an orphan if any revision is ours: every tag is read.
    const past =
      keep === 0
        ? arns
        : beyondHistory(
            arns.map((arn) => ({ arn })),
            running,
            keep,
          ).map((r) => r.arn);
    const candidates = new Set(past);
    const read = await Promise.all(
      arns.map(async (arn) => (candidates.has(arn) ? this.#revision(arn) : { arn, revision: revisionOfArn(arn), tags: {} })),
    );
    return read.filter((r): r is InventoryRevision => r !== undefined);
  }

  async #revision(arn: string): Promise<InventoryRevision | undefined> {
    const cached = this.#revisions.get(arn);
    if (cached) return cached;
    const described = await describeTaskDefinition(this.#aws, arn);
    if (described === undefined) return undefined;
    const revision = { arn, revision: revisionOfArn(arn), tags: tagListToMap(described["tags"]) };
    this.#revisions.set(arn, revision);
    return revision;
  }

  /** Our own deregistration: the revision is gone from the family's ACTIVE list. */
  forget(arn: string): void {
    this.#revisions.delete(arn);
  }
}

function taskDefinitionOfTarget(target: JsonObject): string[] {
  const ecs = target["EcsParameters"];
  const arn = isJsonObject(ecs) ? ecs["TaskDefinitionArn"] : undefined;
  return typeof arn === "string" ? [arn] : [];
}
