import { kindSpecSchemas } from "../../manifests/schema/aws-schema.generated.js";
import { ECS_NAME } from "../kind-descriptor.js";
import type { KindDescriptor } from "../kind-descriptor.js";

/** A task definition family: the name alone is its identity. */
export const taskDefinitionDescriptor = { schema: kindSpecSchemas.TaskDefinition, name: ECS_NAME } as const satisfies KindDescriptor;
