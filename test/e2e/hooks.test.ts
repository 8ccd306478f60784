import { UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { describe, expect, inject, it } from "vitest";
import type { StatusDocument } from "../../src/state/status.js";
import { serviceTaskDefinition, waitFor } from "./controller-harness.js";
import type { ControllerProcess } from "./controller-harness.js";
import { hookWorld, taskDefinitionYaml } from "./hooks-world.js";
import type { HookWorld } from "./hooks-world.js";
import { MOTO_REGION } from "./moto.js";

const motoEndpoint = inject("motoEndpoint");
const revision = (w: HookWorld, n: number) => `arn:aws:ecs:${MOTO_REGION}:${w.accountId}:task-definition/api:${n}`;
const apiStatus = async (c: ControllerProcess) =>
  (await c.getJson<StatusDocument>("/status")).resources.find((r) => r.key === "Service/shop/api");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Wait until the proxy saw `n` tasks started, then let them exit (the proxy gives their exit code). */
async function finishTask(w: HookWorld, n: number): Promise<void> {
  await waitFor(`hook task ${n} to start`, () => w.proxy.tasksStarted >= n, { timeoutMs: 30_000 });
  await waitFor("the hook task to be stopped", async () => (await w.stopRunningTasks()) > 0, { timeoutMs: 10_000 });
}

async function runsRevision(w: HookWorld, n: number): Promise<void> {
  await waitFor(`api to run revision ${n}`, async () => (await serviceTaskDefinition(w.ecs, "api")) === revision(w, n), {
    timeoutMs: 30_000,
  });
}

describe.concurrent("preDeploy hooks with `ecs-gitops run` (moto behind a task proxy)", () => {
  it(
    "runs the migration before each new revision, blocks on exit 1, retries on the next commit, never on resync or heal",
    { timeout: 240_000 },
    async (context) => {
      const w = await hookWorld(context, motoEndpoint, "migrate");
      const controller = await w.start(["--self-heal"]);
      // The first deploy (a create) waits for the migration too.
      await waitFor("hook task 1 to start", () => w.proxy.tasksStarted >= 1, { timeoutMs: 30_000 });
      await sleep(2_500);
      expect(w.proxy.seen.get("CreateService") ?? 0).toBe(0);
      await finishTask(w, 1);
      await runsRevision(w, 1);

      // A new image: exactly one RunTask with the new revision and the command override, then UpdateService.
      await w.remote.write("task-definition.yaml", taskDefinitionYaml("shop/api:2"));
      await w.remote.push("api 2");
      await waitFor("hook task 2 to start", () => w.proxy.tasksStarted >= 2, { timeoutMs: 30_000 });
      await sleep(2_500);
      expect(w.proxy.seen.get("UpdateService") ?? 0).toBe(0);
      expect(await serviceTaskDefinition(w.ecs, "api")).toBe(revision(w, 1));
      const started = w.proxy.runTasks[1]!;
      expect(started["taskDefinition"]).toBe(revision(w, 2));
      expect(started["overrides"]).toEqual({ containerOverrides: [{ name: "app", command: ["sh", "-c", "migrate"] }] });
      await finishTask(w, 2);
      await runsRevision(w, 2);
      expect(w.proxy.tasksStarted).toBe(2);
      const ran = (await apiStatus(controller))?.hooks?.[0];
      expect(ran).toMatchObject({ hook: "migrate", phase: "preDeploy", revision: revision(w, 2), outcome: "succeeded", exitCode: 0 });
      expect(ran?.logStream).toBe(`hooks/app/${ran?.taskArn?.split("/").pop()}`);

      // Resync (every 2s) and a hand-made revision change healed back: no hook runs.
      await w.ecs.send(new UpdateServiceCommand({ cluster: "shop", service: "api", taskDefinition: revision(w, 1) }));
      await runsRevision(w, 2);
      await sleep(10_000);
      expect(w.proxy.tasksStarted).toBe(2);
      expect(w.proxy.runTaskRequests).toBe(2);

      // The migration of revision 3 exits 1: no UpdateService, Degraded, one hook.failed alert.
      const updates = w.proxy.seen.get("UpdateService") ?? 0;
      await w.remote.write("task-definition.yaml", taskDefinitionYaml("shop/api:3"));
      await w.remote.edit("service.yaml", (t) => t.replace('"migrate"', '"migrate; exit 1"'));
      await w.remote.push("api 3 with a broken migration");
      await finishTask(w, 3);
      await waitFor("api to be Degraded", async () => (await apiStatus(controller))?.health === "Degraded", { timeoutMs: 30_000 });
      const degraded = await apiStatus(controller);
      expect(degraded?.lastError?.code).toBe("HookFailed");
      expect(degraded?.message).toContain("exit code 1");
      await sleep(5_000);
      expect(w.proxy.seen.get("UpdateService") ?? 0).toBe(updates);
      expect(w.proxy.tasksStarted).toBe(3);
      const alerts = controller.logs.filter((l) => l.msg === "hook failed alert");
      expect(alerts).toHaveLength(1);
      expect(JSON.stringify(alerts[0]?.["error"])).toMatch(/exit code 1.*logs: \/ecs\/api hooks\/app\//);
      expect(await serviceTaskDefinition(w.ecs, "api")).toBe(revision(w, 2));

      // A fixing commit runs the hook again (a new attempt, a new clientToken) and deploys.
      await w.remote.edit("service.yaml", (t) => t.replace('"migrate; exit 1"', '"migrate --fixed"'));
      await w.remote.push("fix the migration");
      await finishTask(w, 4);
      await runsRevision(w, 3);
      expect(new Set(w.proxy.clientTokens).size).toBe(4);
      expect((await apiStatus(controller))?.health).not.toBe("Degraded");
    },
  );

  it(
    "SIGKILL while the hook runs: the restarted controller starts no second task and completes the deploy",
    { timeout: 180_000 },
    async (context) => {
      const w = await hookWorld(context, motoEndpoint, "migrate");
      const first = await w.start();
      await finishTask(w, 1);
      await runsRevision(w, 1);
      await w.remote.write("task-definition.yaml", taskDefinitionYaml("shop/api:2"));
      await w.remote.push("api 2");
      const from = first.logs.length;
      await first.waitForLog("the hook task to start", (l) => l.msg === "hook task started", 30_000, from);
      expect((await first.signal("SIGKILL")).signal).toBe("SIGKILL");

      const second = await w.start();
      await second.waitForLog("a look at the running hook", (l) => l.msg === "reconciled" || l.msg === "http listening", 30_000);
      await sleep(6_000);
      expect(w.proxy.tasksStarted).toBe(2);
      expect(w.proxy.runTaskRequests).toBe(2);
      expect(await serviceTaskDefinition(w.ecs, "api")).toBe(revision(w, 1));
      await finishTask(w, 2);
      await runsRevision(w, 2);
      expect(w.proxy.tasksStarted).toBe(2);
    },
  );

  it(
    "postDeploy hooks start once the deploy was sent; a blocking one that fails marks the service Degraded",
    { timeout: 120_000 },
    async (context) => {
      const smoke = `  postDeploy:
    - name: smoke
      blocking: true
      overrides:
        containerOverrides:
          - name: app
            command: [sh, -c, "smoke; exit 2"]
`;
      const w = await hookWorld(context, motoEndpoint, "migrate", smoke);
      const controller = await w.start();
      await finishTask(w, 1);
      await runsRevision(w, 1);
      await waitFor("the postDeploy task to start", () => w.proxy.tasksStarted >= 2, { timeoutMs: 30_000 });
      expect(w.proxy.seen.get("CreateService")).toBe(1);
      expect(w.proxy.runTasks[1]?.["overrides"]).toEqual({ containerOverrides: [{ name: "app", command: ["sh", "-c", "smoke; exit 2"] }] });
      await finishTask(w, 2);
      await waitFor("api to be Degraded", async () => (await apiStatus(controller))?.health === "Degraded", { timeoutMs: 30_000 });
      const hooks = (await apiStatus(controller))?.hooks ?? [];
      expect(hooks.map((h) => [h.phase, h.hook, h.outcome, h.exitCode])).toEqual([
        ["postDeploy", "smoke", "failed", 2],
        ["preDeploy", "migrate", "succeeded", 0],
      ]);
      expect(controller.logs.filter((l) => l.msg === "hook failed alert")).toHaveLength(1);
      await sleep(4_000);
      expect(w.proxy.tasksStarted).toBe(2);
    },
  );
});
