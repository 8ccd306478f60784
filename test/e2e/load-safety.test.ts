import { symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { describe, expect, inject, it } from "vitest";
import { runValidate } from "../../src/cli/commands/validate.js";
import { editFile } from "./desired-repo.js";
import { commitAll, createWorld, eventually, runController, withController } from "./drift-harness.js";
import type { World } from "./drift-harness.js";
import { git } from "./git.js";
import { MOTO_CREDENTIALS, MOTO_REGION } from "./moto.js";

process.env["AWS_ACCESS_KEY_ID"] ??= MOTO_CREDENTIALS.accessKeyId;
process.env["AWS_SECRET_ACCESS_KEY"] ??= MOTO_CREDENTIALS.secretAccessKey;
process.env["AWS_REGION"] ??= MOTO_REGION;

const endpoint = inject("motoEndpoint");

async function workerDesiredCount(world: World): Promise<number | undefined> {
  const { services } = await world.ecs.send(new DescribeServicesCommand({ cluster: "shop", services: ["worker"], include: ["TAGS"] }));
  return services?.find((s) => s.status === "ACTIVE")?.desiredCount;
}

/** Commits what the test wrote with one valid change besides: worker's desiredCount 3 → 4. */
async function commitWithValidChange(world: World, message: string): Promise<void> {
  await editFile(world.dir, "worker/service.yaml", (t) => t.replace("desiredCount: 3", "desiredCount: 4"));
  await commitAll(world.dir, message);
}

/** Waits until AWS shows the valid change of the commit applied. */
async function validChangeApplied(world: World, timeoutMs: number): Promise<void> {
  await eventually(async () => (await workerDesiredCount(world)) === 4, timeoutMs, "worker scaled to 4 from the same commit");
}

/** About 300 KB of YAML that takes the parser seconds: thousands of small flow mappings. */
function slowYaml(): string {
  const lines = ["apiVersion: ecs-gitops/v1", "kind: TaskDefinition", "metadata:", "  name: slow", "spec:", "  junk:"];
  for (let i = 0; i < 8_000; i++) lines.push(`    - {a${i}: [${i}, {b: x}], c: {d: ${i}}}`);
  return lines.join("\n") + "\n";
}

describe("the controller loading hostile commits", () => {
  it(
    "applies the valid changes of a commit whose other file holds a recursive alias, and reports that file located",
    { timeout: 90_000 },
    async () => {
      await withController(endpoint, { resyncMs: 500 }, async (world, run) => {
        await run.converged();
        expect(await workerDesiredCount(world)).toBe(3);
        await writeFile(
          path.join(world.dir, "loop.yaml"),
          "apiVersion: ecs-gitops/v1\nkind: TaskDefinition\nmetadata:\n  name: loop\nspec: &s\n  containerDefinitions: [*s]\n",
        );
        await commitWithValidChange(world, "a valid change and a recursive alias");
        await validChangeApplied(world, 20_000);
        const status = await run.status();
        expect(status.manifestErrors).toEqual([expect.objectContaining({ file: "loop.yaml", line: 6, column: 26 })]);
        expect(status.source.lastError).toBeUndefined();
      });
    },
  );

  it(
    "reports a linked manifest and a linked folder exactly as validate does, and applies the rest of the commit",
    { timeout: 90_000 },
    async () => {
      await withController(endpoint, { resyncMs: 500 }, async (world, run) => {
        await run.converged();
        await symlink("worker/service.yaml", path.join(world.dir, "linked.yaml"));
        await symlink("web", path.join(world.dir, "linked-folder"));
        await commitWithValidChange(world, "links and a valid change");
        let printed = "";
        expect(await runValidate(world.dir, { output: "json" }, { out: (text) => (printed += text), cwd: world.dir })).toBe(1);
        const validated = (JSON.parse(printed) as { problems: { file: string; message: string }[] }).problems.map((p) => [
          p.file,
          p.message,
        ]);
        await validChangeApplied(world, 20_000);
        const reported = (await run.status()).manifestErrors.map((e) => [e.file, e.message]);
        expect(reported.sort()).toEqual(validated.sort());
        expect(reported.map(([file]) => file).sort()).toEqual(["linked-folder", "linked.yaml"]);
      });
    },
  );

  it("keeps its event loop free while a pathological commit loads: /healthz answers throughout", { timeout: 120_000 }, async () => {
    await withController(endpoint, { resyncMs: 5_000 }, async (world, run) => {
      await run.converged();
      await writeFile(path.join(world.dir, "slow.yaml"), slowYaml());
      await writeFile(path.join(world.dir, "many.yaml"), "---\nkind: X\n".repeat(1_000));
      const delay = monitorEventLoopDelay({ resolution: 10 });
      const healthGapsMs: number[] = [];
      let last = performance.now();
      let loaded = false;
      const probe = (async () => {
        while (!loaded) {
          const response = await fetch(`http://127.0.0.1:${run.port}/healthz`, { signal: AbortSignal.timeout(10_000) });
          await response.arrayBuffer();
          expect(response.status).toBe(200);
          const now = performance.now();
          healthGapsMs.push(now - last);
          last = now;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      delay.enable();
      const started = performance.now();
      await commitAll(world.dir, "pathological manifests");
      await eventually(
        async () => (await run.status()).manifestErrors.some((e) => e.file === "many.yaml"),
        90_000,
        "the pathological commit's errors in /status",
      );
      const loadMs = performance.now() - started;
      loaded = true;
      await probe;
      delay.disable();
      const maxDelayMs = delay.max / 1e6;
      // Loading on the main thread blocked it for the whole parse (seconds); a worker leaves it free.
      expect(maxDelayMs, `max event-loop delay while a ${Math.round(loadMs)} ms load ran`).toBeLessThan(1_000);
      expect(Math.max(...healthGapsMs)).toBeLessThan(1_000);
      expect(healthGapsMs.length).toBeGreaterThan(3);
    });
  });

  it("refuses files of too many YAML nodes one by one, located, and applies the rest of the commit", { timeout: 120_000 }, async () => {
    await withController(endpoint, { resyncMs: 500 }, async (world, run) => {
      await run.converged();
      // Each file is valid and under the byte cap: a task definition whose command is a flow
      // list of 330,000 items. Loading six of them took seconds each and hundreds of MB.
      const heavy = ["h1", "h2", "h3", "h4", "h5", "h6"];
      for (const name of heavy) {
        const items = Array.from({ length: 330_000 }, (_, i) => (i % 2 === 0 ? "x" : "y")).join(",");
        await writeFile(
          path.join(world.dir, `${name}.yaml`),
          `apiVersion: ecs-gitops/v1\nkind: TaskDefinition\nmetadata:\n  name: ${name}\nspec:\n ` +
            ` family: ${name}\n  containerDefinitions:\n    - name: app\n      image: ` +
            `nginx\n      memory: 128\n      command: [${items}]\n`,
        );
      }
      await commitWithValidChange(world, "heavy files and a valid change");
      await validChangeApplied(world, 60_000);
      const status = await run.status();
      expect(status.manifestErrors.map((e) => [e.file, e.line]).sort()).toEqual(heavy.map((name) => [`${name}.yaml`, 11]));
      expect(status.manifestErrors[0]?.message).toMatch(/more than \d+ YAML nodes/);
      expect(status.source.lastError).toBeUndefined();
    });
  });

  it(
    "reports a commit whose load fails as a whole as that commit's error, not the source's, and still becomes ready",
    { timeout: 90_000 },
    async () => {
      const world = await createWorld(endpoint);
      // A file past the screen sends the commit to the worker (small plain files load on the
      // controller's thread), and every worker load times out: what a commit too heavy for the
      // loader's bounds does.
      await writeFile(path.join(world.dir, "padded.yaml"), `# padding\n`.repeat(1_000));
      await commitAll(world.dir, "a file past the screen");
      const run = await runController(world, { resyncMs: 500, commitLoadLimits: { timeoutMs: 1, maxHeapMb: 384 } });
      try {
        const head = (await git(world.dir, "rev-parse", "HEAD")).trim();
        const status = await eventually(
          async () => {
            const now = await run.status();
            return now.manifestErrors.length > 0 ? now : undefined;
          },
          30_000,
          "the failed load in /status",
        );
        expect(status.manifestErrors).toEqual([
          expect.objectContaining({ message: expect.stringContaining(`commit ${head.slice(0, 12)} could not be loaded`) }),
        ]);
        expect(status.source.lastError).toBeUndefined();
        await eventually(async () => (await fetch(`http://127.0.0.1:${run.port}/readyz`)).status === 200, 20_000, "/readyz 200");
      } finally {
        await run.stop();
        await world.close();
      }
    },
  );
});
