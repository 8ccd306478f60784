import type { KindWrites } from "../kind-writes.js";

/**
 * A scalable target's writes: RegisterScalableTarget replaces, PutScalingPolicy upserts by name,
 * a repeated DeleteScalingPolicy answers not found. Nothing of them is cached: read.ts reads both
 * on every resync.
 */
export const SCALABLE_TARGET_WRITES = {
  "application-autoscaling:RegisterScalableTarget": { throttle: "application-autoscaling:api", retry: "resend", stale: undefined },
  "application-autoscaling:PutScalingPolicy": { throttle: "application-autoscaling:api", retry: "resend", stale: undefined },
  "application-autoscaling:DeleteScalingPolicy": { throttle: "application-autoscaling:api", retry: "resend", stale: undefined },
} as const satisfies KindWrites;
