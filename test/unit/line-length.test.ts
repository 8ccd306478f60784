import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// prettier wraps code and eslint's max-len catches long strings and comments in TypeScript, but
// neither reads shell scripts, the Dockerfile, Python or YAML. Markdown prose is left to the
// reader's editor; generated code is not written by hand.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const MAX_CHARS = 140;
/** Recorded AWS answers: kept byte for byte as AWS sent them, and a JSON string cannot be wrapped. */
const VERBATIM = /^test\/fixtures\/aws\/[^/]+\.json$/;

export function longLines(file: string, text: string): string[] {
  return text.split("\n").flatMap((line, i) => {
    const length = [...line.replace(/\r$/, "")].length;
    return length > MAX_CHARS ? [`${file}:${i + 1}: ${length} characters (at most ${MAX_CHARS}): wrap it`] : [];
  });
}

function checkedFiles(): string[] {
  const listed = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" });
  return listed.split("\n").filter((f) => f !== "" && !f.endsWith(".md") && !/\.generated\.\w+$/.test(f) && !VERBATIM.test(f));
}

describe("line length", () => {
  it(`no text file in the repository (Markdown and generated code aside) has a line over ${MAX_CHARS} characters`, () => {
    const files = checkedFiles();
    expect(files).toEqual(expect.arrayContaining(["Dockerfile", ".ci/run", "scripts/gen-schema.py", "manifests/iam-policy.json"]));
    const problems = files.flatMap((file) => {
      let bytes: Buffer;
      try {
        bytes = readFileSync(path.join(ROOT, file));
      } catch {
        return []; // deleted in the working tree, not yet in git
      }
      return bytes.includes(0) ? [] : longLines(file, bytes.toString("utf8"));
    });
    expect(problems).toEqual([]);
  });

  it("counts characters, not bytes, and names the file and line", () => {
    expect(longLines("x.sh", `${"⌈".repeat(140)}\n${"a".repeat(141)}`)).toEqual(["x.sh:2: 141 characters (at most 140): wrap it"]);
  });
});
