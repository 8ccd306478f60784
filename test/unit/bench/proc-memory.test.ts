import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { ProcPeakSampler, procMemoryKiB } from "../../../bench/proc-memory.js";

// A child that holds 96 MiB (outside V8's heap, touched page by page) from "hold" until "free", and says when it did.
const CHILD = `
let block;
process.stdin.setEncoding("utf8").on("data", (line) => {
  if (line.startsWith("hold")) block = Buffer.alloc(96 * 1024 * 1024, 1);
  if (line.startsWith("free")) block = undefined, globalThis.gc();
  process.stdout.write("done\\n");
});
process.stdout.write("ready\\n");
`;

async function ask(child: ReturnType<typeof spawn>, command: string): Promise<void> {
  const answered = once(child.stdout!, "data");
  child.stdin!.write(`${command}\n`);
  await answered;
}

describe("another process's peak RSS per phase (bench/proc-memory.ts)", () => {
  it("resets the peak at each phase: a phase after a heavier one shows less, which VmHWM alone never would", async () => {
    const child = spawn(process.execPath, ["--expose-gc", "-e", CHILD], { stdio: ["pipe", "pipe", "inherit"] });
    try {
      await once(child.stdout, "data");
      const sampler = new ProcPeakSampler(child.pid!, 20, { resetFirst: false });
      await ask(child, "hold");
      await ask(child, "free");
      const heavy = sampler.next();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const light = sampler.stop();
      const lifetimeMiB = (procMemoryKiB(child.pid!)?.hwm ?? 0) / 1024;

      expect(heavy.hwmMiB).toBeGreaterThan(96);
      // The kernel's own peak catches what a sample between two answers may miss.
      expect(heavy.hwmMiB).toBeGreaterThanOrEqual(heavy.sampledMiB);
      expect(light.hwmMiB).toBeLessThan((heavy.hwmMiB ?? 0) - 48);
      expect(light.sampledMiB).toBeLessThan((heavy.hwmMiB ?? 0) - 48);
      // Reset: without it the process's VmHWM would still show the heavy phase.
      expect(lifetimeMiB).toBeLessThan((heavy.hwmMiB ?? 0) - 48);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("reads nothing of a process that is gone", () => {
    expect(procMemoryKiB(2 ** 22 + 7)).toBeUndefined();
  });
});
