import type { KindWrites } from "../kind-writes.js";

/**
 * A schedule's writes: CreateSchedule carries the SDK's client token, UpdateSchedule replaces.
 * Nothing of them is cached: ListSchedules' LastModificationDate shows the change (read.ts).
 */
export const SCHEDULE_WRITES = {
  "scheduler:CreateSchedule": { throttle: "scheduler:api", retry: "resend", stale: undefined },
  "scheduler:UpdateSchedule": { throttle: "scheduler:api", retry: "resend", stale: undefined },
} as const satisfies KindWrites;
