import { describe, expect, it } from "vitest";
import { ControllerProcess, waitFor } from "./controller-harness.js";
import { largeRepoWorld, motoForControllers } from "./large-repo-world.js";

/*
 * The controller's commit loads (docs/scale.md#incremental-commit-loads), end to end: a real
 * `ecs-gitops run` process and a real git remote. The first commit, small plain files, loads on the
 * controller's thread without a worker (docs/controller-memory.md#full-loads-on-the-controllers-thread);
 * a push that changes one small file loads incrementally, and what it changed reaches AWS.
 */

const moto = motoForControllers();

describe("the controller's commit loads", () => {
  it("loads the first commit on its own thread and a one-file change incrementally, then applies it", async (context) => {
    const { remote, run, revisions: revisionsOf } = await largeRepoWorld(moto(), "incremental-load", 3);
    const controller = await ControllerProcess.start(run);
    context.onTestFailed(() => console.log(controller.tail()));
    const first = await controller.waitForLog("the first commit", (l) => l.msg === "new commit: reconciling", 60_000);
    expect(first["load"]).toBe("incremental");
    const revisions = () => revisionsOf("app-01");
    await waitFor("app-01 registered", async () => (await revisions()).length === 1, { timeoutMs: 60_000, intervalMs: 250 });

    await remote.edit("app-01/task-definition.yaml", (t) => t.replace(/nginx:[\w.]+/, "nginx:2.0"));
    const pushed = await remote.push("app-01 on nginx 2.0");
    const second = await controller.waitForLog(
      "the one-file commit",
      (l) => l.msg === "new commit: reconciling" && l["commit"] === pushed.sha,
      60_000,
    );
    expect(second["load"]).toBe("incremental");
    expect(second["resources"]).toBe(first["resources"]);
    await waitFor("app-01's second revision", async () => (await revisions()).length === 2, { timeoutMs: 60_000, intervalMs: 250 });
  });
});
