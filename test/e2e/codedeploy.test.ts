import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  CodeDeployClient,
  CreateApplicationCommand,
  CreateDeploymentGroupCommand,
  GetDeploymentCommand,
  ListDeploymentsCommand,
} from "@aws-sdk/client-codedeploy";
import { describe, expect, inject, it } from "vitest";
import { applyMotoAccountHeader } from "../../src/aws/account-header.js";
import { codeDeployTimeProxy } from "./codedeploy-time-proxy.js";
import { editFile } from "./desired-repo.js";
import { commitAll, createWorld, eventually, runController, writesBetween } from "./drift-harness.js";
import { MOTO_CREDENTIALS, MOTO_REGION } from "./moto.js";

process.env["AWS_ACCESS_KEY_ID"] ??= MOTO_CREDENTIALS.accessKeyId;
process.env["AWS_SECRET_ACCESS_KEY"] ??= MOTO_CREDENTIALS.secretAccessKey;
const endpoint = inject("motoEndpoint");

const TASK_DEFINITION = `apiVersion: ecs-gitops/v1
kind: TaskDefinition
metadata: {name: checkout}
spec:
  networkMode: bridge
  containerDefinitions:
    - {name: app, image: "public.ecr.aws/nginx/nginx:1.27", essential: true, memory: 128, portMappings: [{containerPort: 8080}]}
`;

function service(annotations: string): string {
  return (
    `apiVersion: ecs-gitops/v1
kind: Service
metadata:
  name: checkout
${annotations}spec:
 ` +
    ` cluster: shop
  taskDefinition: checkout
  desiredCount: 1
  launchType: ` +
    `EC2
  deploymentController: {type: CODE_DEPLOY}
  loadBalancers:
    - ` +
    `{targetGroupArn: "arn:aws:elasticloadbalancing:${MOTO_REGION}:123456789012:targetgroup/checkout-blue/0123456789abcdef", ` +
    `containerName: app, containerPort: 8080}
`
  );
}

describe("CODE_DEPLOY services", () => {
  it.each([
    [
      "named by annotations",
      "  annotations:\n    ecs-gitops/codedeploy-application: shop-checkout\n    ecs-gitops/codedeploy-deployment-group: checkout-bg\n",
    ],
    ["discovered from the group's ecsServices", ""],
  ])(
    "a new image makes 1 registration and 1 CreateDeployment whose AppSpec names it, no UpdateService of the revision (%s)",
    async (_how, annotations) => {
      const world = await createWorld(endpoint);
      const proxy = await codeDeployTimeProxy(endpoint);
      const codedeploy = new CodeDeployClient({ endpoint: proxy.url, region: MOTO_REGION, credentials: MOTO_CREDENTIALS, maxAttempts: 1 });
      applyMotoAccountHeader(codedeploy.middlewareStack, world.accountId);
      // A decoy group for another service: discovery must pick the one listing ours.
      await codedeploy.send(new CreateApplicationCommand({ applicationName: "shop-checkout", computePlatform: "ECS" }));
      for (const [group, serviceName] of [
        ["other-bg", "payments"],
        ["checkout-bg", "checkout"],
      ] as const)
        await codedeploy.send(
          new CreateDeploymentGroupCommand({
            applicationName: "shop-checkout",
            deploymentGroupName: group,
            serviceRoleArn: "arn:aws:iam::123456789012:role/codedeploy-ecs",
            deploymentStyle: { deploymentType: "BLUE_GREEN", deploymentOption: "WITH_TRAFFIC_CONTROL" },
            ecsServices: [{ clusterName: "shop", serviceName }],
          }),
        );
      await mkdir(path.join(world.dir, "checkout"));
      await writeFile(path.join(world.dir, "checkout", "task-definition.yaml"), TASK_DEFINITION);
      await writeFile(path.join(world.dir, "checkout", "service.yaml"), service(annotations));
      await commitAll(world.dir, "checkout on CodeDeploy");
      const run = await runController({ ...world, endpoint: proxy.url }, { resyncMs: 500 });
      try {
        await run.converged();
        const before = run.controller.calls.snapshot().byOperation;
        await editFile(world.dir, "checkout/task-definition.yaml", (t) => t.replace("nginx:1.27", "nginx:1.28"));
        await commitAll(world.dir, "checkout 1.28");
        await eventually(() => run.controller.calls.calls("codedeploy:CreateDeployment") > 0, 20_000, "a CodeDeploy deployment");
        await run.cycles("Service/shop/checkout", 4);
        const writes = writesBetween(before, run.controller.calls.snapshot().byOperation);
        expect(writes["ecs:RegisterTaskDefinition"]).toBe(1);
        expect(writes["codedeploy:CreateDeployment"]).toBe(1);
        expect(writes["ecs:UpdateService"]).toBeUndefined();
        // UpdateService may carry other fields or nothing at all; never the revision (AWS refuses it).
        const updates = run.lines.filter(
          (l) => l.msg === "aws write" && l.key === "Service/shop/checkout" && l["operation"] === "ecs:UpdateService",
        );
        expect(updates).toEqual([]);

        // moto never moves a deployment past Created: the status follows it as Progressing.
        const status = (await run.status()).resources.find((r) => r.key === "Service/shop/checkout");
        expect(status).toMatchObject({ health: "Progressing", message: expect.stringMatching(/^CodeDeploy deployment \S+ Created$/) });
        const ids = (
          await codedeploy.send(new ListDeploymentsCommand({ applicationName: "shop-checkout", deploymentGroupName: "checkout-bg" }))
        ).deployments;
        expect(ids).toHaveLength(1);
        expect(status?.message).toBe(`CodeDeploy deployment ${ids![0]!} Created`);
        const info = (await codedeploy.send(new GetDeploymentCommand({ deploymentId: ids![0]! }))).deploymentInfo!;
        const appSpec = JSON.parse(info.revision!.appSpecContent!.content!) as {
          Resources: { TargetService: { Properties: { TaskDefinition: string; LoadBalancerInfo: unknown } } }[];
        };
        expect(appSpec.Resources[0]!.TargetService.Properties).toEqual({
          TaskDefinition: world.arn.taskDefinition("checkout", 2),
          LoadBalancerInfo: { ContainerName: "app", ContainerPort: 8080 },
        });
      } finally {
        await run.stop();
        codedeploy.destroy();
        await proxy.close();
        await world.close();
      }
    },
    90_000,
  );
});
