import { kindSpecSchemas } from "../../manifests/schema/aws-schema.generated.js";
import { ECS_NAME } from "../kind-descriptor.js";
import type { KindDescriptor } from "../kind-descriptor.js";

/** A service lives in a cluster: `Service/<cluster>/<name>`. */
export const serviceDescriptor = {
  schema: kindSpecSchemas.Service,
  name: ECS_NAME,
  scope: { field: "cluster", arn: { service: "ecs", type: "cluster" }, defaultValue: "default", fromSettings: "defaultCluster" },
} as const satisfies KindDescriptor;
