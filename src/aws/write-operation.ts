import type { JsonObject } from "../json.js";

/** ECS and EventBridge operations a plan may call. */
export type WriteOperation =
  | "ecs:RegisterTaskDefinition"
  | "ecs:CreateService"
  | "ecs:UpdateService"
  | "ecs:DeleteService"
  | "ecs:DeregisterTaskDefinition"
  | "ecs:TagResource"
  | "ecs:UntagResource"
  | "events:PutRule"
  | "events:PutTargets"
  | "events:RemoveTargets"
  | "events:DeleteRule"
  | "events:TagResource"
  | "events:UntagResource"
  | "codedeploy:CreateDeployment"
  | KindWriteOperation;

/** Writes of the Scheduler and Application Auto Scaling kinds (src/aws/kinds-write.ts and src/aws/plain-writes.ts send them). */
export type KindWriteOperation =
  | "scheduler:CreateSchedule"
  | "scheduler:UpdateSchedule"
  | "application-autoscaling:RegisterScalableTarget"
  | "application-autoscaling:PutScalingPolicy"
  | "application-autoscaling:DeleteScalingPolicy";

/**
 * One AWS write, with its exact input in the SDK's request shape (camelCase for ECS, PascalCase
 * for EventBridge). A string input value may hold a reference placeholder (see `arnPlaceholder`)
 * that apply replaces with the ARN registered earlier in the same run.
 */
export type PlannedCall = { operation: WriteOperation; input: JsonObject };
