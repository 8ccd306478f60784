import { clusterName } from "../../manifests/identity.js";
import { isJsonObject } from "../../json.js";
import type { JsonObject, JsonPath } from "../../json.js";
import { manifestSpecHash } from "../common/spec-hash.js";
import { callsOf, maybe, stringOrUndefined, taskDefinitionReferences, CONFIGURATION_ONLY } from "../kind-plugin.js";
import type { KindPlugin } from "../kind-plugin.js";
import { liveScheduleTags, scheduleTaskDefinition } from "./normalize.js";
import { planSchedule } from "./plan.js";
import { validateSchedule } from "./validate.js";
import { SCHEDULE_WRITES } from "./writes.js";

/** The one place a schedule names a task definition: its ECS target. */
function referencePaths(spec: JsonObject): JsonPath[] {
  return scheduleTaskDefinition(spec) === undefined ? [] : [["target", "ecsParameters", "taskDefinitionArn"]];
}

/** An EventBridge Scheduler schedule that runs an ECS task: one CreateSchedule / UpdateSchedule. */
export const schedulePlugin = {
  kind: "Schedule",
  planOrder: 2,
  validate: validateSchedule,
  // Scheduler keeps the ARN as written and RunTask resolves it on every run: no latest to follow.
  ...taskDefinitionReferences(referencePaths, false),
  clusters: (manifest) => {
    const target = manifest.spec["target"];
    const arn = isJsonObject(target) ? target["arn"] : undefined;
    return typeof arn === "string" && arn.includes(":cluster/") ? [clusterName(arn)] : [];
  },
  arn: (manifest, live) => stringOrUndefined(live.schedules?.get(manifest.key)?.["Arn"]),
  tags: (manifest, live) => maybe(live.schedules?.get(manifest.key), liveScheduleTags),
  specHash: manifestSpecHash,
  health: (manifest, live) => {
    const schedule = live.schedules?.get(manifest.key);
    return schedule
      ? { health: "Healthy", message: String(schedule["State"] ?? "") }
      : { health: "Missing", message: "schedule does not exist" };
  },
  // CreateSchedule and UpdateSchedule answer with the ARN only; prune reads no schedules.
  ...CONFIGURATION_ONLY,
  // Imported on first use: the commit-load worker imports the plug-ins, and must not load the SDK.
  readLive: async (manifests, io) =>
    manifests.length === 0 ? {} : { schedules: await (await import("./read.js")).readSchedules(manifests, io) },
  revisionsInUse: (manifest, live) => {
    const target = live.schedules?.get(manifest.key)?.["Target"];
    const ecs = isJsonObject(target) ? target["EcsParameters"] : undefined;
    const arn = isJsonObject(ecs) ? ecs["TaskDefinitionArn"] : undefined;
    return typeof arn === "string" ? [arn] : [];
  },
  plan: (manifest, live, ctx) => ({ action: planSchedule(manifest, live.schedules?.get(manifest.key), ctx) }),
  // Imported on first use: the commit-load worker loads the plug-ins and must not load the AWS SDK.
  export: { read: async (io) => (await import("./export-read.js")).scheduleExport.read(io) },
  calls: callsOf("scheduler", { "scheduler:api": ["ListSchedules", "GetSchedule"] }),
  writes: SCHEDULE_WRITES,
} as const satisfies KindPlugin<"Schedule">;
