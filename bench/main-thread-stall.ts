/**
 * The controller's longest event-loop stall and its RSS peak while a whole commit that the byte
 * screen lets through loads on its own thread (src/source/incremental-load.ts): the review's
 * inputs of about 4 MiB each. `npx tsx bench/main-thread-stall.ts` (docs/controller-memory.md).
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { CommitLoader } from "../src/source/incremental-load.js";
import { maxStallMs } from "./incremental-stall.js";

const taskDefinition = (name: string) =>
  `apiVersion: ecs-gitops/v1\nkind: TaskDefinition\nmetadata:\n  name: ${name}\nspec:\n` +
  "  containerDefinitions:\n    - name: a\n      image: i\n";

const copies = () => Array.from({ length: 8 }, () => taskDefinition("dup")).join("---\n");
const distinct = (i: number) => Array.from({ length: 8 }, (_, j) => taskDefinition(`d${i}x${j}`)).join("---\n");

/** Input name → its files' count and text: the review's (about 3.9 MiB each), then as many documents as the screen lets through. */
const INPUTS: Record<string, { files: number; text: (file: number) => string }> = {
  "749 files x 8 copies of one manifest (5,992 documents)": { files: 749, text: copies },
  "749 files x 8 distinct manifests": { files: 749, text: distinct },
  "3,900 files x 8 copies of one manifest": { files: 3_900, text: copies },
  "3,700 files x 8 distinct manifests": { files: 3_700, text: distinct },
};

async function main(): Promise<void> {
  // One input per process when named (`-- "749 files x 8 distinct manifests"`): RSS peaks are then not the last input's.
  const only = process.argv[2];
  for (const [what, input] of Object.entries(INPUTS)) {
    if (only !== undefined && what !== only) continue;
    const dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-bench-main-thread-"));
    try {
      await writeFile(path.join(dir, "ecs-gitops.yaml"), "cluster: shop\n");
      for (let i = 0; i < input.files; i++) {
        await mkdir(path.join(dir, `d${i % 50}`), { recursive: true });
        await writeFile(path.join(dir, `d${i % 50}`, `f${i}.yaml`), input.text(i));
      }
      let workerLoads = 0;
      const loader = new CommitLoader({
        inWorker: async () => {
          workerLoads += 1;
          return { config: {} as never, configProblems: [], loaded: undefined };
        },
      });
      const base = process.memoryUsage().rss;
      let peak = base;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const started = performance.now();
      const stall = await maxStallMs(() => loader.load({ root: dir, cluster: undefined }));
      clearInterval(sampler);
      const wall = performance.now() - started - 100;
      console.log(
        `${what}: path ${loader.last?.path ?? "?"} (worker loads ${workerLoads}), ` +
          `max stall ${stall.toFixed(0)} ms, wall ${wall.toFixed(0)} ms, ` +
          `RSS ${(base / 2 ** 20).toFixed(0)} -> peak ${(peak / 2 ** 20).toFixed(0)} MiB`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

await main();
