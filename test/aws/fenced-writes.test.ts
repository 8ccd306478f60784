import nock from "nock";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AwsClients } from "../../src/aws/index.js";
import { HookRunner } from "../../src/engine/hooks/runner.js";
import { applyPrune } from "../../src/engine/prune/apply.js";
import type { DeleteAction } from "../../src/engine/prune/types.js";
import type { HookDeclaration } from "../../src/resources/service/hooks.js";
import { HookRunStore } from "../../src/state/hook-runs.js";
import type { HookRun } from "../../src/state/hook-runs.js";
import { ACCOUNT, aws, fakeClients, isolateNetwork, replyJson, restoreNetwork } from "./aws-nock.js";

// A replica that lost its lease reads as before but sends no write: the writes are offered on the
// wire (interceptors) and must stay unused; every read the path needs is answered.
const OURS = [
  { key: "ecs-gitops:owner", value: "ecs-gitops" },
  { key: "ecs-gitops:source", value: "github.com/acme/deploy//old/x.yaml" },
];
const options = { owner: "ecs-gitops", repo: "github.com/acme/deploy", pollMs: 1, drainTimeoutMs: 1_000 };
const log = pino({ level: "silent" });

function lostLease(): { aws: AwsClients; asked: string[] } {
  const asked: string[] = [];
  const aws = { ...fakeClients({ maxAttempts: 1 }), writeFence: (key: string) => (asked.push(key), `${key}: shard 0 lease expired`) };
  return { aws, asked };
}

/** Interceptors for writes that must never be sent; `sent()` says which were. */
function offerWrites(...operations: string[]): () => string[] {
  const scopes = operations.map((operation) => ({ operation, scope: replyJson(aws("ecs", operation), {}) }));
  return () => scopes.filter((s) => s.scope.isDone()).map((s) => s.operation);
}

describe("writes are fenced on a replica without the lease (AWS wire format)", () => {
  beforeAll(isolateNetwork);
  afterEach(() => nock.cleanAll());
  afterAll(restoreNetwork);

  it("prune: a service delete reads the service, then fails LeaseLost with no UpdateService or DeleteService sent", async () => {
    const { aws: fenced, asked } = lostLease();
    replyJson(aws("ecs", "DescribeServices"), {
      services: [{ serviceName: "old", serviceArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/shop/old`, status: "ACTIVE", tags: OURS }],
      failures: [],
    });
    const sent = offerWrites("UpdateService", "DeleteService");
    const action: DeleteAction = {
      type: "delete",
      key: "Service/shop/old",
      kind: "Service",
      changes: [],
      calls: [
        { operation: "ecs:UpdateService", input: { cluster: "shop", service: "old", desiredCount: 0 } },
        { operation: "ecs:DeleteService", input: { cluster: "shop", service: "old" } },
      ],
    };
    const [outcome] = await applyPrune(fenced, [action], options);
    expect(outcome).toMatchObject({ outcome: "failed", calls: [], error: { code: "LeaseLost", where: "Service/shop/old" } });
    expect(sent()).toEqual([]);
    expect(asked).toContain("Service/shop/old");
  });

  it("prune: a task definition revision is not deregistered", async () => {
    const { aws: fenced } = lostLease();
    const arn = `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/old:3`;
    replyJson(aws("ecs", "DescribeTaskDefinition"), { taskDefinition: { taskDefinitionArn: arn, family: "old", revision: 3 }, tags: OURS });
    const sent = offerWrites("DeregisterTaskDefinition");
    const action: DeleteAction = {
      type: "delete",
      key: "TaskDefinition/old",
      kind: "TaskDefinition",
      changes: [],
      calls: [{ operation: "ecs:DeregisterTaskDefinition", input: { taskDefinition: arn } }],
    };
    const [outcome] = await applyPrune(fenced, [action], options);
    expect(outcome).toMatchObject({ outcome: "failed", error: { code: "LeaseLost", where: "TaskDefinition/old" } });
    expect(sent()).toEqual([]);
  });

  const hook: HookDeclaration = { phase: "preDeploy", name: "migrate", index: 0, overrides: {}, timeout: "5m", blocking: true };
  const taskDefinition = `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/api:7`;

  it("hooks: RunTask is not sent; the run stays open (same clientToken next time) and start fails LeaseLost", async () => {
    const { aws: fenced } = lostLease();
    const store = new HookRunStore();
    const runner = new HookRunner({ aws: fenced, store, log, onFailed: () => undefined });
    const sent = offerWrites("RunTask");
    const start = runner.start({
      hook,
      service: "Service/shop/api",
      serviceSpec: { cluster: "shop", serviceName: "api", launchType: "FARGATE" },
      cluster: "shop",
      revision: taskDefinition,
      taskDefinitionArn: taskDefinition,
      taskDefinitionSpec: { family: "api", containerDefinitions: [{ name: "app", image: "x", essential: true }] },
      commit: "c0ffee",
      attempt: 1,
    });
    await expect(start).rejects.toMatchObject({ code: "LeaseLost", where: "Service/shop/api" });
    expect(sent()).toEqual([]);
    expect(store.running(new Set(["Service/shop/api"]))).toHaveLength(1);
  });

  it("hooks: a task past its deadline is not stopped by a replica without the lease", async () => {
    const { aws: fenced, asked } = lostLease();
    const store = new HookRunStore();
    const taskArn = `arn:aws:ecs:us-east-1:${ACCOUNT}:task/shop/0123456789abcdef`;
    const run: HookRun = {
      service: "Service/shop/api",
      hook: "migrate",
      phase: "preDeploy",
      revision: taskDefinition,
      attempt: 1,
      clientToken: "token-1",
      cluster: "shop",
      taskDefinition,
      commit: "c0ffee",
      blocking: true,
      nonEssential: [],
      taskArn,
      outcome: "running",
      startedAt: "2026-01-01T00:00:00.000Z",
      deadline: "2026-01-01T00:05:00.000Z",
    };
    await store.put(run);
    replyJson(aws("ecs", "DescribeTasks"), { tasks: [{ taskArn, lastStatus: "RUNNING", containers: [] }], failures: [] });
    const sent = offerWrites("StopTask");
    const runner = new HookRunner({ aws: fenced, store, log, onFailed: () => undefined, now: () => new Date("2026-01-01T01:00:00Z") });
    await runner.refresh(new Set(["Service/shop/api"]));
    expect(sent()).toEqual([]);
    expect(asked).toEqual(["Service/shop/api"]);
  });
});
