import { describe, expect, it } from "vitest";
import { decide } from "../../../src/controller/policy.js";
import type { PolicyInput } from "../../../src/controller/policy.js";
import type { JsonObject } from "../../../src/json.js";
import { manifestSpecHash } from "../../../src/resources/common/spec-hash.js";
import { planService } from "../../../src/resources/service/plan.js";
import { OWNER_TAG, REVISION_TAG, SOURCE_TAG, SPEC_HASH_TAG } from "../../../src/resources/types.js";
import { manifestOf, planContext, resolverOf } from "../resources/builders.js";
import { DRIFTED } from "./policy-inputs.js";

// decide() is handed the paths the plan left; an ignored path must never reach it. This follows
// one hand change from the plan to the verdict: healed when git manages the field, in sync when
// an ignore-differences annotation names it.

const TD3 = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3";
const SPEC: JsonObject = {
  cluster: "prod",
  taskDefinition: "web",
  desiredCount: 2,
  launchType: "FARGATE",
  networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-a"], securityGroups: ["sg-1"] } },
};

/** The live service after our last apply of SPEC, with desiredCount changed by hand to 9. */
function scaledByHand(): JsonObject {
  return {
    serviceArn: "arn:aws:ecs:us-east-1:123456789012:service/prod/web",
    serviceName: "web",
    clusterArn: "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
    status: "ACTIVE",
    desiredCount: 9,
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
    tags: [
      { key: OWNER_TAG, value: "ecs-gitops" },
      { key: SOURCE_TAG, value: "web.yaml" },
      { key: SPEC_HASH_TAG, value: manifestSpecHash(manifestOf("Service", "web", SPEC)) },
      { key: REVISION_TAG, value: "c1" },
    ],
  };
}

function verdictFor(annotations: Record<string, string>): ReturnType<typeof decide> {
  const manifest = manifestOf("Service", "web", SPEC, { annotations });
  const action = planService(manifest, scaledByHand(), planContext({ resolveTaskDefinition: resolverOf({ web: TD3 }) }));
  if (action.type === "blocked") throw new Error(`unexpected blocked plan: ${action.reason}`);
  const input: PolicyInput = {
    ...DRIFTED,
    action: action.type,
    changedPaths: action.changes.map((change) => change.path),
    selfHeal: true,
  };
  return decide(input);
}

describe("an ignored path from plan to verdict", () => {
  it("heals a hand change to a field git manages", () => {
    expect(verdictFor({})).toMatchObject({ verdict: "heal" });
  });

  it("is in sync, with no heal, when the only difference is an ignored path", () => {
    expect(verdictFor({ "ecs-gitops/ignore-differences": "desiredCount" })).toMatchObject({
      verdict: "in-sync",
      reason: "NoDifference",
      sync: "Synced",
    });
  });
});
