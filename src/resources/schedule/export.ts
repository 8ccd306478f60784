import { isJsonObject } from "../../json.js";
import type { JsonObject } from "../../json.js";
import { API_VERSION } from "../../manifests/types.js";
import { compact } from "../common/normalize-util.js";
import { ADOPT_ANNOTATIONS, asObject } from "../common/schema-util.js";
import type { ExportedManifest, TaskDefinitionReference } from "../common/schema-util.js";
import { objectFromWire, specNode } from "../common/wire-names.js";
import { parsedInput, splitDescription } from "./normalize.js";

/**
 * GetSchedule → a Schedule manifest that plans as no change (but the ownership marker the first
 * apply writes): AWS's defaults left out (SC-2), the input as YAML (SC-4), the task definition as
 * the repository will name it, the ownership marker out of the description (SC-1). Pure.
 */
export function exportSchedule(live: JsonObject, reference: (arn: string) => TaskDefinitionReference): ExportedManifest {
  const spec = objectFromWire(specNode("Schedule"), live);
  const reviews: ExportedManifest["reviews"] = [];
  spec["description"] = splitDescription(live["Description"]).text ?? "";
  if (spec["groupName"] === "default") delete spec["groupName"];
  for (const [field, value] of [
    ["scheduleExpressionTimezone", "UTC"],
    ["state", "ENABLED"],
    ["actionAfterCompletion", "NONE"],
  ] as const)
    if (spec[field] === value) delete spec[field];
  if (isJsonObject(spec["flexibleTimeWindow"]) && spec["flexibleTimeWindow"]["mode"] === "OFF") delete spec["flexibleTimeWindow"];
  const target = asObject(spec["target"]);
  const retry = target["retryPolicy"];
  if (isJsonObject(retry) && retry["maximumEventAgeInSeconds"] === 86_400 && retry["maximumRetryAttempts"] === 185)
    delete target["retryPolicy"];
  if (target["input"] !== undefined) target["input"] = parsedInput(target["input"]);
  const ecs = target["ecsParameters"];
  if (isJsonObject(ecs)) {
    if (ecs["taskCount"] === 1) delete ecs["taskCount"];
    if (typeof ecs["taskDefinitionArn"] === "string") {
      const ref = reference(ecs["taskDefinitionArn"]);
      ecs["taskDefinitionArn"] = ref.ref;
      if (ref.review !== undefined) reviews.push({ path: ["spec", "target", "ecsParameters", "taskDefinitionArn"], message: ref.review });
    }
  }
  spec["target"] = target;
  return {
    document: {
      apiVersion: API_VERSION,
      kind: "Schedule",
      metadata: { name: String(live["Name"] ?? ""), annotations: { ...ADOPT_ANNOTATIONS } },
      spec: asObject(compact(spec)),
    },
    reviews,
  };
}
