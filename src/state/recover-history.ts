import { isJsonObject } from "../json.js";
import type { JsonObject } from "../json.js";
import { epochMs } from "../resources/common/aws-time.js";
import { tagListToMap } from "../resources/common/tags.js";
import { pinnedRevision } from "../resources/service/deploy-controls.js";
import { judgeRollout } from "../resources/service/rollout.js";
import { REVISION_TAG } from "../resources/types.js";
import type { DeployOutcome, DeployRecord } from "./history.js";

/**
 * What AWS still knows of a service's deploys, as history records, newest first: its current
 * deployments (ECS drops finished ones), each with the commit its revision's `ecs-gitops:revision`
 * tag names (`tagsOf` returns a revision's tags when they were read). The way back when the
 * controller's history file is lost (docs/deploys.md#history). Pure.
 */
export function recoverHistory(
  service: JsonObject | undefined,
  tagsOf: (revision: string) => Record<string, string> | undefined,
): DeployRecord[] {
  if (service === undefined) return [];
  const pin = pinnedRevision(tagListToMap(service["tags"]));
  const deployments = Array.isArray(service["deployments"]) ? service["deployments"].filter(isJsonObject) : [];
  const records: { at: number; record: DeployRecord }[] = [];
  for (const d of deployments) {
    const revision = typeof d["taskDefinition"] === "string" ? d["taskDefinition"] : undefined;
    const startedMs = epochMs(d["createdAt"]);
    if (revision === undefined || startedMs === undefined) continue;
    const verdict = judgeRollout(service, typeof d["id"] === "string" ? d["id"] : undefined);
    const outcome: DeployOutcome = verdict.state;
    const commit = tagsOf(revision)?.[REVISION_TAG];
    const finishedMs = outcome === "inProgress" ? undefined : epochMs(d["updatedAt"]);
    const record: DeployRecord = {
      ...(commit === undefined ? {} : { commit }),
      revision,
      startedAt: new Date(startedMs).toISOString(),
      ...(finishedMs === undefined ? {} : { finishedAt: new Date(finishedMs).toISOString() }),
      outcome,
      trigger: pin === revision ? "rollback" : "commit",
      ...(verdict.reason === undefined || outcome === "succeeded" ? {} : { reason: verdict.reason }),
    };
    records.push({ at: startedMs, record });
  }
  return records.sort((a, b) => b.at - a.at).map((r) => r.record);
}
