import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import nock from "nock";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { destroyAwsClients } from "../../src/aws/index.js";
import { cli } from "../support/cli.js";
import { applyOnceWithWrites, planOnce } from "../../src/engine/one-shot.js";
import { followRollouts, rolloutTargets } from "../../src/engine/rollout.js";
import { createCluster, ecsFor, tempDir, writeLargeRepo } from "./controller-harness.js";
import { MOTO_CREDENTIALS, MOTO_REGION, newAccountId, startMoto } from "./moto.js";
import type { MotoServer } from "./moto.js";

/*
 * `apply --wait` end to end. moto has no deployment lifecycle (docs/moto.md): started with
 * MOTO_ECS_SERVICE_RUNNING it reports every rollout COMPLETED, without it IN_PROGRESS forever. A
 * failed rollout with a circuit-breaker rollback is something moto cannot make: nock answers the
 * DescribeServices looks of the wait (after the plan's own read) with that shape.
 */

const sharedEndpoint = inject("motoEndpoint");
let completing: MotoServer;
const saved = { ...process.env };

/** A fresh account with cluster `shop` and a repo of one family used by `services` services. */
async function world(endpoint: string, services: number): Promise<{ dir: string; accountId: string }> {
  const accountId = newAccountId();
  const ecs = ecsFor(endpoint, accountId);
  await createCluster(ecs);
  ecs.destroy();
  const dir = await tempDir("deploy-wait");
  await writeLargeRepo(dir, 1, services);
  return { dir, accountId };
}

async function bumpImage(dir: string, tag: string): Promise<void> {
  const file = path.join(dir, "app-00", "task-definition.yaml");
  await writeFile(file, (await readFile(file, "utf8")).replace(/nginx:[\w.-]+/, `nginx:${tag}`));
}

beforeAll(async () => {
  process.env["MOTO_ECS_SERVICE_RUNNING"] = "5";
  completing = await startMoto();
  delete process.env["MOTO_ECS_SERVICE_RUNNING"];
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    AWS_REGION: MOTO_REGION,
  });
});

afterAll(async () => {
  nock.cleanAll();
  process.env = saved;
  await completing?.stop();
});

describe("apply --wait", () => {
  it("exits 0 when every started rollout completes, one line per service", async () => {
    const { dir, accountId } = await world(completing.endpoint, 3);
    process.env["ECS_GITOPS_TEST_ACCOUNT_ID"] = accountId;
    const created = await cli("apply", dir, "--wait", "--endpoint-url", completing.endpoint, "--aws-rate-limit", "off", "-o", "json");
    expect(created.err).toBe("");
    expect(created.code).toBe(0);
    const doc = JSON.parse(created.out) as { rollouts: { key: string; outcome: string }[] };
    expect(doc.rollouts.map((r) => [r.key, r.outcome])).toEqual([
      ["Service/shop/app-00", "succeeded"],
      ["Service/shop/app-00-2", "succeeded"],
      ["Service/shop/app-00-3", "succeeded"],
    ]);
    await bumpImage(dir, "1.27");
    const updated = await cli("apply", dir, "--wait", "--endpoint-url", completing.endpoint, "--aws-rate-limit", "off");
    expect(updated.code).toBe(0);
    expect(updated.out).toMatch(/Service shop\/app-00: rollout succeeded after \d+ s \(arn:aws:ecs:[^)]*app-00:2\)/);
    expect(updated.out).toContain("Rollouts: 3 completed, 0 not completed.");
  });

  it("exits 1 and names the cause from the service events when the circuit breaker rolled the deployment back", async () => {
    const { dir, accountId } = await world(completing.endpoint, 1);
    process.env["ECS_GITOPS_TEST_ACCOUNT_ID"] = accountId;
    expect((await cli("apply", dir, "--endpoint-url", completing.endpoint, "--aws-rate-limit", "off")).code).toBe(0);
    await bumpImage(dir, "broken");
    // The plan reads the service once and the orphan inventory (docs/prune.md) describes the
    // cluster's services once; every later DescribeServices is a look of the wait.
    let describes = 0;
    const now = Date.now() / 1000;
    nock(completing.endpoint, { allowUnmocked: true })
      .post(
        "/",
        (body: { services?: unknown; include?: unknown }) => Array.isArray(body.services) && body.include !== undefined && ++describes > 2,
      )
      .matchHeader("x-amz-target", "AmazonEC2ContainerServiceV20141113.DescribeServices")
      .reply(
        200,
        JSON.stringify({
          services: [
            {
              serviceName: "app-00",
              serviceArn: `arn:aws:ecs:us-east-1:${accountId}:service/shop/app-00`,
              clusterArn: `arn:aws:ecs:us-east-1:${accountId}:cluster/shop`,
              status: "ACTIVE",
              desiredCount: 1,
              runningCount: 1,
              deployments: [
                {
                  id: "ecs-svc/rollback",
                  status: "PRIMARY",
                  taskDefinition: `arn:aws:ecs:us-east-1:${accountId}:task-definition/app-00:1`,
                  rolloutState: "IN_PROGRESS",
                  desiredCount: 1,
                  runningCount: 1,
                  createdAt: now + 1,
                },
              ],
              events: [
                { id: "e2", createdAt: now + 1, message: "(service app-00) rolling back to deployment ecs-svc/rollback." },
                { id: "e1", createdAt: now, message: "(service app-00) (task 9f2e) failed container health checks." },
              ],
            },
          ],
          failures: [],
        }),
        { "content-type": "application/x-amz-json-1.1" },
      );
    const result = await cli("apply", dir, "--wait", "--endpoint-url", completing.endpoint, "--aws-rate-limit", "off");
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/app-00: rollout rolledBack after \d+ s .*failed container health checks/);
    expect(describes).toBe(3);
    nock.cleanAll();
  });

  it("gives up after --wait-timeout and exits 1 while a rollout stays in progress", async () => {
    const { dir, accountId } = await world(sharedEndpoint, 1);
    process.env["ECS_GITOPS_TEST_ACCOUNT_ID"] = accountId;
    const started = Date.now();
    const result = await cli("apply", dir, "--wait", "--wait-timeout", "1s", "--endpoint-url", sharedEndpoint, "--aws-rate-limit", "off");
    expect(result.code).toBe(1);
    expect(result.out).toContain("app-00: rollout timedOut");
    expect(Date.now() - started).toBeLessThan(8_000);
    // Without --wait the same in-progress rollout is no failure.
    await bumpImage(dir, "1.28");
    expect((await cli("apply", dir, "--endpoint-url", sharedEndpoint, "--aws-rate-limit", "off")).code).toBe(0);
  });

  it("rejects a --wait-timeout that is no duration before any AWS call", async () => {
    const result = await cli("apply", ".", "--wait", "--wait-timeout", "soon");
    expect(result.code).toBe(2);
    expect(result.err).toContain("--wait-timeout");
  });
});

describe("following rollouts", () => {
  it("reads 12 pending services with 2 DescribeServices per look, never one call per service", async () => {
    const { dir, accountId } = await world(sharedEndpoint, 12);
    const plan = await planOnce({
      path: dir,
      region: MOTO_REGION,
      endpoint: sharedEndpoint,
      accountIdHeader: accountId,
      owner: "ecs-gitops",
      rateLimit: false,
    });
    try {
      const startedAtMs = Date.now();
      const { writes } = await applyOnceWithWrites(plan);
      const targets = rolloutTargets(writes, startedAtMs);
      expect(targets).toHaveLength(12);
      const before = plan.calls.snapshot().byOperation["ecs:DescribeServices"]?.calls ?? 0;
      let looks = 1;
      const results = await followRollouts(plan.aws, targets, {
        timeoutMs: 250,
        pollMs: 50,
        sleep: async (ms) => {
          looks++;
          await new Promise((resolve) => setTimeout(resolve, ms));
        },
      });
      const calls = (plan.calls.snapshot().byOperation["ecs:DescribeServices"]?.calls ?? 0) - before;
      expect(results.every((r) => r.outcome === "timedOut")).toBe(true);
      expect(looks).toBeGreaterThanOrEqual(3);
      expect(calls).toBe(2 * looks);
    } finally {
      destroyAwsClients(plan.aws);
    }
  });
});
