import type { JsonObject, JsonValue } from "../../../../src/json.js";
import type { Manifest } from "../../../../src/manifests/types.js";
import { manifestSpecHash } from "../../../../src/resources/common/spec-hash.js";
import { OWNER_TAG, REVISION_TAG, SOURCE_TAG, SPEC_HASH_TAG } from "../../../../src/resources/types.js";
import { manifestOf, merge } from "../builders.js";
import type { Overrides } from "../builders.js";

/*
 * One Fargate service `web` on cluster `prod`, as git writes it (spec) and as ECS describes it
 * after ecs-gitops applied it (live): the shared fixture of the service plan tests and of the
 * tests that follow a service plan into the policy.
 */

export const TD3 = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3";
export const TD4 = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:4";
export const SERVICE_ARN = "arn:aws:ecs:us-east-1:123456789012:service/prod/web";

export function spec(overrides: Overrides = {}): JsonObject {
  return merge(
    {
      cluster: "prod",
      taskDefinition: "web",
      desiredCount: 2,
      launchType: "FARGATE",
      networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-a"], securityGroups: ["sg-1"] } },
    },
    overrides,
  );
}

/** The tags ecs-gitops wrote when it applied `applied`: ownership, its spec hash, an older commit. */
export function ownedTags(applied: Manifest = web()): JsonValue[] {
  return [
    { key: OWNER_TAG, value: "ecs-gitops" },
    { key: SOURCE_TAG, value: "web.yaml" },
    { key: SPEC_HASH_TAG, value: manifestSpecHash(applied) },
    { key: REVISION_TAG, value: "0ld" },
  ];
}

/**
 * The live service ecs-gitops left after applying `applied` (by default `web()`, i.e. `spec()`),
 * owned and tagged; `overrides` are what changed in AWS since (drift) or differ from `spec()`.
 */
export function live(overrides: Overrides = {}, applied: Manifest = web()): JsonObject {
  return merge(
    {
      serviceArn: SERVICE_ARN,
      serviceName: "web",
      clusterArn: "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
      status: "ACTIVE",
      desiredCount: 2,
      runningCount: 2,
      launchType: "FARGATE",
      platformVersion: "LATEST",
      taskDefinition: TD3,
      deploymentConfiguration: {
        maximumPercent: 200,
        minimumHealthyPercent: 100,
        deploymentCircuitBreaker: { enable: false, rollback: false },
      },
      deployments: [{ id: "ecs-svc/1", status: "PRIMARY", taskDefinition: TD3 }],
      networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-a"], securityGroups: ["sg-1"], assignPublicIp: "DISABLED" } },
      schedulingStrategy: "REPLICA",
      propagateTags: "NONE",
      enableECSManagedTags: false,
      tags: ownedTags(applied),
    },
    overrides,
  );
}

export const web = (s: JsonObject = spec(), options: Parameters<typeof manifestOf>[3] = {}) => manifestOf("Service", "web", s, options);
