import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { CreateClusterCommand } from "@aws-sdk/client-ecs";
import { CreateScheduleCommand, GetScheduleCommand, UpdateScheduleCommand } from "@aws-sdk/client-scheduler";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createAwsClients, destroyAwsClients } from "../../src/aws/index.js";
import type { AwsClients } from "../../src/aws/index.js";
import { LiveReader } from "../../src/engine/live-state.js";
import { applyOnce, planOnce } from "../../src/engine/one-shot.js";
import type { Manifest } from "../../src/manifests/types.js";
import { loadDesiredState } from "../../src/resources/load.js";
import { defaultNetwork, MOTO_CREDENTIALS, MOTO_REGION, newAccountId } from "./moto.js";

process.env["AWS_ACCESS_KEY_ID"] ??= MOTO_CREDENTIALS.accessKeyId;
process.env["AWS_SECRET_ACCESS_KEY"] ??= MOTO_CREDENTIALS.secretAccessKey;

const endpoint = inject("motoEndpoint");
const SCHEDULES = 5;
const SERVICES = 2;
/** Schedules of another tool in the same group: the group lists 105, so ListSchedules takes 2 pages. */
const FOREIGN = 100;
const READS = [
  "scheduler:ListSchedules",
  "scheduler:GetSchedule",
  "application-autoscaling:DescribeScalableTargets",
  "application-autoscaling:DescribeScalingPolicies",
  "ecs:DescribeServices",
] as const;

/** docs/kinds.md#read-budget, asserted exactly on moto with a persistent reader (as the controller keeps one). */
describe(`read budget of ${SCHEDULES} schedules (+${FOREIGN} foreign) and ${SERVICES} scalable targets`, () => {
  let dir: string;
  let aws: AwsClients;
  let accountId: string;
  let manifests: Manifest[];
  let reader: LiveReader;

  beforeAll(async () => {
    accountId = newAccountId();
    const network = await defaultNetwork(endpoint, accountId);
    aws = createAwsClients({ endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS, accountIdHeader: accountId, rateLimit: false });
    await aws.ecs.send(new CreateClusterCommand({ clusterName: "fleet" }));
    dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-kinds-budget-"));
    await mkdir(path.join(dir, "m"));
    const files: Record<string, string> = {
      "td.yaml": `apiVersion: ecs-gitops/v1
kind: TaskDefinition
metadata: {name: job}
spec:
  requiresCompatibilities: [FARGATE]
  networkMode: awsvpc
  cpu: "256"
  memory: "512"
  containerDefinitions: [{name: job, image: "busybox:1.36", essential: true}]
`,
    };
    for (let i = 0; i < SERVICES; i++) {
      files[`svc-${i}.yaml`] =
        `apiVersion: ecs-gitops/v1
kind: Service
metadata: {name: svc-${i}}
spec:
 ` +
        ` cluster: fleet
  taskDefinition: job
  desiredCount: 1
  launchType: ` +
        `FARGATE
  networkConfiguration: {awsvpcConfiguration: {subnets: [${network.subnets[0]}], ` +
        `securityGroups: [${network.securityGroups[0]}]}}
---
apiVersion: ecs-gitops/v1
kind: ` +
        `ScalableTarget
metadata: {name: svc-${i}}
spec:
  serviceNamespace: ecs
 ` +
        ` resourceId: service/fleet/svc-${i}
  scalableDimension: ecs:service:DesiredCount
 ` +
        ` minCapacity: 1
  maxCapacity: 4
  policies:
    - policyName: cpu
   ` +
        `   policyType: TargetTrackingScaling
      targetTrackingScalingPolicyConfiguration: ` +
        `{targetValue: 50, predefinedMetricSpecification: {predefinedMetricType: ` +
        `ECSServiceAverageCPUUtilization}}
`;
    }
    for (let i = 0; i < SCHEDULES; i++) {
      files[`schedule-${i}.yaml`] = `apiVersion: ecs-gitops/v1
kind: Schedule
metadata: {name: job-${i}}
spec:
  scheduleExpression: rate(${i + 2} hours)
  target:
    arn: arn:aws:ecs:${MOTO_REGION}:${accountId}:cluster/fleet
    roleArn: arn:aws:iam::${accountId}:role/scheduler
    ecsParameters: {taskDefinitionArn: job, launchType: FARGATE}
`;
    }
    for (const [file, text] of Object.entries(files)) await writeFile(path.join(dir, "m", file), text);
    for (let i = 0; i < FOREIGN; i++)
      await aws.scheduler.send(
        new CreateScheduleCommand({
          Name: `theirs-${i}`,
          ScheduleExpression: "rate(1 day)",
          FlexibleTimeWindow: { Mode: "OFF" },
          Target: { Arn: `arn:aws:sqs:${MOTO_REGION}:${accountId}:q`, RoleArn: `arn:aws:iam::${accountId}:role/theirs` },
        }),
      );
    const plan = await planOnce({
      path: path.join(dir, "m"),
      region: MOTO_REGION,
      endpoint,
      accountIdHeader: accountId,
      owner: "ecs-gitops",
      rateLimit: false,
    });
    expect(plan.problems.filter((p) => p.severity === "error")).toEqual([]);
    expect((await applyOnce(plan)).filter((o) => o.outcome !== "applied")).toEqual([]);
    destroyAwsClients(plan.aws);
    manifests = (await loadDesiredState(path.join(dir, "m"))).manifests;
    reader = new LiveReader(aws);
  });

  afterAll(async () => {
    if (aws) destroyAwsClients(aws);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function readCost(): Promise<Record<string, number>> {
    const before = READS.map((op) => aws.calls.calls(op));
    await reader.snapshot(manifests, { defaultCluster: undefined });
    return Object.fromEntries(READS.map((op, i) => [op, aws.calls.calls(op) - (before[i] ?? 0)]));
  }

  it(
    "first read: ⌈105/100⌉ list pages, every schedule once, ⌈2/50⌉ " + "DescribeScalableTargets, one DescribeScalingPolicies per target",
    async () => {
      expect(await readCost()).toEqual({
        "scheduler:ListSchedules": 2,
        "scheduler:GetSchedule": SCHEDULES,
        "application-autoscaling:DescribeScalableTargets": 1,
        "application-autoscaling:DescribeScalingPolicies": SERVICES,
        "ecs:DescribeServices": 1,
      });
    },
  );

  it("no-op resync: no GetSchedule at all, the same autoscaling reads", async () => {
    expect(await readCost()).toEqual({
      "scheduler:ListSchedules": 2,
      "scheduler:GetSchedule": 0,
      "application-autoscaling:DescribeScalableTargets": 1,
      "application-autoscaling:DescribeScalingPolicies": SERVICES,
      "ecs:DescribeServices": 1,
    });
  });

  it("a schedule changed by hand is read again, and only that one", async () => {
    const live = await aws.scheduler.send(new GetScheduleCommand({ Name: "job-3" }));
    await aws.scheduler.send(
      new UpdateScheduleCommand({
        Name: "job-3",
        ScheduleExpression: "rate(9 hours)",
        FlexibleTimeWindow: live.FlexibleTimeWindow,
        Target: live.Target,
        Description: live.Description,
        State: live.State,
      }),
    );
    const before = aws.calls.calls("scheduler:GetSchedule");
    const snapshot = await reader.snapshot(manifests, { defaultCluster: undefined });
    expect(aws.calls.calls("scheduler:GetSchedule") - before).toBe(1);
    expect(snapshot.schedules?.get("Schedule/default/job-3")?.["ScheduleExpression"]).toBe("rate(9 hours)");
  });
});
