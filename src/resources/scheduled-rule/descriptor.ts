import { kindSpecSchemas } from "../../manifests/schema/aws-schema.generated.js";
import { RULE_NAME } from "../kind-descriptor.js";
import type { KindDescriptor } from "../kind-descriptor.js";

/** A rule lives on an event bus: `ScheduledRule/<bus>/<name>`. */
export const scheduledRuleDescriptor = {
  schema: kindSpecSchemas.ScheduledRule,
  name: RULE_NAME,
  scope: { field: "eventBusName", arn: { service: "events", type: "event-bus" }, defaultValue: "default" },
} as const satisfies KindDescriptor;
