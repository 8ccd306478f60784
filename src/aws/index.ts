// The only module tree that imports the AWS SDK (docs/design.md#layout); everything above it sees plain JSON.
export { accountIdFromArn, isArn } from "./arn.js";
export { CallAccounting, callKindOf } from "./call-accounting.js";
export type { CallListener } from "./call-accounting.js";
export type { AwsService, CallKind, CallSnapshot, OperationStats } from "./call-accounting.js";
export { awsErrorName, classifyAwsError, isThrottlingError } from "./classify.js";
export { createAwsClients, DEFAULT_MAX_ATTEMPTS, destroyAwsClients, resolveRegion } from "./clients.js";
export type { AwsClientOptions, AwsClients, RetryStrategy, StaticCredentials } from "./clients.js";
export {
  describeCluster,
  describeClusters,
  describeClusterServices,
  describeServices,
  describeTaskDefinition,
  DESCRIBE_SERVICES_BATCH,
  listServiceArns,
  listTaskDefinitionArns,
  listTaskDefinitionFamilies,
} from "./ecs-read.js";
export type { DescribedServices, TaskDefinitionFamilyStatus, TaskDefinitionStatus } from "./ecs-read.js";
export { describeRule, listRules, listTagsForResource, listTargetsByRule } from "./events-read.js";
export type { FailedEntry } from "./failed-entries.js";
export { toPlainJson, toPlainObject } from "./plain-json.js";
export { putEvents, PUT_EVENTS_BATCH } from "./put-events.js";
export { DEFAULT_RATE_FRACTION, PUBLISHED_RATES, RateLimiter, throttleCategoryOf, TokenBucket } from "./rate-limit.js";
export type { BucketRate, CategoryStats, RateClock, RateLimiterOptions, ThrottleCategory } from "./rate-limit.js";
export type { EventEntry } from "./put-events.js";
export { describeCall, executeCall } from "./write.js";
export { assertWriteAllowed, fencedWrite, requireFencedWrites } from "./write-fence.js";
export type { WriteFence } from "./write-fence.js";
export { readSsmParameters } from "./on-first-use.js";
export { taggedResources } from "./tagging.js";
export type { SsmParameterValue, SsmReadOptions } from "./ssm.js";
export { describeTasks, DESCRIBE_TASKS_BATCH, runTask, stopTask } from "./ecs-tasks.js";
export { readLogStream } from "./on-first-use.js";
export type { LogReadOptions, LogStreamRef } from "./logs.js";
