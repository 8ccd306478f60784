import { listRules, listTagsForResource, listTargetsByRule } from "../../aws/index.js";
import { isEcsGitopsError } from "../../errors.js";
import { isJsonObject } from "../../json.js";
import type { JsonObject } from "../../json.js";
import { tagListToMap } from "../common/tags.js";
import type { DeleteAction, PruneDeleteIo, PruneLive, PruneReadIo, PrunePlaces } from "../kind-prune.js";
import { OWNER_TAG } from "../types.js";
import type { RulePruneDetail } from "./prune.js";

/**
 * The rules of the buses in scope (docs/prune.md#read-budget): per bus ListRules (unless the
 * reconcile listed the bus this period), then
 * ListTagsForResource of each rule no manifest names and ListTargetsByRule of each one with an
 * owner tag. A rule a manifest names is the reconciler's: counted as ours, its tags not read here.
 * A listed rule AWS no longer knows (NotFound on either read) is left out: gone, not an orphan.
 */
export async function readBusRules(buses: PrunePlaces, io: PruneReadIo): Promise<PruneLive<RulePruneDetail>[]> {
  const all = await Promise.all(buses.map((bus) => rulesOf(bus, io)));
  return all.flat();
}

async function rulesOf(bus: string, io: PruneReadIo): Promise<PruneLive<RulePruneDetail>[]> {
  // The wave's listing of this period when there is one: a rule made by hand since is listed at the next tick.
  const listed = io.rulesListed?.(bus) ?? (await listRules(io.aws, bus));
  const out: PruneLive<RulePruneDetail>[] = [];
  for (const rule of listed) {
    const name = rule["Name"];
    const arn = rule["Arn"];
    if (typeof name !== "string" || typeof arn !== "string") continue;
    const key = `ScheduledRule/${bus}/${name}`;
    if (io.named.has(key)) {
      out.push({ key, name, arn, tags: {}, state: "live", runs: [], detail: { bus, name, targetIds: [] } });
      continue;
    }
    // A rule deleted since the listing (by hand, by another replica, by a delete of ours whose answer was lost) is gone.
    const tagList = await unlessGone(() => listTagsForResource(io.aws, arn));
    const tags = tagList === undefined ? {} : tagListToMap(tagList);
    if (tags[OWNER_TAG] === undefined) continue;
    const targets = await unlessGone(() => listTargetsByRule(io.aws, bus, name));
    if (targets === undefined) continue;
    out.push({
      key,
      name,
      arn,
      tags,
      state: "live",
      runs: targets.flatMap(taskDefinitionOfTarget),
      detail: { bus, name, targetIds: targets.map((t) => t["Id"]).filter((id): id is string => typeof id === "string") },
    });
  }
  return out;
}

/** The read's answer, or undefined when AWS says the rule no longer exists. */
async function unlessGone<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isEcsGitopsError(error) && error.code === "NotFound") return undefined;
    throw error;
  }
}

function taskDefinitionOfTarget(target: JsonObject): string[] {
  const ecs = target["EcsParameters"];
  const arn = isJsonObject(ecs) ? ecs["TaskDefinitionArn"] : undefined;
  return typeof arn === "string" ? [arn] : [];
}

/** The write guard reads the rule's tags again; a rule gone since the inventory is "gone". */
export async function removeRule(action: DeleteAction, io: PruneDeleteIo): Promise<"deleted" | "gone"> {
  const arn = action.calls.length > 0 && action.guard?.resource === "rule" ? action.guard.arn : undefined;
  if (arn !== undefined) {
    const refused = await io.guard({ resource: "rule", arn, expect: "owned", ...io.claim });
    if (refused?.code === "NotFound") return "gone";
    if (refused) throw refused;
  }
  for (const planned of action.calls) await io.write(planned);
  return "deleted";
}
