import { randomInt } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { CreateServiceCommand, ListTaskDefinitionsCommand, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import type { ECSClient } from "@aws-sdk/client-ecs";
import { afterEach, describe, expect, inject, it } from "vitest";
import type { TestContext } from "vitest";
import { renderStatus } from "../../src/cli/commands/status.js";
import type { StatusDocument } from "../../src/state/status.js";
import {
  ControllerProcess,
  createCluster,
  describeService,
  ecsFor,
  GitRemote,
  killAllControllers,
  metricSum,
  tempDir,
  waitFor,
  writeLargeRepo,
} from "./controller-harness.js";
import { newAccountId } from "./moto.js";

const endpoint = inject("motoEndpoint");
const dirs: string[] = [];
afterEach(async () => {
  await killAllControllers();
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const families = (n: number) => Array.from({ length: n }, (_, i) => `app-${String(i).padStart(2, "0")}`);

/** A controller on a real git remote with `count` services (one family each) and a service nobody tagged. */
async function world(context: TestContext, count: number, settings: string) {
  const root = await tempDir("prune");
  dirs.push(root);
  const accountId = newAccountId();
  const ecs = ecsFor(endpoint, accountId);
  await createCluster(ecs);
  const content = path.join(root, "content");
  await writeLargeRepo(content, count);
  await writeFile(path.join(content, "ecs-gitops.yaml"), `cluster: shop\n${settings}`);
  const remote = await GitRemote.create(root, content);
  const legacy = await ecs.send(
    new RegisterTaskDefinitionCommand({ family: "legacy", containerDefinitions: [{ name: "app", image: "busybox", memory: 64 }] }),
  );
  await ecs.send(
    new CreateServiceCommand({
      cluster: "shop",
      serviceName: "legacy",
      taskDefinition: legacy.taskDefinition!.taskDefinitionArn!,
      desiredCount: 2,
    }),
  );
  const run = { repo: remote.url, endpoint, accountId, workDir: path.join(root, "controller"), interval: "1s", resync: "3s" };
  const started: ControllerProcess[] = [];
  context.onTestFailed(() => {
    for (const c of started) console.log(c.tail(40));
  });
  const start = async () => {
    const controller = await ControllerProcess.start(run);
    started.push(controller);
    return controller;
  };
  return { ecs, remote, start };
}

const status = (c: ControllerProcess) => c.getJson<StatusDocument>("/status");
const active = async (ecs: ECSClient, family: string) =>
  (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: "ACTIVE" }))).taskDefinitionArns ?? [];
const writes = async (c: ControllerProcess) => metricSum(await c.metrics(), "ecs_gitops_aws_calls_total", { type: "write", outcome: "ok" });
/** Writes only prune makes here (nothing else scales, deletes or deregisters in this scenario). */
const pruneWrites = async (c: ControllerProcess) => {
  const text = await c.metrics();
  return ["ecs:UpdateService", "ecs:DeleteService", "ecs:DeregisterTaskDefinition"]
    .map((operation) => metricSum(text, "ecs_gitops_aws_calls_total", { operation, type: "write", outcome: "ok" }))
    .reduce((a, b) => a + b, 0);
};

describe("prune in the controller (moto, real git)", () => {
  it(
    "reports orphans with prune off, deletes them once prune is on, and holds a commit that empties the repository",
    { timeout: 120_000 },
    async (context) => {
      const w = await world(context, 4, "");
      const controller = await w.start();
      await waitFor("4 services", async () => (await status(controller)).resources.filter((r) => r.sync === "Synced").length === 8, {
        timeoutMs: 60_000,
      });
      await rm(path.join(w.remote.work, "app-03"), { recursive: true });
      await w.remote.push("app-03 leaves git");
      const orphans = await waitFor(
        "orphans in /status",
        async () => {
          const doc = await status(controller);
          return doc.orphans?.length === 2 ? doc.orphans : undefined;
        },
        { timeoutMs: 30_000 },
      );
      expect(orphans.map((o) => o.key).sort()).toEqual(["Service/shop/app-03", "TaskDefinition/app-03"]);
      expect(metricSum(await controller.metrics(), "ecs_gitops_orphans")).toBe(2);
      expect(renderStatus(await status(controller))).toMatch(/Service\/shop\/app-03\s+Orphaned\s+-\s+in no manifest \(prune is off\)/);
      expect(
        controller.logs
          .filter((l) => l.msg === "orphaned: ours, in no manifest")
          .map((l) => l["key"])
          .sort(),
      ).toEqual(["Service/shop/app-03", "TaskDefinition/app-03"]);
      const writesOff = await writes(controller);
      await new Promise((resolve) => setTimeout(resolve, 4_000)); // a resync tick later: still reported, still untouched
      expect(await writes(controller)).toBe(writesOff);
      expect((await describeService(w.ecs, "app-03"))?.status).toBe("ACTIVE");

      await w.remote.write("ecs-gitops.yaml", "cluster: shop\nsyncPolicy: {prune: true}\n");
      const { sha } = await w.remote.push("prune on");
      await waitFor("app-03 pruned", async () => (await status(controller)).orphans?.length === 0, { timeoutMs: 30_000 });
      const pruned = controller.logs.filter((l) => l.msg === "pruned");
      expect(pruned.map((l) => [l["key"], l["commit"]]).sort()).toEqual([
        ["Service/shop/app-03", sha],
        ["TaskDefinition/app-03", sha],
      ]);
      expect((await describeService(w.ecs, "app-03"))?.status).not.toBe("ACTIVE");
      expect(await active(w.ecs, "app-03")).toEqual([]);
      expect(await describeService(w.ecs, "legacy")).toMatchObject({ status: "ACTIVE", desiredCount: 2 });
      const settled = await writes(controller);
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      expect(await writes(controller)).toBe(settled);

      // Every manifest deleted (the settings file stays): nothing is pruned, one alert says why.
      for (const f of families(3)) await rm(path.join(w.remote.work, f), { recursive: true });
      await w.remote.push("empty");
      await controller.waitForLog("a prune-blocked alert", (l) => l.msg === "prune blocked", 30_000);
      await new Promise((resolve) => setTimeout(resolve, 7_000)); // two resync ticks
      expect(controller.logs.filter((l) => l.msg === "prune blocked")).toHaveLength(1);
      expect((await status(controller)).prune?.blocked).toMatch(/no manifests/);
      for (const f of families(3)) expect((await describeService(w.ecs, f))?.status).toBe("ACTIVE");
      expect(await writes(controller)).toBe(settled);
    },
  );

  it(
    "SIGKILL mid-prune 5 times at random points: converges, deletes nothing of others, leaves no service half-deleted",
    { timeout: 180_000 },
    async (context) => {
      const w = await world(context, 20, "syncPolicy: {prune: true}\nmaxDeletes: 30\n");
      let controller = await w.start();
      await waitFor("20 services", async () => (await status(controller)).resources.filter((r) => r.sync === "Synced").length === 40, {
        timeoutMs: 90_000,
      });
      const gone = families(20).slice(10);
      for (const f of gone) await rm(path.join(w.remote.work, f), { recursive: true });
      await w.remote.push("ten services leave git");
      // 10 × (UpdateService, DeleteService) + 10 DeregisterTaskDefinition in all; each kill aims at a
      // random count of this process's prune writes (a restart redoes a scale-down it cannot know landed).
      let total = 0;
      let midPrune = 0;
      for (let kill = 1; kill <= 5; kill += 1) {
        const at = randomInt(1, 5);
        const made = await waitFor(
          `${at} prune writes`,
          async () => {
            const n = await pruneWrites(controller);
            return n >= at ? n : undefined;
          },
          { timeoutMs: 15_000, intervalMs: 5 },
        ).catch(() => 0);
        await controller.signal("SIGKILL");
        total += made;
        console.log(`SIGKILL ${kill} after ${made} prune writes (aimed at ${at}; ${total} so far)`);
        if (made > 0) midPrune += 1;
        controller = await w.start();
      }
      // Each kill is at a random point; most land while deletes are still to do.
      expect(midPrune).toBeGreaterThanOrEqual(3);
      await waitFor("converged", async () => (await status(controller)).orphans?.length === 0, { timeoutMs: 60_000 });
      for (const f of gone) {
        expect((await describeService(w.ecs, f))?.status).not.toBe("ACTIVE");
        expect(await active(w.ecs, f)).toEqual([]);
      }
      for (const f of families(10)) expect(await describeService(w.ecs, f)).toMatchObject({ status: "ACTIVE", desiredCount: 1 });
      expect(await describeService(w.ecs, "legacy")).toMatchObject({ status: "ACTIVE", desiredCount: 2 });
      expect(await active(w.ecs, "legacy")).toHaveLength(1);
    },
  );
});
