import { resourceInArn } from "../../aws/arn.js";
import type { AwsClients } from "../../aws/index.js";
import { getSchedule, listSchedules } from "../../aws/scheduler-read.js";
import { isJsonObject } from "../../json.js";
import type { JsonObject } from "../../json.js";
import { AWS_DEFAULT_SCHEDULE_GROUP } from "../../manifests/identity.js";
import type { KindExport } from "../kind-export.js";
import { exportSchedule } from "./export.js";

/** Schedules (any group) whose target runs tasks on `--cluster`, in one `schedules/` folder. */
export const scheduleExport: KindExport = {
  async read({ aws, selection }) {
    return (await readSchedules(aws, selection.cluster)).map((schedule) => {
      const group = String(schedule["GroupName"] ?? AWS_DEFAULT_SCHEDULE_GROUP);
      const name = String(schedule["Name"]);
      const ecs = isJsonObject(schedule["Target"]) ? schedule["Target"]["EcsParameters"] : undefined;
      return {
        key: `Schedule/${group}/${name}`,
        file: `schedules/${group === AWS_DEFAULT_SCHEDULE_GROUP ? "" : `${group}-`}${name}.yaml`,
        source: `Exported from ${String(schedule["Arn"])}`,
        taskDefinitionArns: isJsonObject(ecs) && typeof ecs["TaskDefinitionArn"] === "string" ? [ecs["TaskDefinitionArn"]] : [],
        folder: "schedules",
        manifest: (reference) => exportSchedule(schedule, reference),
      };
    });
  },
};

async function readSchedules(aws: AwsClients, cluster: string): Promise<JsonObject[]> {
  const summaries = (await listSchedules(aws, undefined)).filter((s) => {
    const target = s["Target"];
    return isJsonObject(target) && typeof target["Arn"] === "string" && resourceInArn(target["Arn"], "ecs", "cluster") === cluster;
  });
  const schedules: JsonObject[] = [];
  for (const summary of summaries) {
    const schedule = await getSchedule(aws, String(summary["GroupName"] ?? AWS_DEFAULT_SCHEDULE_GROUP), String(summary["Name"]));
    if (schedule !== undefined) schedules.push(schedule);
  }
  return schedules;
}
