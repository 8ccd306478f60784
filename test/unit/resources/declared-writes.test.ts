import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { allPlugins } from "../../../src/resources/registry.js";

// A planned call's operation is typed as any SDK command (resources/types.ts cannot import the
// registry's WriteOperation without a type cycle). This scan keeps the rule the type used to
// carry: every `operation: "service:Command"` a plan, a prune step or an engine module writes is a
// write some kind declares, so its bucket, retry and cache effect are known.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "src"], { cwd: ROOT, encoding: "utf8" })
  .split("\n")
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".generated.ts"));

/** `operation: "x:Y"` literals in `text`, with their line numbers. */
export function plannedOperations(text: string): { operation: string; line: number }[] {
  return [...text.matchAll(/operation:\s*"([a-z-]+:[A-Za-z]+)"/g)].map((m) => ({
    operation: m[1] ?? "",
    line: text.slice(0, m.index).split("\n").length,
  }));
}

describe("planned calls", () => {
  const declared = new Set(allPlugins().flatMap((plugin) => Object.keys(plugin.writes)));

  it("reads the literals it checks", () => {
    expect(plannedOperations('calls.push({ operation: "ecs:UpdateService", input })\n{ operation: "x:Y" }')).toEqual([
      { operation: "ecs:UpdateService", line: 1 },
      { operation: "x:Y", line: 2 },
    ]);
  });

  it("name only writes some kind declares", () => {
    const found = files.flatMap((file) =>
      plannedOperations(readFileSync(path.join(ROOT, file), "utf8")).map((hit) => ({ ...hit, where: `${file}:${hit.line}` })),
    );
    expect(found.length).toBeGreaterThan(15);
    const undeclared = found.filter((hit) => !declared.has(hit.operation)).map((hit) => `${hit.where}: ${hit.operation}`);
    expect(undeclared, "declare each in its kind's writes.ts").toEqual([]);
  });
});
