import type { JsonObject } from "../json.js";
import type { SdkOperation } from "./sdk-command.js";

/**
 * What src/aws can send: an SDK command of a client module it knows (`ecs:CreateService`). Which
 * of them a plan may call is the kinds' business (their `writes`, src/resources/kind-writes.ts).
 */
export type AwsWriteOperation = SdkOperation;

/**
 * One AWS write, with its exact input in the SDK's request shape (camelCase for ECS, PascalCase
 * for EventBridge). A string input value may hold a reference placeholder (see `arnPlaceholder`)
 * that apply replaces with the ARN registered earlier in the same run.
 */
export type AwsWrite = { operation: AwsWriteOperation; input: JsonObject };
