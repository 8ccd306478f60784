import { UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { afterAll, describe, expect, inject, it } from "vitest";
import { killAllControllers, metricSum, serviceTaskDefinition, waitFor } from "./controller-harness.js";
import type { ControllerProcess } from "./controller-harness.js";
import { generatedWorld } from "./generated-world.js";
import { git } from "./git.js";
import type { StatusDocument } from "../../src/state/status.js";

/*
 * A `git revert` pushed while the controller is stopped. The revert reuses an earlier revision, so
 * nothing on AWS says git moved; what tells the restarted controller is its resource records
 * (records.json: git's spec hash of each family a service used at its last apply). Self-heal is
 * off: were the move taken for drift, it would only be reported. A real `ecs-gitops run` child
 * process, a real git remote, moto.
 */

const endpoint = inject("motoEndpoint");

afterAll(async () => {
  await killAllControllers();
});

describe("a git revert made while the controller was down", () => {
  it(
    "is deployed after the restart (not drift), and a revision moved by hand while down still is drift",
    { timeout: 180_000 },
    async (context) => {
      // One family, two services using it.
      const { ecs, remote, start } = await generatedWorld(context, {
        endpoint,
        prefix: "revert-while-down",
        families: 1,
        servicesPerFamily: 2,
      });
      const wait = { timeoutMs: 40_000, intervalMs: 250 };
      const on = (service: string, revision: number) => async () =>
        (await serviceTaskDefinition(ecs, service))?.endsWith(`app-00:${revision}`) === true;
      const statusOf = async (controller: ControllerProcess, service: string) =>
        (await controller.getJson<StatusDocument>("/status")).resources.find((r) => r.key === `Service/shop/${service}`);

      let controller = await start();
      await waitFor("both services on revision 1", async () => (await on("app-00", 1)()) && (await on("app-00-2", 1)()), wait);
      await remote.edit("app-00/task-definition.yaml", (t) => t.replace("memory: 128", "memory: 192"));
      await remote.push("more memory");
      await waitFor("both services on revision 2", async () => (await on("app-00", 2)()) && (await on("app-00-2", 2)()), wait);
      await waitFor(
        "both services synced at the new commit",
        async () => (await statusOf(controller, "app-00-2"))?.sync === "Synced",
        wait,
      );

      expect((await controller.signal("SIGTERM")).code).toBe(0);
      await git(remote.work, "revert", "--no-edit", "HEAD");
      await git(remote.work, "push", "--quiet", "origin", "main");
      const revertCommit = (await git(remote.work, "rev-parse", "HEAD")).trim();

      controller = await start();
      await waitFor("both services back on revision 1", async () => (await on("app-00", 1)()) && (await on("app-00-2", 1)()), wait);
      await waitFor(
        "both services synced at the revert",
        async () => (await statusOf(controller, "app-00"))?.lastAppliedRevision === revertCommit,
        wait,
      );
      for (const service of ["app-00", "app-00-2"]) {
        const status = await statusOf(controller, service);
        expect(status).toMatchObject({ sync: "Synced", lastAppliedRevision: revertCommit });
        expect(status?.drift).toBeUndefined();
      }
      // Deployed as git's change: no revision registered (the revert reuses revision 1), no drift logged.
      expect(metricSum(await controller.metrics(), "ecs_gitops_aws_calls_total", { operation: "ecs:RegisterTaskDefinition" })).toBe(0);
      expect(controller.logs.filter((l) => l.msg === "reverting drift" || l.msg === "drift detected")).toEqual([]);

      // The control: git unchanged, one service moved by hand while the controller is down.
      expect((await controller.signal("SIGTERM")).code).toBe(0);
      await ecs.send(new UpdateServiceCommand({ cluster: "shop", service: "app-00-2", taskDefinition: "app-00:2" }));
      controller = await start();
      await waitFor("the hand move reported as drift", async () => (await statusOf(controller, "app-00-2"))?.drift !== undefined, wait);
      expect(await statusOf(controller, "app-00-2")).toMatchObject({ sync: "OutOfSync", lastAppliedRevision: revertCommit });
      expect(await on("app-00-2", 2)()).toBe(true);
      expect(await on("app-00", 1)()).toBe(true);
    },
  );
});
