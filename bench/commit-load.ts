/**
 * The commit load alone, measured (`commit-load.js [loads] [--snapshot=DIR]`): the
 * 1000/1000/300 fleet's 2,300 manifests loaded in the worker `loads` times, each load held until
 * the next one is in, as the controller holds the last good commit. Prints each load's own peak
 * RSS (sampled every 10 ms) and the RSS it settled at. `--snapshot=DIR` also loads the commit once
 * in a worker of its own that writes a heap snapshot at the end of validation (the worker's peak).
 * Compiled like the bench's child (bench/tsconfig.child.json) and run with the bin script's node
 * flags: `node --optimize-for-size … .scratch/bench-build/bench/commit-load.js`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { loadCommitInWorker } from "../src/source/commit-load.js";
import type { CommitLoad } from "../src/source/commit-load.js";
import { FLEET_1000, writeFleet } from "./fleet.js";

const MiB = 1024 * 1024;
const args = process.argv.slice(2);
const loads = Number(args.find((a) => /^\d+$/.test(a)) ?? 3);
const snapshotDir = args.find((a) => a.startsWith("--snapshot="))?.slice("--snapshot=".length);

const dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-commit-load-"));
try {
  await writeFleet(dir, FLEET_1000, { subnets: ["subnet-0123456789abcdef0"], securityGroups: ["sg-0123456789abcdef0"] });
  let held: CommitLoad | undefined;
  for (let i = 1; i <= loads; i++) {
    let peak = 0;
    const sample = () => (peak = Math.max(peak, process.memoryUsage.rss()));
    const timer = setInterval(sample, 10);
    const started = performance.now();
    const load = await loadCommitInWorker({ root: dir, cluster: undefined });
    const wallMs = Math.round(performance.now() - started);
    sample();
    clearInterval(timer);
    if (!load.loaded || load.loaded.problems.some((p) => p.severity === "error")) throw new Error(`load ${i}: the fleet did not load`);
    held = load;
    console.log(
      `load ${i}: ${held.loaded?.manifests.length} manifests in ${wallMs} ms, peak RSS ${(peak / MiB).toFixed(1)} MiB, ` +
        `after ${(process.memoryUsage.rss() / MiB).toFixed(1)} MiB, heap used ${(process.memoryUsage().heapUsed / MiB).toFixed(1)} MiB`,
    );
  }
  if (snapshotDir !== undefined) console.log(`worker heap snapshot: ${await snapshotAtPeak(dir, snapshotDir)}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}

/** The worker's heap at the end of validation, before it answers: the moment its peak is set. */
async function snapshotAtPeak(root: string, out: string): Promise<string> {
  // Compiled (bench/tsconfig.child.json), as the bench measures: no TypeScript loader in the worker.
  const load = new URL(`../src/source/commit-load.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`, import.meta.url).href;
  const file = path.join(out, "commit-load-worker.heapsnapshot");
  const body =
    `const { loadCommitInline } = await import(${JSON.stringify(load)});` +
    `const result = await loadCommitInline({ root: ${JSON.stringify(root)}, cluster: undefined });` +
    `(await import("node:v8")).writeHeapSnapshot(${JSON.stringify(file)});` +
    `(await import("node:worker_threads")).parentPort.postMessage(result.loaded.manifests.length);`;
  const worker = new Worker(body, { eval: true });
  await new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  await worker.terminate();
  return file;
}
