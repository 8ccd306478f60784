import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateServiceCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  StopTaskCommand,
} from "@aws-sdk/client-ecs";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { applyMotoAccountHeader } from "../../src/aws/account-header.js";
import { runCli } from "../../src/cli/main.js";
import { createCluster, ecsFor, waitFor } from "./controller-harness.js";
import { defaultNetwork, MOTO_CREDENTIALS, MOTO_REGION, newAccountId } from "./moto.js";
import type { DefaultNetwork } from "./moto.js";
import { TaskProxy } from "./task-proxy.js";

const motoEndpoint = inject("motoEndpoint");
const accountId = newAccountId();
const ecs = ecsFor(motoEndpoint, accountId);
const logs = new CloudWatchLogsClient({ endpoint: motoEndpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS, maxAttempts: 1 });
applyMotoAccountHeader(logs.middlewareStack, accountId);
const proxy = new TaskProxy(motoEndpoint);
let network: DefaultNetwork;

beforeAll(async () => {
  await proxy.start();
  network = await defaultNetwork(motoEndpoint, accountId);
  await createCluster(ecs);
  await logs.send(new CreateLogGroupCommand({ logGroupName: "/ecs/tool" }));
  for (const image of ["tool:1", "tool:2"]) {
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: "tool",
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: "256",
        memory: "512",
        containerDefinitions: [
          {
            name: "app",
            image,
            memory: 512,
            logConfiguration: {
              logDriver: "awslogs",
              options: { "awslogs-group": "/ecs/tool", "awslogs-region": MOTO_REGION, "awslogs-stream-prefix": "run" },
            },
          },
          { name: "sidecar", image: "envoy", memory: 64, essential: false },
        ],
      }),
    );
  }
  vi.stubEnv("ECS_GITOPS_TEST_ACCOUNT_ID", accountId);
  vi.stubEnv("AWS_ACCESS_KEY_ID", MOTO_CREDENTIALS.accessKeyId);
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", MOTO_CREDENTIALS.secretAccessKey);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  ecs.destroy();
  logs.destroy();
  await proxy.stop();
});

async function runTask(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const argv = ["run-task", ...args, "--endpoint-url", proxy.endpoint, "--region", MOTO_REGION];
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

/** Once the n-th task runs: write `lines` to its awslogs stream, then stop it (moto never ends a task). */
async function taskLogsAndExits(n: number, lines: string[]): Promise<string> {
  await waitFor(`task ${n} to start`, () => proxy.tasksStarted >= n, { timeoutMs: 20_000, intervalMs: 50 });
  const { taskArns = [] } = await ecs.send(new ListTasksCommand({ cluster: "shop", desiredStatus: "RUNNING" }));
  const taskArn = taskArns[0]!;
  const stream = `run/app/${taskArn.split("/").pop()!}`;
  await logs.send(new CreateLogStreamCommand({ logGroupName: "/ecs/tool", logStreamName: stream }));
  const now = Date.now();
  const events = lines.map((message, i) => ({ message, timestamp: now + i }));
  await logs.send(new PutLogEventsCommand({ logGroupName: "/ecs/tool", logStreamName: stream, logEvents: events }));
  await ecs.send(new StopTaskCommand({ cluster: "shop", task: taskArn, reason: "Essential container in task exited" }));
  return taskArn;
}

describe.sequential("ecs-gitops run-task against moto (behind a task proxy for exit codes)", () => {
  it(
    "runs a family's latest revision with flag overrides, prints its log lines and exits with its exit code",
    { timeout: 60_000 },
    async () => {
      const running = runTask(
        "tool",
        "--cluster",
        "shop",
        "--command",
        '["sh","-c","migrate && exit 3"]',
        "--env",
        "PHASE=one",
        "--env",
        "DSN=x=y",
        "--cpu",
        "128",
        "--memory",
        "256",
        "--container",
        "app",
        "--launch-type",
        "FARGATE",
        "--subnets",
        network.subnets[0]!,
        "--security-groups",
        network.securityGroups[0]!,
        "--assign-public-ip",
        "--timeout",
        "2m",
      );
      const taskArn = await taskLogsAndExits(1, ["migrating 12 tables", "failed at table 7"]);
      const result = await running;
      expect(result.code).toBe(3);
      expect(result.out).toBe("migrating 12 tables\nfailed at table 7\n");
      expect(result.err).toContain(`${taskArn} stopped: exit code 3`);
      expect(proxy.runTasks[0]).toMatchObject({
        cluster: "shop",
        taskDefinition: `arn:aws:ecs:${MOTO_REGION}:${accountId}:task-definition/tool:2`,
        launchType: "FARGATE",
        networkConfiguration: {
          awsvpcConfiguration: { subnets: [network.subnets[0]], securityGroups: [network.securityGroups[0]], assignPublicIp: "ENABLED" },
        },
        overrides: {
          containerOverrides: [
            {
              name: "app",
              command: ["sh", "-c", "migrate && exit 3"],
              environment: [
                { name: "PHASE", value: "one" },
                { name: "DSN", value: "x=y" },
              ],
              cpu: 128,
              memory: 256,
            },
          ],
        },
      });
    },
  );

  it("runs a service's current revision with its network configuration and exits 0", { timeout: 60_000 }, async () => {
    await ecs.send(
      new CreateServiceCommand({
        cluster: "shop",
        serviceName: "api",
        taskDefinition: `arn:aws:ecs:${MOTO_REGION}:${accountId}:task-definition/tool:1`,
        desiredCount: 0,
        launchType: "FARGATE",
        networkConfiguration: { awsvpcConfiguration: { subnets: [network.subnets[1]!], securityGroups: [network.securityGroups[0]!] } },
      }),
    );
    const running = runTask("Service/shop/api", "--command", "bin/seed --all");
    await taskLogsAndExits(2, ["seeded"]);
    const result = await running;
    expect(result).toMatchObject({ code: 0, out: "seeded\n" });
    expect(proxy.runTasks[1]).toMatchObject({
      taskDefinition: `arn:aws:ecs:${MOTO_REGION}:${accountId}:task-definition/tool:1`,
      launchType: "FARGATE",
      networkConfiguration: { awsvpcConfiguration: { subnets: [network.subnets[1]] } },
      overrides: { containerOverrides: [{ name: "app", command: ["bin/seed", "--all"] }] },
    });
  });

  it(
    "--timeout stops the task and fails; --capacity-provider replaces the launch type; bad input exits 2",
    { timeout: 60_000 },
    async () => {
      const net = ["--subnets", network.subnets[0]!, "--security-groups", network.securityGroups[0]!];
      const timedOut = await runTask("tool:1", "--cluster", "shop", "--launch-type", "FARGATE", ...net, "--timeout", "1s");
      expect(timedOut, timedOut.err).toMatchObject({ code: 1 });
      const arn = /started (\S+)/.exec(timedOut.err)![1]!;
      const { tasks = [] } = await ecs.send(new DescribeTasksCommand({ cluster: "shop", tasks: [arn] }));
      expect(tasks[0]?.stoppedReason).toContain("--timeout");
      // moto places capacity-provider tasks on container instances only (none here): the request shape is what counts.
      await runTask("tool:1", "--cluster", "shop", "--capacity-provider", "FARGATE_SPOT");
      expect(proxy.runTasks.at(-1)).toMatchObject({ capacityProviderStrategy: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }] });
      expect(proxy.runTasks.at(-1)?.["launchType"]).toBeUndefined();
      expect((await runTask("tool", "--container", "web")).err).toMatch(/--container web: .* has app, sidecar/);
      expect((await runTask("Service/shop/nope")).code).toBe(2);
      expect((await runTask("tool", "--cpu", "0")).err).toContain("--cpu");
    },
  );
});
