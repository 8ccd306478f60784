import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { afterEach, describe, expect, inject, it } from "vitest";
import { cli } from "../support/cli.js";
import { editFile } from "./desired-repo.js";
import { appendFile } from "node:fs/promises";
import { DescribeRuleCommand } from "@aws-sdk/client-eventbridge";
import { describeService, serviceTaskDefinition } from "./controller-harness.js";
import { AlertReceiver, commitAll, createWorld, eventually, runController, writesBetween } from "./drift-harness.js";
import type { ControllerRun } from "./drift-harness.js";
import { MOTO_CREDENTIALS } from "./moto.js";

process.env["AWS_ACCESS_KEY_ID"] ??= MOTO_CREDENTIALS.accessKeyId;
process.env["AWS_SECRET_ACCESS_KEY"] ??= MOTO_CREDENTIALS.secretAccessKey;
const endpoint = inject("motoEndpoint");
const TOKEN = "pause-e2e-7d1f0c";

const savedToken = process.env["ECS_GITOPS_API_TOKEN"];
afterEach(() => {
  if (savedToken === undefined) delete process.env["ECS_GITOPS_API_TOKEN"];
  else process.env["ECS_GITOPS_API_TOKEN"] = savedToken;
});

async function statusOf(run: ControllerRun, key: string) {
  return (await run.status()).resources.find((r) => r.key === key);
}

describe("suspend and resume", () => {
  it("a commit and a hand change while suspended make 0 writes, drift is alerted; resume applies both", async () => {
    const world = await createWorld(endpoint);
    const receiver = await AlertReceiver.start();
    const workDir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-pause-"));
    let run = await runController(world, { resyncMs: 500, selfHeal: true, alertWebhook: receiver.url, apiToken: TOKEN, workDir });
    try {
      await run.converged();
      const url = `http://127.0.0.1:${run.port}`;
      process.env["ECS_GITOPS_API_TOKEN"] = TOKEN;
      expect(await cli("suspend", "--url", url)).toMatchObject({ code: 0, out: "suspended: all resources\n" });
      await eventually(async () => (await run.status()).resources.every((r) => r.sync === "Suspended"), 10_000, "every resource Suspended");

      // A restart keeps the suspend (workdir file).
      await run.stop();
      run = await runController(world, { resyncMs: 500, selfHeal: true, alertWebhook: receiver.url, apiToken: TOKEN, workDir });
      await eventually(async () => (await statusOf(run, "Service/shop/worker"))?.sync === "Suspended", 10_000, "Suspended after restart");

      const before = run.controller.calls.snapshot().byOperation;
      await editFile(world.dir, "web/task-definition.yaml", (t) => t.replace("shop/web:1.4.2", "shop/web:1.4.3"));
      await commitAll(world.dir, "web 1.4.3");
      await world.ecs.send(new UpdateServiceCommand({ cluster: "shop", service: "worker", desiredCount: 7 }));
      await eventually(() => receiver.count("drift.opened", "Service/shop/worker") > 0, 15_000, "the drift alert for worker");
      await eventually(
        async () => (await statusOf(run, "Service/shop/web"))?.message?.includes("git changed, not applying"),
        15_000,
        "web waits for the resume",
      );
      await run.cycles("Service/shop/web", 3);
      expect(writesBetween(before, run.controller.calls.snapshot().byOperation)).toEqual({});
      expect(await statusOf(run, "Service/shop/worker")).toMatchObject({ sync: "Suspended", drift: { fields: ["/desiredCount"] } });
      expect((await describeService(world.ecs, "worker"))?.desiredCount).toBe(7);

      // Resuming one key leaves the others suspended.
      const restarted = `http://127.0.0.1:${run.port}`;
      expect(await cli("resume", "--url", restarted, "Service/shop/worker")).toMatchObject({ code: 0 });
      await eventually(async () => (await describeService(world.ecs, "worker"))?.desiredCount === 3, 15_000, "worker healed");
      expect((await statusOf(run, "Service/shop/web"))?.sync).toBe("Suspended");
      expect(await serviceTaskDefinition(world.ecs, "web")).toBe(world.arn.taskDefinition("web", 1));

      expect(await cli("resume", "--url", restarted)).toMatchObject({ code: 0, out: "suspended: none\n" });
      await eventually(
        async () => (await serviceTaskDefinition(world.ecs, "web")) === world.arn.taskDefinition("web", 2),
        15_000,
        "web deployed",
      );
      await eventually(async () => (await run.status()).resources.every((r) => r.sync === "Synced"), 15_000, "all Synced again");
    } finally {
      await run.stop();
      await receiver.close();
      await world.close();
      await rm(workDir, { recursive: true, force: true });
    }
  }, 120_000);

  it("the API answers 404 without a configured token, 401 to a missing or wrong one; the CLI says which", async () => {
    const world = await createWorld(endpoint);
    const open = await runController(world, { resyncMs: 60_000 });
    const guarded = await runController(world, { resyncMs: 60_000, apiToken: TOKEN });
    try {
      const post = (port: number, headers: Record<string, string>) =>
        fetch(`http://127.0.0.1:${port}/api/suspend`, { method: "POST", headers, body: "{}" }).then((r) => r.status);
      expect(await post(open.port, { authorization: `Bearer ${TOKEN}` })).toBe(404);
      expect(await post(guarded.port, {})).toBe(401);
      expect(await post(guarded.port, { authorization: "Bearer not-the-token" })).toBe(401);
      expect(await post(guarded.port, { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}` })).toBe(401);
      process.env["ECS_GITOPS_API_TOKEN"] = "not-the-token";
      const refused = await cli("suspend", "--url", `http://127.0.0.1:${guarded.port}`);
      expect(refused).toMatchObject({ code: 1, err: expect.stringContaining("is not the controller's") });
      expect(refused.err + refused.out).not.toContain("not-the-token");
      process.env["ECS_GITOPS_API_TOKEN"] = TOKEN;
      expect((await cli("suspend", "--url", `http://127.0.0.1:${open.port}`)).err).toContain("no API token configured");
      expect(guarded.lines.map((l) => JSON.stringify(l)).join("\n")).not.toContain(TOKEN);
    } finally {
      await open.stop();
      await guarded.stop();
      await world.close();
    }
  }, 60_000);
});

/** A five-field UTC cron for the minute `offsetMin` from now, every day. */
function cronAround(offsetMin: number): string {
  const at = new Date(Date.now() + offsetMin * 60_000);
  return `${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
}

describe("sync windows and the sync annotation", () => {
  it("a deny window blocks writes inside it and not outside; ecs-gitops/sync false never writes", async () => {
    const world = await createWorld(endpoint);
    const receiver = await AlertReceiver.start();
    const run = await runController(world, { resyncMs: 500, alertWebhook: receiver.url });
    try {
      await run.converged();
      // Around now: worker's deny window opened a minute ago; web's opens in two hours.
      const workerCron = cronAround(-1);
      await appendFile(
        path.join(world.dir, "ecs-gitops.yaml"),
        [
          "syncWindows:",
          `  - {schedule: "${workerCron}", duration: 1h, kind: deny, match: {names: [work*], kinds: [Service]}}`,
          `  - {schedule: "${cronAround(120)}", duration: 1h, kind: deny, match: {keys: ["Service/shop/web"]}}`,
          "",
        ].join("\n"),
      );
      await editFile(world.dir, "worker/service.yaml", (t) => t.replace("desiredCount: 3", "desiredCount: 4"));
      await editFile(world.dir, "web/task-definition.yaml", (t) => t.replace("shop/web:1.4.2", "shop/web:1.4.3"));
      await editFile(world.dir, "nightly-report/scheduled-rule.yaml", (t) =>
        t.replace("  labels:", '  annotations:\n    ecs-gitops/sync: "false"\n  labels:').replace("cron(0 3 * * ? *)", "cron(0 4 * * ? *)"),
      );
      const since = Date.now();
      await commitAll(world.dir, "windows, worker 4, web 1.4.3, nightly-report observe only");
      await eventually(
        async () => (await serviceTaskDefinition(world.ecs, "web")) === world.arn.taskDefinition("web", 2),
        15_000,
        "web deployed outside its window",
      );
      await run.cycles("Service/shop/worker", 3);
      await run.cycles("ScheduledRule/default/nightly-report", 3);
      expect(run.writesFor("Service/shop/worker", since)).toEqual([]);
      expect(run.writesFor("ScheduledRule/default/nightly-report", since)).toEqual([]);
      expect((await describeService(world.ecs, "worker"))?.desiredCount).toBe(3);
      expect((await world.events.send(new DescribeRuleCommand({ Name: "nightly-report" }))).ScheduleExpression).toBe("cron(0 3 * * ? *)");
      const worker = (await run.status()).resources.find((r) => r.key === "Service/shop/worker");
      expect(worker).toMatchObject({ sync: "Suspended", message: expect.stringContaining("inside deny sync window") });
      const rule = (await run.status()).resources.find((r) => r.key === "ScheduledRule/default/nightly-report");
      expect(rule).toMatchObject({ sync: "Suspended", message: expect.stringContaining("ecs-gitops/sync") });

      // The window moved away in git: worker deploys.
      await editFile(world.dir, "ecs-gitops.yaml", (t) => t.replace(`"${workerCron}"`, `"${cronAround(12 * 60)}"`));
      await commitAll(world.dir, "worker window later");
      await eventually(
        async () => (await describeService(world.ecs, "worker"))?.desiredCount === 4,
        15_000,
        "worker deployed once outside",
      );
    } finally {
      await run.stop();
      await receiver.close();
      await world.close();
    }
  }, 90_000);
});
