import { kindSpecSchemas } from "../../manifests/schema/aws-schema.generated.js";
import { RULE_NAME } from "../kind-descriptor.js";
import type { KindDescriptor } from "../kind-descriptor.js";

// xref: Scheduler CreateSchedule `Name` pattern [0-9a-zA-Z-_.]+, 1-64.
const SCHEDULE_NAME = RULE_NAME;

/** A schedule lives in a schedule group: `Schedule/<group>/<name>`. */
export const scheduleDescriptor = {
  schema: kindSpecSchemas.Schedule,
  name: SCHEDULE_NAME,
  scope: { field: "groupName", arn: { service: "scheduler", type: "schedule-group" }, defaultValue: "default" },
  defsPrefix: "scheduler.",
} as const satisfies KindDescriptor;
