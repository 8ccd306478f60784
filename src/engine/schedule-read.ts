import { describeScalableTargets, describeScalingPolicies } from "../aws/autoscaling-read.js";
import { describeServices } from "../aws/index.js";
import type { AwsClients } from "../aws/index.js";
import { getSchedule, listSchedules } from "../aws/scheduler-read.js";
import type { JsonObject } from "../json.js";
import type { Manifest, ResourceKey } from "../manifests/types.js";
import type { TagMap } from "../resources/common/tags.js";
import { tagListToMap } from "../resources/common/tags.js";
import type { LiveSnapshot } from "../resources/live-snapshot.js";
import { ecsServiceOf } from "../resources/scalable-target/normalize.js";
import type { LiveScalableTarget } from "../resources/scalable-target/normalize.js";
import { liveScheduleTags } from "../resources/schedule/normalize.js";
import type { LiveSchedule } from "../resources/schedule/normalize.js";
import { scheduleGroup } from "../resources/schedule/plan.js";

type Read = <T>(read: () => Promise<T>) => Promise<T>;

/**
 * Reads the Schedule and ScalableTarget kinds for LiveReader (live-state.ts), in as few calls as
 * the APIs allow (docs/kinds.md#read-budget):
 * - schedules: one ListSchedules page (100) per group, then GetSchedule only for a schedule whose
 *   LastModificationDate differs from the one cached with it (our own writes change it too);
 * - scalable targets: one DescribeScalableTargets per 50, one DescribeScalingPolicies per target
 *   (the API has no batch over targets and no change date), and the scaled service's tags from
 *   the same snapshot's DescribeServices (or one more per 10 when the set has no such Service).
 */
export class KindReaders {
  readonly #aws: AwsClients;
  readonly #read: Read;
  readonly #schedules = new Map<string, { modified: string; schedule: LiveSchedule }>();

  constructor(aws: AwsClients, read: Read) {
    this.#aws = aws;
    this.#read = read;
  }

  async read(
    manifests: readonly Manifest[],
    services: ReadonlyMap<ResourceKey, JsonObject | undefined>,
  ): Promise<Pick<LiveSnapshot, "schedules" | "scalableTargets">> {
    const schedules = manifests.filter((m) => m.kind === "Schedule");
    const targets = manifests.filter((m) => m.kind === "ScalableTarget");
    const [scheduleMap, targetMap] = await Promise.all([
      schedules.length === 0 ? undefined : this.#readSchedules(schedules),
      targets.length === 0 ? undefined : this.#readScalableTargets(targets, services),
    ]);
    return { ...(scheduleMap ? { schedules: scheduleMap } : {}), ...(targetMap ? { scalableTargets: targetMap } : {}) };
  }

  async #readSchedules(manifests: readonly Manifest[]): Promise<Map<ResourceKey, LiveSchedule | undefined>> {
    const byGroup = new Map<string, Manifest[]>();
    for (const m of manifests) byGroup.set(scheduleGroup(m.spec), [...(byGroup.get(scheduleGroup(m.spec)) ?? []), m]);
    const out = new Map<ResourceKey, LiveSchedule | undefined>();
    await Promise.all(
      [...byGroup].map(async ([group, members]) => {
        const listed = new Map((await this.#read(() => listSchedules(this.#aws, group))).map((s) => [String(s["Name"]), s]));
        await Promise.all(members.map(async (m) => out.set(m.key, await this.#schedule(group, m.name, listed.get(m.name)))));
      }),
    );
    return out;
  }

  async #schedule(group: string, name: string, summary: JsonObject | undefined): Promise<LiveSchedule | undefined> {
    if (summary === undefined) return undefined;
    const arn = String(summary["Arn"] ?? `${group}/${name}`);
    const modified = String(summary["LastModificationDate"] ?? "");
    const cached = this.#schedules.get(arn);
    if (cached !== undefined && modified !== "" && cached.modified === modified) return cached.schedule;
    const schedule = await this.#read(() => getSchedule(this.#aws, group, name));
    if (schedule === undefined) this.#schedules.delete(arn);
    else this.#schedules.set(arn, { modified, schedule });
    return schedule;
  }

  async #readScalableTargets(
    manifests: readonly Manifest[],
    services: ReadonlyMap<ResourceKey, JsonObject | undefined>,
  ): Promise<Map<ResourceKey, LiveScalableTarget | undefined>> {
    const ids = [...new Set(manifests.map((m) => String(m.spec["resourceId"] ?? "")))];
    const [found, tags] = await Promise.all([
      this.#read(() => describeScalableTargets(this.#aws, "ecs", ids)),
      this.#serviceTags(manifests, services),
    ]);
    const out = new Map<ResourceKey, LiveScalableTarget | undefined>();
    await Promise.all(
      manifests.map(async (m) => {
        const id = m.spec["resourceId"];
        const dimension = String(m.spec["scalableDimension"] ?? "");
        const target = found.find((t) => t["ResourceId"] === id && t["ScalableDimension"] === dimension);
        const policies =
          target === undefined ? [] : await this.#read(() => describeScalingPolicies(this.#aws, "ecs", String(id), dimension));
        out.set(m.key, { target, policies, serviceTags: tags.get(String(id)) });
      }),
    );
    return out;
  }

  /** The scaled services' tags by resourceId (absent: the service does not exist). */
  async #serviceTags(
    manifests: readonly Manifest[],
    services: ReadonlyMap<ResourceKey, JsonObject | undefined>,
  ): Promise<Map<string, TagMap>> {
    const out = new Map<string, TagMap>();
    const unread = new Map<string, { id: string; service: string }[]>();
    for (const m of manifests) {
      const id = String(m.spec["resourceId"] ?? "");
      const scaled = ecsServiceOf(id);
      if (scaled === undefined) continue;
      const key = `Service/${scaled.cluster}/${scaled.service}`;
      if (services.has(key)) {
        const service = services.get(key);
        if (service !== undefined) out.set(id, tagListToMap(service["tags"]));
      } else unread.set(scaled.cluster, [...(unread.get(scaled.cluster) ?? []), { id, service: scaled.service }]);
    }
    await Promise.all(
      [...unread].map(async ([cluster, wanted]) => {
        const described = await this.#read(() =>
          describeServices(
            this.#aws,
            cluster,
            wanted.map((w) => w.service),
          ),
        );
        for (const w of wanted) {
          const service = described.services.get(w.service);
          if (service !== undefined) out.set(w.id, tagListToMap(service["tags"]));
        }
      }),
    );
    return out;
  }
}

/** A schedule's ownership marker as AWS has it now (write guard); undefined when it does not exist. */
export async function liveScheduleOwnerTags(aws: AwsClients, group: string, name: string): Promise<TagMap | undefined> {
  const schedule = await getSchedule(aws, group, name);
  return schedule === undefined ? undefined : liveScheduleTags(schedule);
}
