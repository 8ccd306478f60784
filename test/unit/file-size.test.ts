import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// A file a newcomer can read in one sitting does one job; past ~350 lines it usually does two.
// Generated code is not read by hand.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const MAX_LINES = 350;

export function oversized(file: string, text: string): string[] {
  const lines = text.endsWith("\n") ? text.split("\n").length - 1 : text.split("\n").length;
  return lines > MAX_LINES ? [`${file}: ${lines} lines (at most ${MAX_LINES}): split what it does into its own module`] : [];
}

function sourceFiles(): string[] {
  const listed = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "src"], { cwd: ROOT, encoding: "utf8" });
  return listed.split("\n").filter((f) => f.endsWith(".ts") && !f.endsWith(".generated.ts"));
}

describe("file size", () => {
  it(`no source file under src/ (generated code aside) has more than ${MAX_LINES} lines`, () => {
    const files = sourceFiles();
    expect(files).toEqual(expect.arrayContaining(["src/controller/reconciler.ts", "src/resources/registry.ts"]));
    const problems = files.flatMap((file) => {
      let text: string;
      try {
        text = readFileSync(path.join(ROOT, file), "utf8");
      } catch {
        return []; // deleted in the working tree, not yet in git
      }
      return oversized(file, text);
    });
    expect(problems).toEqual([]);
  });

  it("counts lines as an editor shows them", () => {
    expect(oversized("a.ts", "x\n".repeat(MAX_LINES))).toEqual([]);
    expect(oversized("a.ts", "x\n".repeat(MAX_LINES + 1))).toEqual([
      `a.ts: ${MAX_LINES + 1} lines (at most ${MAX_LINES}): split what it does into its own module`,
    ]);
    expect(oversized("a.ts", "x\n".repeat(MAX_LINES) + "x")).toHaveLength(1);
  });
});
