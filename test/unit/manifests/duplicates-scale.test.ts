import { describe, expect, it } from "vitest";
import { finishDocuments } from "../../../src/manifests/load.js";
import type { Manifest } from "../../../src/manifests/types.js";
import { cpuClock } from "../../support/cpu-clock.js";

/** `count` documents of one identity, 8 to a file, as a commit of copied files holds them. */
function copies(count: number, key = "TaskDefinition/dup"): Manifest[] {
  return Array.from({ length: count }, (_, i) => {
    const file = `copies/f${Math.floor(i / 8)}.yaml`;
    return { key, file, position: { file, line: 1 + (i % 8) * 9, column: 1 } } as Manifest;
  });
}

describe("duplicate identities over many documents", () => {
  it("checks 40,000 copies of one identity in linear time, and each message names at most 10 places", () => {
    const cpuMs = cpuClock();
    const problems: ReturnType<typeof finishDocuments>["problems"] = [];
    const loaded = finishDocuments([...copies(40_000), ...copies(1, "TaskDefinition/alone")], [], problems);
    const ms = cpuMs();
    expect(loaded.manifests.map((m) => m.key)).toEqual(["TaskDefinition/alone"]);
    expect(problems).toHaveLength(40_000);
    expect(problems.every((p) => p.code === "DuplicateIdentity" && p.key === "TaskDefinition/dup")).toBe(true);
    expect(problems[0]?.message).toBe(
      "TaskDefinition/dup is defined 40000 times: " +
        "copies/f0.yaml:1, copies/f0.yaml:10, copies/f0.yaml:19, copies/f0.yaml:28, copies/f0.yaml:37, copies/f0.yaml:46, " +
        "copies/f0.yaml:55, copies/f0.yaml:64, copies/f1.yaml:1, copies/f1.yaml:10 and 39990 more (keep one)",
    );
    // Copying the group per document took ~10 s for 40,000 (quadratic); linear is tens of ms, even on a loaded machine.
    expect(ms).toBeLessThan(2_000);
  });

  it("names both places of a plain duplicate, as before", () => {
    const problems: ReturnType<typeof finishDocuments>["problems"] = [];
    finishDocuments(copies(2), [], problems);
    expect(problems.map((p) => p.message)).toEqual([
      "TaskDefinition/dup is defined twice: copies/f0.yaml:1 and copies/f0.yaml:10 (keep one)",
      "TaskDefinition/dup is defined twice: copies/f0.yaml:1 and copies/f0.yaml:10 (keep one)",
    ]);
  });
});
