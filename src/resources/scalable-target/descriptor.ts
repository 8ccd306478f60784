import { kindSpecSchemas } from "../../manifests/schema/aws-schema.generated.js";
import type { KindDescriptor } from "../kind-descriptor.js";

// Free (the scalable target is identified by spec.resourceId); kept to what a resource key can hold.
const SCALABLE_TARGET_NAME = { pattern: /^[.\-_A-Za-z0-9]{1,255}$/, text: "1-255 letters, digits, dots, hyphens or underscores" };

export const scalableTargetDescriptor = {
  schema: kindSpecSchemas.ScalableTarget,
  name: SCALABLE_TARGET_NAME,
  defsPrefix: "autoscaling.",
} as const satisfies KindDescriptor;
