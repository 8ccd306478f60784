import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PutScalingPolicyCommand, RegisterScalableTargetCommand } from "@aws-sdk/client-application-auto-scaling";
import { CreateClusterCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { GetScheduleCommand, UpdateScheduleCommand } from "@aws-sdk/client-scheduler";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { callsBetween, WaveHarness } from "../../bench/harness.js";
import { createAwsClients, destroyAwsClients } from "../../src/aws/index.js";
import type { AwsClients } from "../../src/aws/index.js";
import { repoFiles } from "./kinds-repo.js";
import { defaultNetwork, MOTO_CREDENTIALS, MOTO_REGION, newAccountId } from "./moto.js";

const endpoint = inject("motoEndpoint");
const WRITE = new RegExp(
  "^(scheduler:(Create|Update)Schedule" +
    "|application-autoscaling:(RegisterScalableTarget|PutScalingPolicy|DeleteScalingPolicy)" +
    "|ecs:(CreateService|UpdateService|RegisterTaskDefinition|TagResource|UntagResource))$",
);

/** The controller's reconcile path (queue, waves, one persistent reader) with self-heal on. */
describe("Schedule and ScalableTarget through the reconciler, self-heal on", () => {
  let dir: string;
  let aws: AwsClients;
  let harness: WaveHarness;
  let keys: string[];

  beforeAll(async () => {
    const accountId = newAccountId();
    const network = await defaultNetwork(endpoint, accountId);
    aws = createAwsClients({ endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS, accountIdHeader: accountId, rateLimit: false });
    await aws.ecs.send(new CreateClusterCommand({ clusterName: "shop" }));
    dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-kinds-controller-"));
    for (const [file, text] of Object.entries(repoFiles(accountId, network))) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text);
    }
    harness = new WaveHarness({ aws, region: MOTO_REGION, selfHeal: true });
    const loaded = await harness.load(dir, "c0ffee1");
    expect(loaded.problems).toEqual([]);
    keys = loaded.keys;
  });

  afterAll(async () => {
    await harness?.stop();
    if (aws) destroyAwsClients(aws);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function writesOfSync(): Promise<Record<string, number>> {
    const before = harness.calls();
    const run = await harness.sync(keys);
    expect(run.failed).toEqual([]);
    return Object.fromEntries(Object.entries(callsBetween(before, harness.calls())).filter(([op]) => WRITE.test(op)));
  }

  it("creates everything, then a resync writes nothing", async () => {
    expect(await writesOfSync()).toEqual({
      "ecs:RegisterTaskDefinition": 2,
      "ecs:CreateService": 1,
      "application-autoscaling:RegisterScalableTarget": 1,
      "application-autoscaling:PutScalingPolicy": 1,
      "scheduler:CreateSchedule": 2,
    });
    expect(await writesOfSync()).toEqual({});
    for (const key of keys) expect(harness.status.get(key)?.sync, key).toBe("Synced");
  });

  it("the autoscaler's desiredCount is not drift; hand changes are healed with one write each", async () => {
    await aws.ecs.send(new UpdateServiceCommand({ cluster: "shop", service: "web", desiredCount: 6 }));
    expect(await writesOfSync()).toEqual({});
    const live = await aws.scheduler.send(new GetScheduleCommand({ Name: "backfill-once" }));
    await aws.scheduler.send(
      new UpdateScheduleCommand({
        Name: "backfill-once",
        ScheduleExpression: "at(2031-04-02T06:00:00)",
        FlexibleTimeWindow: live.FlexibleTimeWindow,
        Target: live.Target,
        Description: live.Description,
        State: live.State,
      }),
    );
    const target = {
      ServiceNamespace: "ecs" as const,
      ResourceId: "service/shop/web",
      ScalableDimension: "ecs:service:DesiredCount" as const,
    };
    await aws.autoscaling.send(new RegisterScalableTargetCommand({ ...target, MaxCapacity: 3 }));
    await aws.autoscaling.send(
      new PutScalingPolicyCommand({
        ...target,
        PolicyName: "cpu-60",
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 40,
          PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageCPUUtilization" },
          ScaleInCooldown: 120,
        },
      }),
    );
    expect(await writesOfSync()).toEqual({
      "scheduler:UpdateSchedule": 1,
      "application-autoscaling:RegisterScalableTarget": 1,
      "application-autoscaling:PutScalingPolicy": 1,
    });
    expect((await aws.scheduler.send(new GetScheduleCommand({ Name: "backfill-once" }))).ScheduleExpression).toBe(
      "at(2031-04-01T06:00:00)",
    );
    expect(await writesOfSync()).toEqual({});
  });
});
