/**
 * The pause of the collection a commit load on the controller's thread starts with
 * (src/source/heap-collect.ts `BoundedCollector`): two 1,000 / 1,000 / 300 fleets loaded and kept,
 * then five collections, each with the longest event-loop stall around it. Run with gc exposed:
 * `node --expose-gc --import tsx bench/gc-stall.ts` (docs/controller-memory.md).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { BoundedCollector } from "../src/source/heap-collect.js";
import { CommitLoader } from "../src/source/incremental-load.js";
import { FLEET_1000, writeFleet } from "./fleet.js";
import { maxStallMs } from "./incremental-stall.js";

const dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-bench-gc-"));
try {
  await writeFleet(dir, FLEET_1000, { subnets: ["subnet-1", "subnet-2"], securityGroups: ["sg-1"] });
  // Kept until the end: the live data a collection has to mark.
  const kept = await Promise.all([new CommitLoader(), new CommitLoader()].map((loader) => loader.load({ root: dir, cluster: undefined })));
  for (let round = 1; round <= 5; round += 1) {
    let pauseMs: number | undefined;
    const stallMs = await maxStallMs(async () => {
      pauseMs = new BoundedCollector({ gapMs: 0 }).collect();
    });
    const heapMiB = process.memoryUsage().heapUsed / 2 ** 20;
    if (pauseMs === undefined) throw new Error("gc is not exposed: run with node --expose-gc");
    console.log(
      `round ${round}: heap ${heapMiB.toFixed(1)} MiB, collection ${pauseMs.toFixed(0)} ms, longest stall ${stallMs.toFixed(0)} ms`,
    );
  }
  console.log(`(${kept.length} fleets kept)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
