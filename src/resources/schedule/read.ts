import type { AwsClients } from "../../aws/index.js";
import { getSchedule, listSchedules } from "../../aws/scheduler-read.js";
import type { JsonObject } from "../../json.js";
import type { Manifest, ResourceKey } from "../../manifests/types.js";
import type { TagMap } from "../common/tags.js";
import type { KindReadIo } from "../kind-plugin.js";
import { liveScheduleTags } from "./normalize.js";
import type { LiveSchedule } from "./normalize.js";
import { scheduleGroup } from "./plan.js";

/**
 * Schedules in as few calls as the API allows (docs/kinds.md#read-budget): one ListSchedules page
 * (100) per group, then GetSchedule only for a schedule whose LastModificationDate differs from
 * the one cached with it (our own writes change it too).
 */
export async function readSchedules(manifests: readonly Manifest[], io: KindReadIo): Promise<Map<ResourceKey, LiveSchedule | undefined>> {
  const byGroup = new Map<string, Manifest[]>();
  for (const m of manifests) byGroup.set(scheduleGroup(m.spec), [...(byGroup.get(scheduleGroup(m.spec)) ?? []), m]);
  const out = new Map<ResourceKey, LiveSchedule | undefined>();
  await Promise.all(
    [...byGroup].map(async ([group, members]) => {
      const listed = new Map((await io.read(() => listSchedules(io.aws, group))).map((s) => [String(s["Name"]), s]));
      await Promise.all(members.map(async (m) => out.set(m.key, await readSchedule(io, group, m.name, listed.get(m.name)))));
    }),
  );
  return out;
}

async function readSchedule(
  io: KindReadIo,
  group: string,
  name: string,
  summary: JsonObject | undefined,
): Promise<LiveSchedule | undefined> {
  if (summary === undefined) return undefined;
  const arn = String(summary["Arn"] ?? `${group}/${name}`);
  const modified = String(summary["LastModificationDate"] ?? "");
  const cached = io.cache.schedules.get(arn);
  if (cached !== undefined && modified !== "" && cached.modified === modified) return cached.schedule;
  const schedule = await io.read(() => getSchedule(io.aws, group, name));
  if (schedule === undefined) io.cache.schedules.delete(arn);
  else io.cache.schedules.set(arn, { modified, schedule });
  return schedule;
}

/** A schedule's ownership marker as AWS has it now (write guard); undefined when it does not exist. */
export async function liveScheduleOwnerTags(aws: AwsClients, group: string, name: string): Promise<TagMap | undefined> {
  const schedule = await getSchedule(aws, group, name);
  return schedule === undefined ? undefined : liveScheduleTags(schedule);
}
