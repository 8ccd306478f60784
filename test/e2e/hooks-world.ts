import { rm } from "node:fs/promises";
import path from "node:path";
import { ListTasksCommand, StopTaskCommand } from "@aws-sdk/client-ecs";
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { TestContext } from "vitest";
import { ControllerProcess, GitRemote, createCluster, ecsFor, tempDir } from "./controller-harness.js";
import { defaultNetwork, newAccountId } from "./moto.js";
import type { DefaultNetwork } from "./moto.js";
import { TaskProxy } from "./task-proxy.js";

/** A Fargate task definition `api` logging with awslogs, at `image`. */
export function taskDefinitionYaml(image: string): string {
  return `apiVersion: ecs-gitops/v1
kind: TaskDefinition
metadata:
  name: api
spec:
  requiresCompatibilities: [FARGATE]
  networkMode: awsvpc
  cpu: "256"
  memory: "512"
  containerDefinitions:
    - name: app
      image: ${image}
      essential: true
      # moto's RunTask adds up container memory (it fails without one)
      memory: 512
      logConfiguration:
        logDriver: awslogs
        options:
          awslogs-group: /ecs/api
          awslogs-region: us-east-1
          awslogs-stream-prefix: hooks
`;
}

/** Service `api` on cluster `shop` with a preDeploy hook `migrate` running `command`. */
export function serviceYaml(network: DefaultNetwork, command: string, extraHooks = ""): string {
  return `apiVersion: ecs-gitops/v1
kind: Service
metadata:
  name: api
spec:
  cluster: shop
  taskDefinition: api
  desiredCount: 1
  launchType: FARGATE
  networkConfiguration:
    awsvpcConfiguration:
      subnets: [${network.subnets[0]}]
      securityGroups: [${network.securityGroups[0]}]
      assignPublicIp: DISABLED
hooks:
  preDeploy:
    - name: migrate
      overrides:
        containerOverrides:
          - name: app
            command: [sh, -c, "${command}"]
      timeout: 5m
${extraHooks}`;
}

export type HookWorld = {
  accountId: string;
  ecs: ECSClient;
  remote: GitRemote;
  proxy: TaskProxy;
  start(extraArgs?: string[]): Promise<ControllerProcess>;
  /** StopTask every RUNNING task of cluster shop (moto never ends one itself); how many were stopped. */
  stopRunningTasks(): Promise<number>;
};

/** Its own moto account behind a TaskProxy, a git remote with `api`, and `ecs-gitops run` starters sharing one workdir. */
export async function hookWorld(context: TestContext, motoEndpoint: string, command: string, extraHooks = ""): Promise<HookWorld> {
  const accountId = newAccountId();
  const ecs = ecsFor(motoEndpoint, accountId);
  const proxy = new TaskProxy(motoEndpoint);
  await proxy.start();
  const root = await tempDir("hooks-e2e");
  const controllers: ControllerProcess[] = [];
  context.onTestFinished(async () => {
    await Promise.all(controllers.map((c) => c.signal("SIGKILL")));
    ecs.destroy();
    await proxy.stop();
    await rm(root, { recursive: true, force: true });
  });
  context.onTestFailed(() => {
    for (const c of controllers) console.log(c.tail(60));
  });
  const network = await defaultNetwork(motoEndpoint, accountId);
  await createCluster(ecs);
  const content = path.join(root, "content");
  const remote = await GitRemote.create(root, await writeContent(content, network, command, extraHooks));
  const workDir = path.join(root, "controller");
  return {
    accountId,
    ecs,
    remote,
    proxy,
    async start(extraArgs = []) {
      const controller = await ControllerProcess.start({
        repo: remote.url,
        endpoint: proxy.endpoint,
        accountId,
        workDir,
        interval: "1s",
        resync: "2s",
        extraArgs,
      });
      controllers.push(controller);
      return controller;
    },
    async stopRunningTasks() {
      const { taskArns = [] } = await ecs.send(new ListTasksCommand({ cluster: "shop", desiredStatus: "RUNNING" }));
      for (const task of taskArns) await ecs.send(new StopTaskCommand({ cluster: "shop", task, reason: "test: the task exits" }));
      return taskArns.length;
    },
  };
}

async function writeContent(dir: string, network: DefaultNetwork, command: string, extraHooks: string): Promise<string> {
  const { mkdir, writeFile } = await import("node:fs/promises");
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "task-definition.yaml"), taskDefinitionYaml("shop/api:1"));
  await writeFile(path.join(dir, "service.yaml"), serviceYaml(network, command, extraHooks));
  return dir;
}
