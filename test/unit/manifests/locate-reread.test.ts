import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseSourceFiles, readManifestFiles } from "../../../src/manifests/load.js";

const MANIFEST = [
  "apiVersion: ecs-gitops/v1",
  "kind: TaskDefinition",
  "metadata:",
  "  name: web",
  "spec:",
  "  family: web",
  "  containerDefinitions:",
  "    - name: app",
  "      image: nginx:1.27",
].join("\n");

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function commitWith(text: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-locate-"));
  dirs.push(dir);
  await writeFile(path.join(dir, "web.yaml"), text);
  return dir;
}

describe("locating a problem in a file of the commit: the load does not keep the text, it reads the file again", () => {
  it("reads a file's text again when a position is asked for, the lines of the commit as loaded", async () => {
    // Thousands of lines above the manifest: a position from the wrong line map would show.
    const comments = Array.from({ length: 9000 }, (_, i) => `# ${String(i).padStart(6, "0")} ${"x".repeat(88)}`).join("\n");
    const dir = await commitWith(`${comments}\n${MANIFEST}\n`);
    const [doc] = parseSourceFiles((await readManifestFiles(dir)).files).documents;

    expect(doc!.position).toEqual({ file: "web.yaml", line: 9001, column: 1 });
    expect(doc!.locate(["spec", "containerDefinitions", 0, "image"])).toEqual({ file: "web.yaml", line: 9009, column: 14 });
    // A missing field: its nearest existing parent.
    expect(doc!.locate(["spec", "cpu"])).toEqual({ file: "web.yaml", line: 9005, column: 1 });
  });

  it("a file changed since the load is located at its document's start, never at a line of the new text", async () => {
    const dir = await commitWith(`${MANIFEST}\n`);
    const [doc] = parseSourceFiles((await readManifestFiles(dir)).files).documents;
    await writeFile(path.join(dir, "web.yaml"), `# a line added after the load\n${MANIFEST}\n`);

    expect(doc!.position).toEqual({ file: "web.yaml", line: 1, column: 1 });
    expect(doc!.locate(["spec", "containerDefinitions", 0, "image"])).toEqual(doc!.position);
  });

  it("a file gone since the load is located at its document's start", async () => {
    const dir = await commitWith(`---\n${MANIFEST}\n`);
    const [doc] = parseSourceFiles((await readManifestFiles(dir)).files).documents;
    await rm(path.join(dir, "web.yaml"));

    expect(doc!.locate(["spec", "family"])).toEqual({ file: "web.yaml", line: 2, column: 1 });
  });
});
