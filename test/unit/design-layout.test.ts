import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// docs/design.md "Layout" is where a newcomer learns what each folder holds; a folder or root
// helper it does not mention is one they have to discover by reading code.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function layoutBlock(): string {
  const design = readFileSync(path.join(ROOT, "docs/design.md"), "utf8");
  const section = design.split(/^## /m).find((part) => part.startsWith("Layout"));
  return /```\n([\s\S]*?)```/.exec(section ?? "")?.[1] ?? "";
}

describe("docs/design.md Layout", () => {
  const layout = layoutBlock();
  const entries = readdirSync(path.join(ROOT, "src"), { withFileTypes: true });

  it("names every folder under src/", () => {
    const folders = entries.filter((e) => e.isDirectory()).map((e) => `src/${e.name}/`);
    expect(folders.length).toBeGreaterThan(10);
    expect(folders.filter((folder) => !layout.includes(folder))).toEqual([]);
  });

  it("names every helper file at the root of src/", () => {
    const helpers = entries.filter((e) => e.isFile() && e.name.endsWith(".ts")).map((e) => e.name);
    expect(helpers.filter((file) => !new RegExp(`\\b${file.replace(".", "\\.")}`).test(layout))).toEqual([]);
  });
});
