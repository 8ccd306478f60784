import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { binNodeFlags } from "../../../bench/node-flags.js";

const ROOT = path.join(import.meta.dirname, "..", "..", "..");

describe("the controller's node flags (peak RSS at 1000 services, docs/scale.md#memory)", () => {
  it("the bin script sets the memory flags, and the container image runs node with the same ones", () => {
    const flags = binNodeFlags(ROOT);
    expect(flags).toContain("--optimize-for-size");
    // The commit loader collects the heap before each worker starts: a no-op without it.
    expect(flags).toContain("--expose-gc");
    // A line continued with a backslash is one instruction (lines stay within 140 characters).
    const dockerfile = readFileSync(path.join(ROOT, "Dockerfile"), "utf8").replace(/\\\n\s*/g, "");
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
    const argv = JSON.parse(entrypoint ?? "[]") as string[];
    const node = argv.indexOf("node");
    expect(argv.slice(node + 1, node + 1 + flags.length)).toEqual(flags);
    expect(argv[node + 1 + flags.length]).toBe("/app/dist/cli/main.js");
  });
});
