import { describeTaskDefinition } from "../../aws/index.js";
import type { AwsClients } from "../../aws/index.js";
import { readLiveTaskDefinition } from "./normalize.js";
import type { LiveTaskDefinition } from "./normalize.js";

/**
 * One DescribeTaskDefinition (a family's latest ACTIVE revision, or one ARN) as the engine keeps
 * revisions; undefined when AWS has none, or, with `activeOnly`, when the revision is INACTIVE.
 */
export async function describeRevision(
  aws: AwsClients,
  familyOrArn: string,
  read: <T>(call: () => Promise<T>) => Promise<T>,
  options: { activeOnly?: boolean } = {},
): Promise<LiveTaskDefinition | undefined> {
  const response = await read(() => describeTaskDefinition(aws, familyOrArn));
  if (!response) return undefined;
  const live = readLiveTaskDefinition(response);
  if (!live?.arn || live.revision === undefined) return undefined;
  if (options.activeOnly === true && live.status !== undefined && live.status !== "ACTIVE") return undefined;
  return { arn: live.arn, revision: live.revision, taskDefinition: live.taskDefinition, tags: live.tags };
}
