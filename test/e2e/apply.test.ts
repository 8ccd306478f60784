import {
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
} from "@aws-sdk/client-ecs";
import { ListTargetsByRuleCommand, DescribeRuleCommand } from "@aws-sdk/client-eventbridge";
import { beforeAll, describe, expect, inject, it } from "vitest";
import type { OneShotOptions } from "../../src/engine/one-shot.js";
import { editFile } from "./desired-repo.js";
import { MOTO_CREDENTIALS, MOTO_REGION } from "./moto.js";
import { examplesAccount } from "../support/examples-account.js";
import type { ExamplesAccount } from "../support/examples-account.js";
import { syncOnce } from "../support/sync-once.js";

process.env["AWS_ACCESS_KEY_ID"] ??= MOTO_CREDENTIALS.accessKeyId;
process.env["AWS_SECRET_ACCESS_KEY"] ??= MOTO_CREDENTIALS.secretAccessKey;

const endpoint = inject("motoEndpoint");

/** One account per scenario, so scenarios are independent and may run in parallel. */
async function account(): Promise<ExamplesAccount & { options: OneShotOptions }> {
  const account = await examplesAccount(endpoint);
  return {
    ...account,
    options: { path: account.dir, region: MOTO_REGION, endpoint, accountIdHeader: account.accountId, owner: "ecs-gitops" },
  };
}

describe("apply examples/ on moto_server", () => {
  let world: Awaited<ReturnType<typeof account>>;
  beforeAll(async () => {
    world = await account();
  });

  it("creates everything in an empty account, then converges to zero writes", async () => {
    const first = await syncOnce(world.options);
    expect(first.outcomes.map((o) => [o.key, o.outcome])).toEqual([
      ["TaskDefinition/nightly-report", "applied"],
      ["TaskDefinition/web", "applied"],
      ["TaskDefinition/worker", "applied"],
      ["Service/shop/web", "applied"],
      ["Service/shop/worker", "applied"],
      ["ScheduledRule/default/nightly-report", "applied"],
    ]);
    expect(first.writes).toEqual({ "ecs:RegisterTaskDefinition": 3, "ecs:CreateService": 2, "events:PutRule": 1, "events:PutTargets": 1 });

    // moto ignores some CreateService fields (deploymentConfiguration, placement, ...: docs/moto.md#createservice-ignores-some-fields),
    // so the second run may legitimately set them once with UpdateService; nothing else.
    const second = await syncOnce(world.options);
    expect(Object.keys(second.writes).filter((op) => op !== "ecs:UpdateService")).toEqual([]);
    const third = await syncOnce(world.options);
    expect(third.calls.writes).toBe(0);
    expect(third.actions.every((a) => a.type === "noop")).toBe(true);

    // Read back with the SDK: the service runs the revision ecs-gitops registered, tagged as owned.
    const { services } = await world.ecs.send(
      new DescribeServicesCommand({ cluster: "shop", services: ["web", "worker"], include: ["TAGS"] }),
    );
    expect(services?.map((s) => s.taskDefinition)).toEqual([
      `arn:aws:ecs:${MOTO_REGION}:${world.accountId}:task-definition/web:1`,
      `arn:aws:ecs:${MOTO_REGION}:${world.accountId}:task-definition/worker:1`,
    ]);
    expect(services?.[0]?.tags).toEqual(
      expect.arrayContaining([
        { key: "ecs-gitops:owner", value: "ecs-gitops" },
        { key: "team", value: "shop" },
      ]),
    );
    expect(services?.[1]?.desiredCount).toBe(3);
    const { taskDefinition, tags } = await world.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "web", include: ["TAGS"] }));
    expect(taskDefinition?.containerDefinitions?.[0]?.image).toMatch(/shop\/web:1\.4\.2$/);
    expect(tags?.find((t) => t.key === "ecs-gitops:spec-hash")?.value).toMatch(/^[0-9a-f]{16,64}$/);
    const rule = await world.events.send(new DescribeRuleCommand({ Name: "nightly-report" }));
    expect(rule).toMatchObject({ ScheduleExpression: "cron(0 3 * * ? *)", State: "ENABLED", Description: "Build the daily sales report" });
    const { Targets } = await world.events.send(new ListTargetsByRuleCommand({ Rule: "nightly-report" }));
    expect(Targets?.[0]?.EcsParameters?.TaskDefinitionArn).toBe(
      `arn:aws:ecs:${MOTO_REGION}:${world.accountId}:task-definition/nightly-report:1`,
    );
    expect(JSON.parse(Targets?.[0]?.Input ?? "{}")).toMatchObject({
      containerOverrides: [{ name: "report", command: ["node", "dist/report.js", "--since", "24h"] }],
    });
  });

  it("registers exactly one revision and updates one service when an image changes", async () => {
    await editFile(world.dir, "web/task-definition.yaml", (t) => t.replace("shop/web:1.4.2", "shop/web:1.5.0"));
    const run = await syncOnce(world.options);
    // The service manifest did not change, so its spec-hash tag stands: no TagResource.
    expect(run.writes).toEqual({ "ecs:RegisterTaskDefinition": 1, "ecs:UpdateService": 1 });
    const { services } = await world.ecs.send(new DescribeServicesCommand({ cluster: "shop", services: ["web"], include: ["TAGS"] }));
    expect(services?.[0]?.taskDefinition).toBe(`arn:aws:ecs:${MOTO_REGION}:${world.accountId}:task-definition/web:2`);
    expect((await syncOnce(world.options)).calls.writes).toBe(0);
  });

  it("updates only the service, and retags its spec hash, when only desiredCount changes", async () => {
    await editFile(world.dir, "worker/service.yaml", (t) => t.replace("desiredCount: 3", "desiredCount: 5"));
    const run = await syncOnce(world.options);
    // The service manifest changed in git, so its spec-hash tag moves with one TagResource (which
    // carries the revision tag too); that is how the reconciler tells this deploy from drift.
    expect(run.writes).toEqual({ "ecs:UpdateService": 1, "ecs:TagResource": 1 });
    const { services } = await world.ecs.send(new DescribeServicesCommand({ cluster: "shop", services: ["worker"], include: ["TAGS"] }));
    expect(services?.[0]?.desiredCount).toBe(5);
    // The new spec hash was written: the next run sees neither a pending deploy nor drift.
    expect((await syncOnce(world.options)).calls.writes).toBe(0);
  });

  it("adds a target with PutTargets and removes it again with RemoveTargets, retagging the spec hash each time", async () => {
    const second = (t: string) =>
      t.replace(
        "  targets:\n",
        `  targets:\n    - id: report-eu\n      cluster: shop\n      taskDefinition: ` +
          `nightly-report\n      roleArn: arn:aws:iam::123456789012:role/shop-events-run-task\n ` +
          `     launchType: FARGATE\n      networkConfiguration:\n        awsvpcConfiguration:\n ` +
          `         subnets: [${world.network.subnets[0]}]\n`,
      );
    await editFile(world.dir, "nightly-report/scheduled-rule.yaml", second);
    // Each edit changes the rule manifest, so its spec-hash tag moves with one events:TagResource.
    expect((await syncOnce(world.options)).writes).toEqual({ "events:PutTargets": 1, "events:TagResource": 1 });
    await editFile(world.dir, "nightly-report/scheduled-rule.yaml", (t) =>
      t.replace(/    - id: report-eu\n(      .*\n|          .*\n)+?(?=    - id: report\n)/, ""),
    );
    expect((await syncOnce(world.options)).writes).toEqual({ "events:RemoveTargets": 1, "events:TagResource": 1 });
    const { Targets } = await world.events.send(new ListTargetsByRuleCommand({ Rule: "nightly-report" }));
    expect(Targets?.map((t) => t.Id)).toEqual(["report"]);
    expect((await syncOnce(world.options)).calls.writes).toBe(0);
  });
});

describe("resources ecs-gitops does not own", () => {
  it("leaves an existing unowned service untouched and reports it blocked", async () => {
    const world = await account();
    const { taskDefinition } = await world.ecs.send(
      new RegisterTaskDefinitionCommand({ family: "handmade", containerDefinitions: [{ name: "web", image: "nginx", memory: 128 }] }),
    );
    await world.ecs.send(
      new CreateServiceCommand({
        cluster: "shop",
        serviceName: "worker",
        taskDefinition: taskDefinition?.taskDefinitionArn,
        desiredCount: 1,
      }),
    );
    const run = await syncOnce(world.options);
    const worker = run.outcomes.find((o) => o.key === "Service/shop/worker");
    expect(worker).toMatchObject({ outcome: "blocked" });
    expect(run.writes["ecs:UpdateService"]).toBeUndefined();
    const { services } = await world.ecs.send(new DescribeServicesCommand({ cluster: "shop", services: ["worker"], include: ["TAGS"] }));
    expect(services?.[0]).toMatchObject({ taskDefinition: taskDefinition?.taskDefinitionArn, desiredCount: 1 });
  });
});
