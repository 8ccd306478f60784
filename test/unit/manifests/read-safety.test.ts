import { execFile } from "node:child_process";
import { mkdir, mkdtemp, open, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfigFile } from "../../../src/config.js";
import { readManifestFiles } from "../../../src/manifests/load.js";
import { loadDesiredState } from "../../../src/resources/load.js";
import { MINIMAL_TASK_DEFINITION } from "../../support/minimal-manifest.js";

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function repo(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-read-safety-"));
  dirs.push(dir);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return dir;
}

const TASK = MINIMAL_TASK_DEFINITION;
const codes = (problems: readonly { file: string; code: string }[]) => problems.map((p) => [p.file, p.code]);

describe("reading manifest files: only regular files, size checked before reading", () => {
  it("reports a named pipe among the manifests without blocking on it, and reads the rest", async () => {
    const dir = await repo({ "web.yaml": TASK });
    await promisify(execFile)("mkfifo", [path.join(dir, "pipe.yaml")]);
    const { files, problems } = await readManifestFiles(dir);
    expect(files.map((f) => f.file)).toEqual(["web.yaml"]);
    expect(codes(problems)).toEqual([["pipe.yaml", "NotRegularFile"]]);
  });

  it("reports ecs-gitops.yaml when it is a named pipe, a link to /dev/zero or a folder", async () => {
    for (const make of [
      (file: string) => promisify(execFile)("mkfifo", [file]),
      (file: string) => symlink("/dev/zero", file),
      (file: string) => mkdir(file),
    ]) {
      const dir = await repo({ "web.yaml": TASK });
      await make(path.join(dir, "ecs-gitops.yaml"));
      const { problems } = await loadConfigFile(dir);
      expect(codes(problems)).toEqual([["ecs-gitops.yaml", "NotRegularFile"]]);
    }
  });

  it("reports manifests linked to /dev/zero, to a file outside, or to one inside, and a linked folder: never followed", async () => {
    const dir = await repo({ "web.yaml": TASK, "real/other.yaml": TASK.replace("name: web", "name: other") });
    await symlink("/dev/zero", path.join(dir, "zero.yaml"));
    await symlink("/etc/hostname", path.join(dir, "outside.yml"));
    await symlink(path.join(dir, "web.yaml"), path.join(dir, "inside.yaml"));
    await symlink(path.join(dir, "real"), path.join(dir, "linked"));
    await symlink("/etc/hostname", path.join(dir, "README"));
    const { files, problems } = await readManifestFiles(dir);
    expect(files.map((f) => f.file)).toEqual(["real/other.yaml", "web.yaml"]);
    expect(codes(problems).sort()).toEqual([
      ["inside.yaml", "NotRegularFile"],
      ["linked", "NotRegularFile"],
      ["outside.yml", "NotRegularFile"],
      ["zero.yaml", "NotRegularFile"],
    ]);
  });

  it("reports a linked manifests root the same way in every command, naming where it points", async () => {
    const dir = await repo({ "real/web.yaml": TASK });
    await symlink(path.join(dir, "real"), path.join(dir, "root"));
    const result = await loadDesiredState(path.join(dir, "root"));
    expect(result.manifests).toEqual([]);
    expect(codes(result.problems)).toEqual([[".", "PathNotFound"]]);
    expect(result.problems[0]!.message).toContain("symbolic link");
  });

  it("refuses a 3 GiB (sparse) manifest from its size alone, without reading it", async () => {
    const dir = await repo({ "web.yaml": TASK });
    const handle = await open(path.join(dir, "huge.yaml"), "w");
    await handle.truncate(3 * 1024 ** 3);
    await handle.close();
    const before = process.memoryUsage().rss;
    const { files, problems } = await readManifestFiles(dir);
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
    expect(files.map((f) => f.file)).toEqual(["web.yaml"]);
    expect(codes(problems)).toEqual([["huge.yaml", "FileTooLarge"]]);
  });

  it("caps the bytes of one commit and names every file that did not fit", async () => {
    const filler = (n: number) => `# ${"x".repeat(n - 3)}\n`;
    const dir = await repo({
      "a.yaml": TASK,
      "b.yaml": filler(1_000),
      "c.yaml": filler(1_000),
      "d/e.yaml": filler(1_000),
      "f.yaml": filler(10),
    });
    const cap = Buffer.byteLength(TASK) + 1_500;
    const { files, problems } = await readManifestFiles(dir, { maxCommitBytes: cap });
    expect(files.map((f) => f.file)).toEqual(["a.yaml", "b.yaml", "f.yaml"]);
    expect(codes(problems)).toEqual([
      ["c.yaml", "FileTooLarge"],
      ["d/e.yaml", "FileTooLarge"],
    ]);
    expect(problems[0]!.message).toContain(String(cap));
  });

  it("reads many large comment files only up to the default 50 MiB cap", async () => {
    const dir = await repo({ "web.yaml": TASK });
    const mib = `#${"x".repeat(1024 * 1024 - 2)}\n`;
    for (let i = 0; i < 60; i++) await writeFile(path.join(dir, `c${String(i).padStart(2, "0")}.yaml`), mib);
    const { files, problems } = await readManifestFiles(dir);
    const total = files.reduce((sum, f) => sum + f.bytes.byteLength, 0);
    expect(total).toBeLessThanOrEqual(50 * 1024 * 1024);
    expect(problems.length).toBe(61 - files.length);
    expect(problems.every((p) => p.code === "FileTooLarge")).toBe(true);
  });
});
