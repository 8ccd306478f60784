// Ties the generated manifest schema (botocore) to the pinned AWS SDK: when the SDK learns an
// input field the schema lacks, this file stops compiling (and the run-time checks fail), which
// is the signal to run `npm run gen:schema` with a newer botocore.
import type { CreateServiceCommandInput, RegisterTaskDefinitionCommandInput } from "@aws-sdk/client-ecs";
import type { EcsParameters, PutRuleCommandInput, Target } from "@aws-sdk/client-eventbridge";
import { describe, expect, it } from "vitest";
import {
  kindSpecSchemas,
  scheduledRuleSpecFields,
  serviceSpecFields,
  taskDefinitionSpecFields,
} from "../../../src/manifests/schema/aws-schema.generated.js";

const targetFields = Object.keys(kindSpecSchemas.ScheduledRule.properties.targets.items.properties);

/** Compiles only when `T` is `never`, i.e. when nothing is left uncovered. */
type ExpectNever<T extends never> = T;
type FieldOf<T extends readonly string[]> = T[number];
type TargetField = keyof typeof kindSpecSchemas.ScheduledRule.properties.targets.items.properties;

// Keys the envelope provides: they never appear in `spec`.
/** RegisterTaskDefinition: `family` is metadata.name; `tags` are metadata.labels plus ownership tags. */
const TASK_DEFINITION_ENVELOPE = ["family", "tags"] as const;
/** CreateService: `serviceName` is metadata.name; `tags` as above; `clientToken` is an idempotency token the controller makes. */
const SERVICE_ENVELOPE = ["serviceName", "tags", "clientToken"] as const;
/**
 * CreateService fields that SDK 3.1162.0 has and the schema's botocore (1.43.11) does not: a
 * manifest cannot use them yet. Regenerate the schema with a newer botocore and delete this list
 * (the "lag" test below fails as soon as the schema has them).
 */
const SERVICE_SCHEMA_LAG = ["gatewayConnectors", "monitoring"] as const;
/** PutRule (PascalCase on the wire, camelCase in manifests): `Name` is metadata.name; `Tags` are labels. */
const PUT_RULE_ENVELOPE = ["name", "tags"] as const;
/** A ScheduledRule also carries PutTargets' targets, which PutRule does not have. */
const RULE_ONLY_FIELDS = ["targets"] as const;
/**
 * EventBridge Target: `Id` is `id`; `Arn` is the cluster ARN (from `cluster`); `Input` is built
 * from `overrides`; `EcsParameters` are flattened onto the target. The remaining members belong to
 * non-ECS targets (Lambda, SQS, Kinesis, ...), which ScheduledRule does not manage.
 */
const TARGET_FROM_ENVELOPE = ["arn", "input", "ecsParameters"] as const;
const NON_ECS_TARGET_FIELDS = [
  "inputPath",
  "inputTransformer",
  "kinesisParameters",
  "runCommandParameters",
  "batchParameters",
  "sqsParameters",
  "httpParameters",
  "redshiftDataParameters",
  "sageMakerPipelineParameters",
  "appSyncParameters",
] as const;
/** EcsParameters.TaskDefinitionArn is the target's `taskDefinition` (a family reference, resolved). */
const ECS_PARAMETERS_RENAMED = ["taskDefinitionArn"] as const;

// Every SDK input key is a spec field or provided by the envelope...
export type TaskDefinitionCovered = ExpectNever<
  Exclude<keyof RegisterTaskDefinitionCommandInput, FieldOf<typeof taskDefinitionSpecFields> | FieldOf<typeof TASK_DEFINITION_ENVELOPE>>
>;
export type ServiceCovered = ExpectNever<
  Exclude<
    keyof CreateServiceCommandInput,
    FieldOf<typeof serviceSpecFields> | FieldOf<typeof SERVICE_ENVELOPE> | FieldOf<typeof SERVICE_SCHEMA_LAG>
  >
>;
export type PutRuleCovered = ExpectNever<
  Exclude<Uncapitalize<keyof PutRuleCommandInput>, FieldOf<typeof scheduledRuleSpecFields> | FieldOf<typeof PUT_RULE_ENVELOPE>>
>;
export type TargetCovered = ExpectNever<
  Exclude<Uncapitalize<keyof Target>, TargetField | FieldOf<typeof TARGET_FROM_ENVELOPE> | FieldOf<typeof NON_ECS_TARGET_FIELDS>>
>;
export type EcsParametersCovered = ExpectNever<
  Exclude<Uncapitalize<keyof EcsParameters>, TargetField | FieldOf<typeof ECS_PARAMETERS_RENAMED>>
>;
// ...and the schema invents no field the SDK does not know.
export type TaskDefinitionNoExtra = ExpectNever<
  Exclude<FieldOf<typeof taskDefinitionSpecFields>, keyof RegisterTaskDefinitionCommandInput>
>;
export type ServiceNoExtra = ExpectNever<Exclude<FieldOf<typeof serviceSpecFields>, keyof CreateServiceCommandInput>>;
export type PutRuleNoExtra = ExpectNever<
  Exclude<FieldOf<typeof scheduledRuleSpecFields>, Uncapitalize<keyof PutRuleCommandInput> | FieldOf<typeof RULE_ONLY_FIELDS>>
>;

// The same checks at run time: the SDK's keys, complete because TypeScript demands every key.
const registerTaskDefinitionKeys: Record<keyof RegisterTaskDefinitionCommandInput, true> = {
  family: true,
  taskRoleArn: true,
  executionRoleArn: true,
  networkMode: true,
  containerDefinitions: true,
  volumes: true,
  placementConstraints: true,
  requiresCompatibilities: true,
  cpu: true,
  memory: true,
  tags: true,
  pidMode: true,
  ipcMode: true,
  proxyConfiguration: true,
  inferenceAccelerators: true,
  ephemeralStorage: true,
  runtimePlatform: true,
  enableFaultInjection: true,
};
const createServiceKeys: Record<keyof CreateServiceCommandInput, true> = {
  cluster: true,
  serviceName: true,
  taskDefinition: true,
  availabilityZoneRebalancing: true,
  loadBalancers: true,
  serviceRegistries: true,
  desiredCount: true,
  clientToken: true,
  launchType: true,
  capacityProviderStrategy: true,
  platformVersion: true,
  role: true,
  deploymentConfiguration: true,
  placementConstraints: true,
  placementStrategy: true,
  networkConfiguration: true,
  healthCheckGracePeriodSeconds: true,
  schedulingStrategy: true,
  deploymentController: true,
  tags: true,
  enableECSManagedTags: true,
  propagateTags: true,
  enableExecuteCommand: true,
  serviceConnectConfiguration: true,
  volumeConfigurations: true,
  vpcLatticeConfigurations: true,
  gatewayConnectors: true,
  monitoring: true,
};
const putRuleKeys: Record<keyof PutRuleCommandInput, true> = {
  Name: true,
  ScheduleExpression: true,
  EventPattern: true,
  State: true,
  Description: true,
  RoleArn: true,
  Tags: true,
  EventBusName: true,
};
const targetKeys: Record<keyof Target, true> = {
  Id: true,
  Arn: true,
  RoleArn: true,
  Input: true,
  InputPath: true,
  InputTransformer: true,
  KinesisParameters: true,
  RunCommandParameters: true,
  EcsParameters: true,
  BatchParameters: true,
  SqsParameters: true,
  HttpParameters: true,
  RedshiftDataParameters: true,
  SageMakerPipelineParameters: true,
  DeadLetterConfig: true,
  RetryPolicy: true,
  AppSyncParameters: true,
};
const ecsParametersKeys: Record<keyof EcsParameters, true> = {
  TaskDefinitionArn: true,
  TaskCount: true,
  LaunchType: true,
  NetworkConfiguration: true,
  PlatformVersion: true,
  Group: true,
  CapacityProviderStrategy: true,
  EnableECSManagedTags: true,
  EnableExecuteCommand: true,
  PlacementConstraints: true,
  PlacementStrategy: true,
  PropagateTags: true,
  ReferenceId: true,
  Tags: true,
};
const camel = (key: string) => key[0]!.toLowerCase() + key.slice(1);
const uncovered = (sdkKeys: string[], covered: readonly string[]) => sdkKeys.filter((key) => !covered.includes(key));

describe("the manifest schema against the AWS SDK", () => {
  it("covers every RegisterTaskDefinition input key", () => {
    expect(uncovered(Object.keys(registerTaskDefinitionKeys), [...taskDefinitionSpecFields, ...TASK_DEFINITION_ENVELOPE])).toEqual([]);
    expect(uncovered([...taskDefinitionSpecFields], Object.keys(registerTaskDefinitionKeys))).toEqual([]);
  });

  it("covers every CreateService input key but the listed schema lag", () => {
    expect(uncovered(Object.keys(createServiceKeys), [...serviceSpecFields, ...SERVICE_ENVELOPE, ...SERVICE_SCHEMA_LAG])).toEqual([]);
    expect(uncovered([...serviceSpecFields], Object.keys(createServiceKeys))).toEqual([]);
  });

  it("lists as schema lag only fields the schema really lacks", () => {
    expect(SERVICE_SCHEMA_LAG.filter((field) => (serviceSpecFields as readonly string[]).includes(field))).toEqual([]);
  });

  it("covers every PutRule input key, camelCased", () => {
    expect(uncovered(Object.keys(putRuleKeys).map(camel), [...scheduledRuleSpecFields, ...PUT_RULE_ENVELOPE])).toEqual([]);
    expect(uncovered([...scheduledRuleSpecFields], [...Object.keys(putRuleKeys).map(camel), ...RULE_ONLY_FIELDS])).toEqual([]);
  });

  it("covers every ECS field of an EventBridge target, camelCased", () => {
    expect(uncovered(Object.keys(targetKeys).map(camel), [...targetFields, ...TARGET_FROM_ENVELOPE, ...NON_ECS_TARGET_FIELDS])).toEqual([]);
    expect(uncovered(Object.keys(ecsParametersKeys).map(camel), [...targetFields, ...ECS_PARAMETERS_RENAMED])).toEqual([]);
  });
});
