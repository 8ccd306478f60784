import { DescribeScalableTargetsCommand, DescribeScalingPoliciesCommand } from "@aws-sdk/client-application-auto-scaling";
import type { ServiceNamespace } from "@aws-sdk/client-application-auto-scaling";
import type { JsonObject } from "../json.js";
import type { AwsClients } from "./clients.js";
import { chunk, listAll } from "./paginate.js";
import { toPlainObject } from "./plain-json.js";

/** xref: DescribeScalableTargets takes at most 50 ResourceIds and answers 50 per page. */
export const DESCRIBE_SCALABLE_TARGETS_BATCH = 50;

/** The registered scalable targets among `resourceIds` of one namespace, ⌈n/50⌉ calls (PascalCase). */
export async function describeScalableTargets(
  clients: AwsClients,
  namespace: string,
  resourceIds: readonly string[],
): Promise<JsonObject[]> {
  const where = `${namespace} scalable targets (application-autoscaling:DescribeScalableTargets)`;
  const out: JsonObject[] = [];
  for (const batch of chunk(resourceIds, DESCRIBE_SCALABLE_TARGETS_BATCH)) {
    const found = await listAll(where, async (NextToken) => {
      const page = await clients.autoscaling.send(
        new DescribeScalableTargetsCommand({ ServiceNamespace: namespace as ServiceNamespace, ResourceIds: batch, NextToken }),
      );
      return { items: (page.ScalableTargets ?? []).map(toPlainObject), nextToken: page.NextToken };
    });
    out.push(...found);
  }
  return out;
}

/** Every scaling policy of one scalable target (all pages, 50 each). */
export async function describeScalingPolicies(
  clients: AwsClients,
  namespace: string,
  resourceId: string,
  dimension: string,
): Promise<JsonObject[]> {
  const where = `${resourceId} scaling policies (application-autoscaling:DescribeScalingPolicies)`;
  const found = await listAll(where, async (NextToken) => {
    const page = await clients.autoscaling.send(
      new DescribeScalingPoliciesCommand({ ServiceNamespace: namespace as ServiceNamespace, ResourceId: resourceId, NextToken }),
    );
    return { items: (page.ScalingPolicies ?? []).map(toPlainObject), nextToken: page.NextToken };
  });
  // moto matches ResourceId as a substring: keep this target's own policies only.
  return found.filter((p) => p["ResourceId"] === resourceId && p["ScalableDimension"] === dimension);
}
