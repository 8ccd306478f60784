import { clusterName } from "../../manifests/identity.js";
import { isJsonObject } from "../../json.js";
import { manifestSpecHash } from "../common/spec-hash.js";
import { parseTaskDefinitionRef } from "../common/validation.js";
import { callsOf, maybe, stringOrUndefined } from "../kind-plugin.js";
import type { KindPlugin } from "../kind-plugin.js";
import { liveScheduleTags, scheduleTaskDefinition } from "./normalize.js";
import { validateSchedule } from "./validate.js";

/** An EventBridge Scheduler schedule that runs an ECS task: one CreateSchedule / UpdateSchedule. */
export const schedulePlugin = {
  kind: "Schedule",
  planOrder: 2,
  validate: (manifest, ctx) => validateSchedule(manifest, ctx),
  references: (manifest) => {
    const ref = scheduleTaskDefinition(manifest.spec);
    return ref === undefined ? [] : [parseTaskDefinitionRef(ref)];
  },
  // Scheduler keeps the ARN as written and RunTask resolves it on every run: no latest to follow.
  followsLatestActive: false,
  definesFamily: () => undefined,
  clusters: (manifest) => {
    const target = manifest.spec["target"];
    const arn = isJsonObject(target) ? target["arn"] : undefined;
    return typeof arn === "string" && arn.includes(":cluster/") ? [clusterName(arn)] : [];
  },
  arn: (manifest, live) => stringOrUndefined(live.schedules?.get(manifest.key)?.["Arn"]),
  tags: (manifest, live) => maybe(live.schedules?.get(manifest.key), liveScheduleTags),
  specHash: (manifest) => manifestSpecHash(manifest),
  health: (manifest, live) => {
    const schedule = live.schedules?.get(manifest.key);
    return schedule
      ? { health: "Healthy", message: String(schedule["State"] ?? "") }
      : { health: "Missing", message: "schedule does not exist" };
  },
  healthAfterApply: { health: "Healthy", message: "" },
  interruptedDeploy: () => false,
  rolledBack: () => false,
  calls: callsOf("scheduler", { "scheduler:api": ["ListSchedules", "GetSchedule", "CreateSchedule", "UpdateSchedule"] }),
} as const satisfies KindPlugin<"Schedule">;
