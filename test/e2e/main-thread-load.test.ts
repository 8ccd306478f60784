import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MAIN_THREAD_LOAD_MARKER } from "../../src/controller/controller-setup.js";
import type { StatusDocument } from "../../src/state/status.js";
import { ControllerProcess, waitFor } from "./controller-harness.js";
import { git } from "./git.js";
import { largeRepoWorld, motoForControllers } from "./large-repo-world.js";

/*
 * A real `ecs-gitops run` process given commits that a load on its own thread must not die of
 * (docs/controller-memory.md#full-loads-on-the-controllers-thread): deeply nested files go to the
 * worker, and a process killed during a load on its thread sends that commit to the worker after
 * the restart, so a commit cannot crash it in a loop.
 */

const moto = motoForControllers();

/** A repository of two families and `extra`, pushed; `registered`: app-01's revisions. */
async function world(prefix: string, extra: (content: string) => Promise<void>) {
  const { remote, run, revisions } = await largeRepoWorld(moto(), prefix, 2, extra);
  return { remote, run, registered: async () => (await revisions("app-01")).length };
}

describe("the controller's thread and hostile commits", () => {
  it("sends deeply nested files to the worker, stays up, reports them and applies the rest", { timeout: 180_000 }, async (context) => {
    const { run, registered } = await world("deep-load", async (content) => {
      await writeFile(path.join(content, "a.yaml"), `${"- ".repeat(2040)}x\n`);
      const head = "apiVersion: ecs-gitops/v1\nkind: TaskDefinition\nmetadata:\n  name: deep\nspec:\n  junk:\n";
      await writeFile(path.join(content, "b.yaml"), head + Array.from({ length: 80 }, (_, i) => `${" ".repeat(4 + i)}k:\n`).join(""));
      await writeFile(path.join(content, "c.yaml"), `${"? ".repeat(2040)}x\n`);
    });
    const controller = await ControllerProcess.start(run);
    context.onTestFailed(() => console.log(controller.tail()));
    const first = await controller.waitForLog("the first commit", (l) => l.msg === "new commit: reconciling", 90_000);
    expect(first["load"]).toBe("worker");
    await waitFor("app-01 registered", async () => (await registered()) === 1, { timeoutMs: 60_000, intervalMs: 250 });
    const status = await controller.getJson<StatusDocument>("/status");
    expect([...new Set(status.manifestErrors.map((e) => e.file))].sort()).toEqual(["a.yaml", "b.yaml", "c.yaml"]);
    await waitFor("the controller ready after its first sync", () => controller.isReady(), { timeoutMs: 60_000, intervalMs: 250 });
    expect((await fetch(controller.url("/healthz"))).status).toBe(200);
    expect(controller.isRunning).toBe(true);
  });

  it(
    "loads in the worker the commit a process was killed loading on its own thread; the next commit on the thread",
    { timeout: 240_000 },
    async (context) => {
      // Thousands of small files: the load on the controller's thread lasts long enough to be killed in.
      const { remote, run, registered } = await world("killed-load", async (content) => {
        await mkdir(path.join(content, "notes"));
        for (let i = 0; i < 3_000; i++)
          await writeFile(path.join(content, "notes", `n${i}.yaml`), `# note ${i}\n${"# padding\n".repeat(40)}`);
      });
      const marker = path.join(run.workDir, MAIN_THREAD_LOAD_MARKER);
      const killed = await ControllerProcess.start(run);
      context.onTestFailed(() => console.log(killed.tail()));
      let named: string | undefined;
      await waitFor(
        "a load on the controller's thread",
        async () => (named = await readFile(marker, "utf8").catch(() => undefined)) !== undefined,
        { timeoutMs: 90_000, intervalMs: 5 },
      );
      await killed.signal("SIGKILL");
      const sha = await git(remote.work, "rev-parse", "HEAD");
      expect(JSON.parse(named!)).toMatchObject({ commit: sha });
      expect(killed.logs.some((l) => l.msg === "new commit: reconciling")).toBe(false);
      expect(await readFile(marker, "utf8")).toBe(named);

      const restarted = await ControllerProcess.start(run);
      context.onTestFailed(() => console.log(restarted.tail()));
      const first = await restarted.waitForLog("the commit after the restart", (l) => l.msg === "new commit: reconciling", 90_000);
      expect(first).toMatchObject({ commit: sha, load: "worker" });
      // Its work done: a later restart in this work dir loads that commit here again.
      await expect(readFile(marker, "utf8")).rejects.toThrow(/ENOENT/);
      await waitFor("app-01 registered", async () => (await registered()) === 1, { timeoutMs: 60_000, intervalMs: 250 });

      await remote.edit("app-01/task-definition.yaml", (t) => t.replace(/nginx:[\w.]+/, "nginx:2.0"));
      const pushed = await remote.push("app-01 on nginx 2.0");
      const next = await restarted.waitForLog(
        "the next commit",
        (l) => l.msg === "new commit: reconciling" && l["commit"] === pushed.sha,
        60_000,
      );
      expect(next["load"]).toBe("incremental");
      await expect(readFile(marker, "utf8")).rejects.toThrow(/ENOENT/);
    },
  );
});
