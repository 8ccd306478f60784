import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PutScalingPolicyCommand, RegisterScalableTargetCommand } from "@aws-sdk/client-application-auto-scaling";
import { CreateClusterCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { CreateScheduleCommand, GetScheduleCommand, UpdateScheduleCommand } from "@aws-sdk/client-scheduler";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createAwsClients, destroyAwsClients } from "../../src/aws/index.js";
import { runExport } from "../../src/cli/commands/export.js";
import type { AwsClients } from "../../src/aws/index.js";
import { applyOnce, planOnce } from "../../src/engine/one-shot.js";
import type { OneShotOptions } from "../../src/engine/one-shot.js";
import { git } from "./git.js";
import { repoFiles } from "./kinds-repo.js";
import { defaultNetwork, MOTO_CREDENTIALS, MOTO_REGION, newAccountId } from "./moto.js";
import { syncOnce } from "../support/sync-once.js";

process.env["AWS_ACCESS_KEY_ID"] ??= MOTO_CREDENTIALS.accessKeyId;
process.env["AWS_SECRET_ACCESS_KEY"] ??= MOTO_CREDENTIALS.secretAccessKey;

const endpoint = inject("motoEndpoint");

describe("Schedule and ScalableTarget on moto_server, from a real git repository", () => {
  let dir: string;
  let accountId: string;
  let options: OneShotOptions;
  let aws: AwsClients;

  beforeAll(async () => {
    accountId = newAccountId();
    const network = await defaultNetwork(endpoint, accountId);
    aws = createAwsClients({ endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS, accountIdHeader: accountId, rateLimit: false });
    await aws.ecs.send(new CreateClusterCommand({ clusterName: "shop" }));
    dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-kinds-"));
    await git(dir, "init", "-q", "-b", "main");
    for (const [file, text] of Object.entries(repoFiles(accountId, network))) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text);
    }
    await git(dir, "add", ".");
    await git(dir, "commit", "-q", "-m", "service, scaling and schedules");
    options = { path: dir, region: MOTO_REGION, endpoint, accountIdHeader: accountId, owner: "ecs-gitops", rateLimit: false };
  });

  afterAll(async () => {
    if (aws) destroyAwsClients(aws);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const sync = () => syncOnce(options);

  it("applies from an empty account, then re-applies with 0 writes", async () => {
    const first = await sync();
    expect(first.outcomes.filter((o) => o.outcome !== "applied")).toEqual([]);
    expect(first.writes).toEqual({
      "ecs:RegisterTaskDefinition": 2,
      "ecs:CreateService": 1,
      "application-autoscaling:RegisterScalableTarget": 1,
      "application-autoscaling:PutScalingPolicy": 1,
      "scheduler:CreateSchedule": 2,
    });
    const nightly = await aws.scheduler.send(new GetScheduleCommand({ Name: "nightly-report", GroupName: "default" }));
    expect(nightly.ScheduleExpressionTimezone).toBe("Asia/Tokyo");
    expect(nightly.Target?.EcsParameters?.TaskDefinitionArn).toMatch(/:task-definition\/report:1$/);
    expect(JSON.parse(nightly.Target?.Input ?? "{}")).toEqual({
      containerOverrides: [{ name: "report", command: ["report", "--day", "yesterday"] }],
    });
    const again = await sync();
    expect(again.writes).toEqual({});
    expect(again.actions.map((a) => a.type)).toEqual(again.actions.map(() => "noop"));
  });

  it("the autoscaler moving desiredCount 2 → 6 is not drift: 0 writes", async () => {
    await aws.ecs.send(new UpdateServiceCommand({ cluster: "shop", service: "web", desiredCount: 6 }));
    const after = await sync();
    expect(after.writes).toEqual({});
    expect(after.actions.find((a) => a.key === "Service/shop/web")?.type).toBe("noop");
  });

  it("hand changes to a schedule expression, max capacity and a policy target value are healed with one write each", async () => {
    const live = await aws.scheduler.send(new GetScheduleCommand({ Name: "nightly-report", GroupName: "default" }));
    await aws.scheduler.send(
      new UpdateScheduleCommand({
        Name: "nightly-report",
        GroupName: "default",
        ScheduleExpression: "cron(0 5 * * ? *)",
        ScheduleExpressionTimezone: live.ScheduleExpressionTimezone,
        FlexibleTimeWindow: live.FlexibleTimeWindow,
        Target: live.Target,
        Description: live.Description,
        State: live.State,
      }),
    );
    await aws.autoscaling.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: "ecs",
        ResourceId: "service/shop/web",
        ScalableDimension: "ecs:service:DesiredCount",
        MaxCapacity: 20,
      }),
    );
    await aws.autoscaling.send(
      new PutScalingPolicyCommand({
        PolicyName: "cpu-60",
        ServiceNamespace: "ecs",
        ResourceId: "service/shop/web",
        ScalableDimension: "ecs:service:DesiredCount",
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 85,
          PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageCPUUtilization" },
          ScaleInCooldown: 120,
        },
      }),
    );
    const drift = await sync();
    const changed = Object.fromEntries(drift.actions.filter((a) => a.type !== "noop").map((a) => [a.key, a.changes.map((c) => c.path)]));
    expect(changed).toEqual({
      "Schedule/default/nightly-report": ["/scheduleExpression"],
      "ScalableTarget/web-scaling": ["/maxCapacity", "/policies/cpu-60/targetTrackingScalingPolicyConfiguration/targetValue"],
    });
    expect(drift.writes).toEqual({
      "scheduler:UpdateSchedule": 1,
      "application-autoscaling:RegisterScalableTarget": 1,
      "application-autoscaling:PutScalingPolicy": 1,
    });
    expect((await sync()).writes).toEqual({});
  });

  it("export round-trips: the exported manifests plan as no change but ownership bookkeeping", async () => {
    const out = await mkdtemp(path.join(tmpdir(), "ecs-gitops-kinds-export-"));
    try {
      const said: string[] = [];
      const io = { out: (text: string) => said.push(text), err: (text: string) => said.push(text) };
      const code = await runExport({ cluster: "shop", out, region: MOTO_REGION, endpointUrl: endpoint }, io, {
        accountIdHeader: accountId,
      });
      expect(code, said.join("")).toBe(0);
      const exported = (await readdir(out, { recursive: true })).filter((f) => f.endsWith(".yaml")).sort();
      expect(exported).toEqual([
        "schedules/backfill-once.yaml",
        "schedules/nightly-report.yaml",
        "schedules/task-definition.yaml",
        "web/scalable-target.yaml",
        "web/service.yaml",
        "web/task-definition.yaml",
      ]);
      expect(await readFile(path.join(out, "web/service.yaml"), "utf8")).not.toContain("desiredCount");
      const nightly = await readFile(path.join(out, "schedules/nightly-report.yaml"), "utf8");
      expect(nightly).toContain("taskDefinitionArn: report\n");
      expect(nightly).not.toContain("[ecs-gitops]");
      const plan = await planOnce({ ...options, path: out });
      try {
        expect(plan.problems.filter((p) => p.severity === "error")).toEqual([]);
        const specChanges = plan.actions.flatMap((a) =>
          a.changes.filter((c) => !c.path.startsWith("/tags/")).map((c) => `${a.key} ${c.path}`),
        );
        expect(specChanges).toEqual([]);
        expect(plan.actions.filter((a) => a.kind === "ScalableTarget" || a.kind === "Service").map((a) => a.type)).toEqual(
          expect.not.arrayContaining(["create", "blocked"]),
        );
      } finally {
        destroyAwsClients(plan.aws);
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it("never modifies a schedule in the same group that it does not own", async () => {
    const foreign = {
      Name: "someone-elses",
      GroupName: "default",
      ScheduleExpression: "rate(1 hour)",
      FlexibleTimeWindow: { Mode: "OFF" as const },
      Target: { Arn: `arn:aws:sqs:${MOTO_REGION}:${accountId}:their-queue`, RoleArn: `arn:aws:iam::${accountId}:role/theirs` },
    };
    await aws.scheduler.send(new CreateScheduleCommand(foreign));
    await writeFile(
      path.join(dir, "report/theirs.yaml"),
      `apiVersion: ecs-gitops/v1
kind: Schedule
metadata: {name: someone-elses}
spec:
  scheduleExpression: rate(5 minutes)
  target:
    arn: arn:aws:sqs:${MOTO_REGION}:${accountId}:their-queue
    roleArn: arn:aws:iam::${accountId}:role/theirs
`,
    );
    await git(dir, "add", ".");
    await git(dir, "commit", "-q", "-m", "claims a schedule that is not ours");
    const result = await sync();
    const action = result.actions.find((a) => a.key === "Schedule/default/someone-elses");
    expect(action?.type === "blocked" ? action.code : action?.type).toBe("NotOwned");
    expect(result.writes).toEqual({});
    const after = await aws.scheduler.send(new GetScheduleCommand({ Name: "someone-elses", GroupName: "default" }));
    expect(after.ScheduleExpression).toBe("rate(1 hour)");
    expect(after.Description ?? "").toBe("");
    await rm(path.join(dir, "report/theirs.yaml"));
    await git(dir, "commit", "-qam", "drop the foreign schedule again");
  });

  it("reads the marker again right before UpdateSchedule: a schedule taken over since the plan is not written", async () => {
    const edit = async (expression: string, description: string | undefined) => {
      const live = await aws.scheduler.send(new GetScheduleCommand({ Name: "backfill-once" }));
      await aws.scheduler.send(
        new UpdateScheduleCommand({
          Name: "backfill-once",
          ScheduleExpression: expression,
          FlexibleTimeWindow: live.FlexibleTimeWindow,
          Target: live.Target,
          Description: description ?? live.Description,
          State: live.State,
        }),
      );
    };
    await edit("at(2031-05-01T06:00:00)", undefined);
    const plan = await planOnce(options);
    try {
      expect(plan.actions.find((a) => a.key === "Schedule/default/backfill-once")?.type).toBe("update");
      // Between plan and apply, another team takes the schedule over (its description, its expression).
      await edit("rate(3 hours)", "owned by the batch team now");
      const outcome = (await applyOnce(plan)).find((o) => o.key === "Schedule/default/backfill-once");
      expect(outcome?.outcome === "failed" ? outcome.error.code : outcome?.outcome).toBe("NotOwned");
    } finally {
      destroyAwsClients(plan.aws);
    }
    const after = await aws.scheduler.send(new GetScheduleCommand({ Name: "backfill-once" }));
    expect([after.ScheduleExpression, after.Description]).toEqual(["rate(3 hours)", "owned by the batch team now"]);
  });
});
