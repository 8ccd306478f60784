import { describe, expect, it } from "vitest";
import { planRevisionRollout } from "../../../../src/resources/service/codedeploy.js";
import type { JsonObject } from "../../../../src/json.js";
import { manifestOf } from "../builders.js";

const ARN = (n: number) => `arn:aws:ecs:eu-west-1:123456789012:task-definition/checkout:${n}`;
const LB = { loadBalancers: [{ targetGroupArn: "arn:tg/blue", containerName: "app", containerPort: 8080 }] };
const manifest = (spec: JsonObject = LB) => manifestOf("Service", "checkout", { taskDefinition: "checkout", ...spec });
const wanted = (n: number) => ({ display: ARN(n), input: ARN(n) });

describe("planRevisionRollout", () => {
  it("deploys a newer revision through CodeDeploy with an AppSpec naming it and the load balancer's container", () => {
    const rollout = planRevisionRollout(manifest(), { taskDefinition: ARN(1) }, "CODE_DEPLOY", wanted(2), "shop");
    expect(rollout).toMatchObject({ type: "deploy", change: { path: "/taskDefinition", desired: ARN(2), live: ARN(1) } });
    if (rollout.type !== "deploy") return;
    expect(rollout.call).toEqual({
      operation: "codedeploy:CreateDeployment",
      input: {
        cluster: "shop",
        service: "checkout",
        appSpec: {
          version: 0.0,
          Resources: [
            {
              TargetService: {
                Type: "AWS::ECS::Service",
                Properties: { TaskDefinition: ARN(2), LoadBalancerInfo: { ContainerName: "app", ContainerPort: 8080 } },
              },
            },
          ],
        },
      },
    });
  });

  it("judges the running revision by the PRIMARY task set, and waits while a task set already runs the wanted one", () => {
    const live = (sets: JsonObject[]): JsonObject => ({ taskDefinition: ARN(1), taskSets: sets });
    expect(
      planRevisionRollout(manifest(), live([{ status: "PRIMARY", taskDefinition: ARN(2) }]), "CODE_DEPLOY", wanted(2), "shop").type,
    ).toBe("none");
    const rolling = live([
      { status: "PRIMARY", taskDefinition: ARN(1) },
      { status: "ACTIVE", taskDefinition: ARN(2) },
    ]);
    expect(planRevisionRollout(manifest(), rolling, "CODE_DEPLOY", wanted(2), "shop").type).toBe("none");
  });

  it("does not deploy an older revision of the family than the one running", () => {
    expect(planRevisionRollout(manifest(), { taskDefinition: ARN(5) }, "CODE_DEPLOY", wanted(4), "shop").type).toBe("none");
  });

  it("blocks without a load balancer container, and always under EXTERNAL, with what to do", () => {
    expect(planRevisionRollout(manifest({}), { taskDefinition: ARN(1) }, "CODE_DEPLOY", wanted(2), "shop")).toMatchObject({
      type: "blocked",
      hint: expect.stringContaining("loadBalancers"),
    });
    expect(planRevisionRollout(manifest(), { taskDefinition: ARN(1) }, "EXTERNAL", wanted(2), "shop")).toMatchObject({
      type: "blocked",
      hint: expect.stringContaining("CreateTaskSet"),
    });
  });

  it("leaves ECS services to UpdateService", () => {
    expect(planRevisionRollout(manifest(), { taskDefinition: ARN(1) }, "ECS", wanted(2), "shop").type).toBe("none");
  });
});
