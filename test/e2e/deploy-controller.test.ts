import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ListTaskDefinitionsCommand } from "@aws-sdk/client-ecs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli as runCaptured } from "../support/cli.js";
import type { StatusDocument } from "../../src/state/status.js";
import { killAllControllers, serviceTaskDefinition, waitFor } from "./controller-harness.js";
import type { ControllerProcess } from "./controller-harness.js";
import { generatedWorld } from "./generated-world.js";
import { MOTO_CREDENTIALS, MOTO_REGION, startMoto } from "./moto.js";
import type { MotoServer } from "./moto.js";

/*
 * The controller's deploy lifecycle end to end: a real `ecs-gitops run` process, a real git
 * remote, moto_server started with MOTO_ECS_SERVICE_RUNNING (every rollout COMPLETED: moto has no
 * deployment lifecycle of its own), a real HTTP receiver for the alert webhook, and the one-shot
 * `rollback` / `release` commands against the same account.
 */

const KEY = "Service/shop/app-00";
let moto: MotoServer;
let receiver: { server: Server; url: string; events: string[] };
const saved = { ...process.env };

const cli = (...argv: string[]) => runCaptured(...argv, "--endpoint-url", moto.endpoint, "--aws-rate-limit", "off");

async function startReceiver(): Promise<{ server: Server; url: string; events: string[] }> {
  const events: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      events.push(String(req.headers["x-ecs-gitops-event"]));
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, events };
}

const resource = async (controller: ControllerProcess) =>
  (await controller.getJson<StatusDocument>("/status")).resources.find((r) => r.key === KEY);

beforeAll(async () => {
  process.env["MOTO_ECS_SERVICE_RUNNING"] = "5";
  moto = await startMoto();
  delete process.env["MOTO_ECS_SERVICE_RUNNING"];
  receiver = await startReceiver();
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    AWS_REGION: MOTO_REGION,
  });
});

afterAll(async () => {
  await killAllControllers();
  receiver?.server.close();
  await moto?.stop();
  process.env = saved;
});

describe("the controller's deploy lifecycle", () => {
  it(
    "records each deploy's outcome and alerts it, holds a rollback pin " +
      "against git until release, and keeps the history across a restart",
    async (context) => {
      const { accountId, ecs, remote, start } = await generatedWorld(context, {
        endpoint: moto.endpoint,
        prefix: "deploy-controller",
        families: 1,
        run: { extraArgs: ["--alert-webhook", receiver.url] },
      });
      process.env["ECS_GITOPS_TEST_ACCOUNT_ID"] = accountId;
      let controller = await start();
      const wait = { timeoutMs: 40_000, intervalMs: 250 };

      // The create rolls out and completes: recorded, alerted once.
      const created = await waitFor(
        "the create's deploy to succeed",
        async () => {
          const r = await resource(controller);
          return r?.history?.[0]?.outcome === "succeeded" ? r : undefined;
        },
        wait,
      );
      expect(created.history![0]).toMatchObject({ trigger: "commit", revision: expect.stringMatching(/app-00:1$/) });
      expect(created.history![0]!.finishedAt).toBeDefined();
      await waitFor("one deploy.succeeded alert", () => receiver.events.filter((e) => e === "deploy.succeeded").length === 1, wait);

      // A new image: a second deploy from its commit.
      await remote.edit("app-00/task-definition.yaml", (t) => t.replace(/nginx:[\w.]+/, "nginx:2.0"));
      const second = await remote.push("image 2.0");
      await waitFor(
        "the second deploy to succeed",
        async () => {
          const h = (await resource(controller))?.history;
          return (
            h?.length === 2 && h[0]!.outcome === "succeeded" && second.sha.startsWith(h[0]!.commit!.replace(/-dirty$/, "").slice(0, 7))
          );
        },
        wait,
      );

      // Rollback (one-shot CLI): the controller sees the pin, shows Pinned, alerts rollback.active.
      expect((await cli("rollback", KEY)).code).toBe(0);
      const pinned = await waitFor(
        "status Pinned",
        async () => {
          const r = await resource(controller);
          return r?.sync === "Pinned" && r.history?.[0]?.trigger === "rollback" ? r : undefined;
        },
        wait,
      );
      expect(pinned.history![0]!.revision).toMatch(/app-00:1$/);
      await waitFor("a rollback.active alert", () => receiver.events.includes("rollback.active"), wait);

      // A later commit registers its revision but does not replace the pinned one.
      await remote.edit("app-00/task-definition.yaml", (t) => t.replace(/nginx:[\w.]+/, "nginx:3.0"));
      const third = await remote.push("image 3.0");
      await controller.waitForLog("the third commit", (l) => l.msg === "new commit: reconciling" && l["commit"] === third.sha, 30_000);
      await waitFor(
        "revision 3 registered",
        async () => (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: "app-00" }))).taskDefinitionArns?.length === 3,
        wait,
      );
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(await serviceTaskDefinition(ecs, "app-00")).toMatch(/app-00:1$/);
      expect((await resource(controller))?.sync).toBe("Pinned");

      // Release: git deploys again, as a pending deploy (not drift).
      expect((await cli("release", KEY)).code).toBe(0);
      await waitFor(
        "git's revision deployed after release",
        async () => /app-00:3$/.test((await serviceTaskDefinition(ecs, "app-00")) ?? ""),
        wait,
      );
      await waitFor("status no longer Pinned", async () => (await resource(controller))?.sync === "Synced", wait);

      // A restart keeps the history (history.json in the work directory).
      const before = (await resource(controller))!.history!;
      expect(before.length).toBeGreaterThanOrEqual(4);
      await controller.signal("SIGTERM");
      controller = await start();
      const after = await waitFor("the history after a restart", async () => (await resource(controller))?.history, wait);
      expect(after.slice(0, before.length).map((r) => [r.revision, r.trigger])).toEqual(before.map((r) => [r.revision, r.trigger]));
      // Each settled deploy alerted exactly once, across the restart too.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const settled = after.filter((r) => r.outcome === "succeeded").length;
      expect(receiver.events.filter((e) => e.startsWith("deploy.")).length).toBe(settled);
      ecs.destroy();
    },
    150_000,
  );
});
