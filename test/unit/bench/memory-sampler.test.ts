import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { MemorySampler } from "../../../bench/memory-log.js";

const MiB = 1024 * 1024;
// The buffer below is freed by a collection; vitest's workers run without --expose-gc.
setFlagsFromString("--expose-gc");
const collect = runInNewContext("gc") as () => void;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the bench's per-phase peak RSS (bench/memory-log.ts)", () => {
  it("is each phase's own peak: a phase after a heavier one shows less, unlike the process's lifetime maxRSS", async () => {
    const heavy = new MemorySampler().start();
    // Outside V8's heap and touched page by page: resident until it is freed (a large allocation is its own mapping).
    let block: Buffer | undefined = Buffer.alloc(96 * MiB, 1);
    await pause(150);
    const heavyPeak = heavy.stop("heavy");
    expect(block.byteLength).toBe(96 * MiB);
    block = undefined;
    collect();
    await pause(150);

    const light = new MemorySampler().start();
    await pause(150);
    const lightPeak = light.stop("light");
    const lifetimePeak = Math.round((process.resourceUsage().maxRSS * 1024) / MiB);

    expect(heavyPeak).toBeGreaterThan(96);
    expect(lightPeak).toBeLessThan(heavyPeak - 48);
    expect(lifetimePeak).toBeGreaterThanOrEqual(heavyPeak - 2);
  });

  it("reports 0 for a phase it did not sample", () => {
    expect(new MemorySampler().stop("never started")).toBe(0);
  });
});
