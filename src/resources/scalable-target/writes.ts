import { kindWrite } from "../kind-writes.js";
import type { KindWrites } from "../kind-writes.js";

/**
 * A scalable target's writes: RegisterScalableTarget replaces, PutScalingPolicy upserts by name,
 * a repeated DeleteScalingPolicy answers not found. Nothing of them is cached: read.ts reads both
 * on every resync.
 */
export const SCALABLE_TARGET_WRITES = {
  "application-autoscaling:RegisterScalableTarget": kindWrite("application-autoscaling:api", "resend"),
  "application-autoscaling:PutScalingPolicy": kindWrite("application-autoscaling:api", "resend"),
  "application-autoscaling:DeleteScalingPolicy": kindWrite("application-autoscaling:api", "resend"),
} as const satisfies KindWrites;
