import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { awslogsStream, hookClientToken, hookRunTaskInput, judgeTask, reportedContainer } from "../../../src/engine/hooks/task-request.js";
import { HookRunStore } from "../../../src/state/hook-runs.js";
import type { HookRun } from "../../../src/state/hook-runs.js";

const REVISION = "arn:aws:ecs:eu-west-1:210987654321:task-definition/billing:41";
const id = { service: "Service/payments/billing", revision: REVISION, phase: "preDeploy" as const, hook: "db-migrate", attempt: 1 };
const taskDefinition = {
  containerDefinitions: [
    { name: "proxy", essential: false, logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/p" } } },
    {
      name: "billing",
      logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/ecs/billing", "awslogs-stream-prefix": "ecs" } },
    },
  ],
};

describe("hook task requests", () => {
  it("derive a 64-character clientToken that is stable per attempt and differs per revision, hook and attempt", () => {
    const token = hookClientToken(id);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(hookClientToken({ ...id })).toBe(token);
    for (const other of [{ revision: `${REVISION.slice(0, -2)}42` }, { hook: "seed" }, { attempt: 2 }, { phase: "postDeploy" as const }])
      expect(hookClientToken({ ...id, ...other })).not.toBe(token);
  });

  it("copy launch settings and network from the service unless the hook sets its own", () => {
    const service = {
      capacityProviderStrategy: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }],
      platformVersion: "1.4.0",
      networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-a"] } },
    };
    const request = { cluster: "payments", taskDefinitionArn: REVISION, clientToken: "t", startedBy: "ecs-gitops/db-migrate" };
    const copied = hookRunTaskInput({ name: "db-migrate", overrides: {} }, service, request);
    expect(copied).toEqual({
      cluster: "payments",
      taskDefinition: REVISION,
      count: 1,
      startedBy: "ecs-gitops/db-migrate",
      clientToken: "t",
      capacityProviderStrategy: service.capacityProviderStrategy,
      networkConfiguration: service.networkConfiguration,
      platformVersion: "1.4.0",
    });
    const own = hookRunTaskInput(
      { name: "db-migrate", overrides: { containerOverrides: [{ name: "billing", command: ["migrate"] }] }, launchType: "FARGATE" },
      service,
      request,
    );
    expect(own).toMatchObject({ launchType: "FARGATE", overrides: { containerOverrides: [{ name: "billing", command: ["migrate"] }] } });
    expect(own).not.toHaveProperty("capacityProviderStrategy");
    expect(own).not.toHaveProperty("platformVersion");
  });

  it("name the awslogs stream <prefix>/<container>/<task id>, and none without a prefix", () => {
    const taskArn = "arn:aws:ecs:eu-west-1:210987654321:task/payments/0f9e8d7c6b5a4392a1b0c9d8e7f6a5b4";
    expect(reportedContainer(taskDefinition, { overrides: {} })).toBe("billing");
    expect(awslogsStream(taskDefinition, "billing", taskArn)).toEqual({
      group: "/ecs/billing",
      stream: "ecs/billing/0f9e8d7c6b5a4392a1b0c9d8e7f6a5b4",
    });
    expect(awslogsStream(taskDefinition, "proxy", taskArn)).toBeUndefined();
  });

  it("judge success as every essential container exiting 0", () => {
    const stopped = (billing: number | undefined, proxy: number) => ({
      lastStatus: "STOPPED",
      stoppedReason: "Essential container in task exited",
      containers: [
        { name: "proxy", exitCode: proxy },
        { name: "billing", ...(billing === undefined ? {} : { exitCode: billing }) },
      ],
    });
    expect(judgeTask({ lastStatus: "RUNNING" }, ["proxy"])).toEqual({ state: "running", lastStatus: "RUNNING" });
    expect(judgeTask(stopped(0, 137), ["proxy"])).toMatchObject({ state: "stopped", succeeded: true, exitCode: 0 });
    expect(judgeTask(stopped(2, 0), ["proxy"])).toMatchObject({ succeeded: false, exitCode: 2, exitCodes: { proxy: 0, billing: 2 } });
    expect(judgeTask(stopped(undefined, 0), ["proxy"])).toMatchObject({ succeeded: false, exitCode: undefined });
    expect(judgeTask(stopped(0, 1), [])).toMatchObject({ succeeded: false, exitCode: 1 });
  });
});

describe("HookRunStore", () => {
  it("persists runs to the workdir file and restores them; a corrupt file restores nothing", async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), "hook-runs-")), "hooks.json");
    const run: HookRun = {
      ...id,
      clientToken: hookClientToken(id),
      cluster: "payments",
      taskDefinition: REVISION,
      commit: "c0ffee",
      blocking: true,
      nonEssential: [],
      taskArn: "arn:aws:ecs:eu-west-1:210987654321:task/payments/abc",
      outcome: "running",
      startedAt: "2026-12-05T01:00:00.000Z",
      deadline: "2026-12-05T01:30:00.000Z",
    };
    await new HookRunStore({ path: file }).put(run);
    const restored = new HookRunStore({ path: file });
    await restored.restore();
    expect(restored.get(id)).toEqual(run);
    expect(restored.running(new Set([id.service]))).toHaveLength(1);
    expect(JSON.parse(await readFile(file, "utf8"))).toMatchObject({ version: 1 });
    // Finished runs are kept per service, newest 20; the running one stays.
    const other = new HookRunStore();
    for (let n = 1; n <= 25; n++)
      await other.put({
        ...run,
        revision: `${REVISION.slice(0, -2)}${n}`,
        outcome: "succeeded",
        startedAt: `2026-12-05T01:${String(n).padStart(2, "0")}:00.000Z`,
      });
    await other.put(run);
    expect(other.runsOf(id.service)).toHaveLength(21);
    expect(other.runsOf(id.service).at(-2)?.revision).toBe(`${REVISION.slice(0, -2)}6`);
    expect(other.runsOf("Service/payments/other")).toEqual([]);
    await writeFile(file, "{not json");
    const empty = new HookRunStore({ path: file });
    await empty.restore();
    expect(empty.get(id)).toBeUndefined();
  });
});
