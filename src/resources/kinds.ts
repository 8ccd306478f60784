import type { KindDescriptor } from "./kind-descriptor.js";
import { scalableTargetDescriptor } from "./scalable-target/descriptor.js";
import { scheduleDescriptor } from "./schedule/descriptor.js";
import { scheduledRuleDescriptor } from "./scheduled-rule/descriptor.js";
import { serviceDescriptor } from "./service/descriptor.js";
import { taskDefinitionDescriptor } from "./task-definition/descriptor.js";

export type { KindDescriptor };

/**
 * The kinds the engine manages, one line each, in plan order; each descriptor lives in its kind's
 * folder (`<kind>/descriptor.ts`), which imports nothing of the plug-in. The loader reads this
 * table and the plug-ins (registry.ts) never meet it at run time, so manifests and resources
 * import each other in one direction only, and the loader stays clear of the AWS SDK.
 * registry.ts must hold a plug-in for exactly these names: its `satisfies` fails to compile otherwise.
 */
export const KIND_DESCRIPTORS = {
  TaskDefinition: taskDefinitionDescriptor,
  Service: serviceDescriptor,
  ScheduledRule: scheduledRuleDescriptor,
  Schedule: scheduleDescriptor,
  ScalableTarget: scalableTargetDescriptor,
} as const satisfies Record<string, KindDescriptor>;

export type Kind = keyof typeof KIND_DESCRIPTORS;

/** Every kind, in the order written above. */
export const KINDS = Object.keys(KIND_DESCRIPTORS) as readonly Kind[];

export function descriptorOf(kind: Kind): KindDescriptor {
  return KIND_DESCRIPTORS[kind];
}
