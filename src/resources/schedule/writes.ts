import { kindWrite } from "../kind-writes.js";
import type { KindWrites } from "../kind-writes.js";

/**
 * A schedule's writes: CreateSchedule carries the SDK's client token, UpdateSchedule replaces.
 * Nothing of them is cached: ListSchedules' LastModificationDate shows the change (read.ts).
 */
export const SCHEDULE_WRITES = {
  "scheduler:CreateSchedule": kindWrite("scheduler:api", "resend"),
  "scheduler:UpdateSchedule": kindWrite("scheduler:api", "resend"),
} as const satisfies KindWrites;
