import { ListTaskDefinitionsCommand } from "@aws-sdk/client-ecs";
import { afterAll, describe, expect, inject, it } from "vitest";
import { killAllControllers, metricSum, serviceTaskDefinition, waitFor } from "./controller-harness.js";
import type { ControllerProcess } from "./controller-harness.js";
import { generatedWorld } from "./generated-world.js";
import { git } from "./git.js";

/*
 * A `git revert` the controller sees only after a restart: its caches are empty, so what tells it
 * that the reverted content is already registered is what AWS holds (each revision we register
 * names its predecessors' hashes). A real `ecs-gitops run` child process, a real git remote, moto.
 */

const endpoint = inject("motoEndpoint");

afterAll(async () => {
  await killAllControllers();
});

const calls = async (controller: ControllerProcess, operation: string) =>
  metricSum(await controller.metrics(), "ecs_gitops_aws_calls_total", { operation });

/** The task definition reads so far, once they stopped moving for 2 s (the reconcile and the prune pass both done). */
async function settledCalls(controller: ControllerProcess): Promise<{ list: number; describe: number }> {
  const read = async () => ({
    list: await calls(controller, "ecs:ListTaskDefinitions"),
    describe: await calls(controller, "ecs:DescribeTaskDefinition"),
  });
  let last = await read();
  for (let stable = 0; stable < 8;) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await read();
    stable = now.list === last.list && now.describe === last.describe ? stable + 1 : 0;
    last = now;
  }
  return last;
}

describe("git revert across a controller restart", () => {
  it(
    "reuses the revision deployed before the bad image: nothing registered, the family not listed",
    { timeout: 120_000 },
    async (context) => {
      const { ecs, remote, start } = await generatedWorld(context, {
        endpoint,
        prefix: "revert-restart",
        families: 1,
        // A revert that reuses a revision registers nothing and leaves the service's own spec hash
        // as it was, so the policy takes the service's revision change for drift: only self-heal
        // applies it (docs/deploys.md#git-revert).
        run: { extraArgs: ["--self-heal"] },
      });
      let controller = await start();
      const wait = { timeoutMs: 40_000, intervalMs: 250 };
      const runs = (revision: number) => async () => (await serviceTaskDefinition(ecs, "app-00"))?.endsWith(`app-00:${revision}`) === true;

      await waitFor("the service created on revision 1", runs(1), wait);
      await remote.edit("app-00/task-definition.yaml", (t) => t.replace(/nginx:[\w.]+/, "nginx:9.9-bad"));
      await remote.push("a bad image");
      await waitFor("the bad image deployed as revision 2", runs(2), wait);

      await controller.signal("SIGTERM");
      controller = await start();
      await waitFor("the restarted controller ready", () => controller.isReady(), wait);
      // Count from when the restart's first reconcile and prune pass (the bad image, in place) are done.
      await waitFor("the restart's first reconcile", async () => (await calls(controller, "ecs:DescribeServices")) > 0, wait);
      const before = await settledCalls(controller);
      await git(remote.work, "revert", "--no-edit", "HEAD");
      await git(remote.work, "push", "--quiet", "origin", "main");
      await waitFor("the service back on revision 1", runs(1), wait);

      expect((await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: "app-00" }))).taskDefinitionArns).toHaveLength(2);
      expect(await calls(controller, "ecs:RegisterTaskDefinition")).toBe(0);
      // The restart read the family once (its latest: the bad image); the revert then describes the
      // one earlier revision whose recorded hash is git's. The one list is the prune pass's inventory,
      // which every new commit reads (docs/prune.md); the plan itself lists nothing.
      const after = await settledCalls(controller);
      expect(before.describe).toBe(1);
      expect(after.list - before.list).toBe(1);
      expect(after.describe - before.describe).toBe(1);
    },
  );
});
