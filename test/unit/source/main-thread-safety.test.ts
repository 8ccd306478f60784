import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { screenFile } from "../../../src/source/byte-screen.js";
import { loadCommitInWorker } from "../../../src/source/commit-load.js";
import type { CommitLoadRequest } from "../../../src/source/commit-load.js";
import { CommitLoader, INCREMENTAL_BOUNDS } from "../../../src/source/incremental-load.js";
import { LoadMarker } from "../../../src/source/load-marker.js";

/*
 * What keeps a load on the controller's thread from taking the process down or stalling it
 * (docs/controller-memory.md#full-loads-on-the-controllers-thread): the screen's nesting and
 * document bounds, and the marker that sends a commit a previous process died on to the worker.
 */

const taskDefinition = (name: string) =>
  `apiVersion: ecs-gitops/v1\nkind: TaskDefinition\nmetadata:\n  name: ${name}\nspec:\n` +
  "  containerDefinitions:\n    - name: a\n      image: i\n      memory: 128\n";
/** `count` lines, the i-th indented by `indent(i)`. */
const lines = (count: number, indent: (i: number) => number, text: string) =>
  Array.from({ length: count }, (_, i) => `${" ".repeat(indent(i))}${text}\n`).join("");

/** Files that nest deeply in block style within the 4 KiB, with no flow bracket, anchor or tag. */
const DEEP: Record<string, string> = {
  "compact sequences": `${"- ".repeat(2040)}x\n`,
  "complex keys": `${"? ".repeat(2040)}x\n`,
  "values of complex keys": `? a\n${": ".repeat(2000)}x\n`,
  "nested mappings": Array.from({ length: 86 }, (_, i) => `${" ".repeat(i)}k${i % 10}:\n`).join(""),
  "sequences of mappings": Array.from({ length: 70 }, (_, i) => `${" ".repeat(i)}- k:\n`).join(""),
  "mixed, inside a manifest": `${taskDefinition("deep")}      junk:\n${lines(70, (i) => 8 + i, "- - k:")}`,
  // The yaml library nests `-<TAB>` as `- ` (934 levels for these 2,040) and raises an error per tab on top.
  "compact sequences after tabs": `${"-\t".repeat(2040)}x\n`,
  "compact sequences, a space and a tab": `${"- \t".repeat(1360)}x\n`,
};

/** Tabs that hold no node or sit inside one: the nesting count is not affected. */
const TABS_WITHOUT_NESTING: Record<string, string> = {
  "a value after a tab": `${taskDefinition("t")}      command: ["a",\t"b"]\n`,
  "a blank line of tabs": `${taskDefinition("t")}\t \t\n`,
  "a comment after a tab": `${taskDefinition("t")}\t# note\n`,
  "a key with a tab before its value": `${taskDefinition("t")}      workingDirectory:\t/app\n`,
};

describe("the screen's nesting bound", { timeout: 120_000 }, () => {
  let dir: string;
  let workerLoads: number;
  const request = (): CommitLoadRequest => ({ root: dir, cluster: undefined });
  const loader = () =>
    new CommitLoader({
      inWorker: (req, limits) => {
        workerLoads += 1;
        return loadCommitInWorker(req, limits);
      },
    });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-main-thread-"));
    workerLoads = 0;
    await writeFile(path.join(dir, "ecs-gitops.yaml"), "cluster: shop\n");
    await writeFile(path.join(dir, "web.yaml"), taskDefinition("web"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("passes every deep shape to the worker, which reports it; this process survives two of each", async () => {
    for (const [shape, text] of Object.entries(DEEP)) {
      expect(Buffer.byteLength(text), shape).toBeLessThanOrEqual(INCREMENTAL_BOUNDS.maxFileBytes);
      expect(screenFile(Buffer.from(text), INCREMENTAL_BOUNDS), shape).toEqual({ over: true });
    }
    // The two worst shapes, twice each in one commit: on this thread the second parse used to abort the process.
    for (const shape of ["compact sequences", "complex keys"]) {
      await writeFile(path.join(dir, "a.yaml"), DEEP[shape]!);
      await writeFile(path.join(dir, "b.yaml"), DEEP[shape]!.replace(/x\n$/, "y\n"));
      const commits = loader();
      const load = await commits.load(request());
      expect(commits.last?.path, shape).toBe("worker");
      expect(load.loaded?.problems.filter((p) => p.code === "YamlSyntax").map((p) => p.file)).toEqual(["a.yaml", "b.yaml"]);
      expect(load.loaded?.manifests.map((m) => m.key)).toEqual(["TaskDefinition/web"]);
    }
    expect(workerLoads).toBe(2);
  });

  it("sends a file with a tab in a node's indentation to the worker; other tabs stay here", () => {
    for (const text of ["\tx: 1\n", "a:\n  \tb: 1\n", "- a\n-\tb\n", "? \tk\n: v\n"])
      expect(screenFile(Buffer.from(text), INCREMENTAL_BOUNDS), JSON.stringify(text)).toEqual({ over: true });
    for (const [shape, text] of Object.entries(TABS_WITHOUT_NESTING))
      expect(screenFile(Buffer.from(text), INCREMENTAL_BOUNDS), shape).toEqual({ over: false, documents: 1 });
  });

  it("keeps real manifests, and files nested up to the bounds, on this thread", async () => {
    // The bound's margin: a manifest nested 60 levels (block) with 64 nested flow lists inside, in two files.
    const flow = `${" ".repeat(63)}x: ${"[".repeat(64)}${"]".repeat(64)}\n`;
    const nested = `${taskDefinition("nested")}      junk:\n${lines(55, (i) => 8 + i, "k:")}${flow}`;
    expect(screenFile(Buffer.from(nested), INCREMENTAL_BOUNDS)).toEqual({ over: false, documents: 1 });
    await writeFile(path.join(dir, "a.yaml"), nested);
    await writeFile(path.join(dir, "b.yaml"), nested.replace("name: nested", "name: other"));
    const commits = loader();
    const load = await commits.load(request());
    expect(commits.last).toEqual({ path: "incremental", parsed: 3 });
    expect(load.loaded?.problems.map((p) => p.file)).toEqual(["a.yaml", "b.yaml"]);
    expect(workerLoads).toBe(0);
  });
});

describe("the documents a load on this thread may take", { timeout: 120_000 }, () => {
  it("sends a commit of more documents than the bound to the worker, and scans the rest in slices", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-main-thread-"));
    try {
      await writeFile(path.join(dir, "ecs-gitops.yaml"), "cluster: shop\n");
      let workerLoads = 0;
      const commits = new CommitLoader({
        bounds: { ...INCREMENTAL_BOUNDS, maxLoadDocuments: 12 },
        inWorker: (req, limits) => {
          workerLoads += 1;
          return loadCommitInWorker(req, limits);
        },
      });
      // 4 files of 3 documents: 12, within the bound.
      for (let i = 0; i < 4; i++)
        await writeFile(path.join(dir, `f${i}.yaml`), [0, 1, 2].map((j) => taskDefinition(`t${i}x${j}`)).join("---\n"));
      expect((await commits.load({ root: dir, cluster: undefined })).loaded?.manifests).toHaveLength(12);
      expect(commits.last?.path).toBe("incremental");
      // A fifth file parsed alone (the others are kept) is within the bound; all of them again (new settings) are not.
      await writeFile(path.join(dir, "f4.yaml"), taskDefinition("t4"));
      await commits.load({ root: dir, cluster: undefined });
      expect(commits.last).toEqual({ path: "incremental", parsed: 1 });
      await writeFile(path.join(dir, "ecs-gitops.yaml"), "cluster: store\n");
      expect((await commits.load({ root: dir, cluster: undefined })).loaded?.manifests).toHaveLength(13);
      expect(commits.last?.path).toBe("worker");
      expect(workerLoads).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the marker of a load on this thread", { timeout: 120_000 }, () => {
  let dir: string;
  let marker: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-main-thread-"));
    marker = path.join(dir, "work", "main-thread-load.json");
    await mkdir(path.join(dir, "work"));
    await mkdir(path.join(dir, "repo"));
    await writeFile(path.join(dir, "repo", "ecs-gitops.yaml"), "cluster: shop\n");
    for (let i = 0; i < 400; i++) await writeFile(path.join(dir, "repo", `f${i}.yaml`), taskDefinition(`t${i}`));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("names the commit while the load runs and is gone after it", async () => {
    const commits = new CommitLoader({ marker, inWorker: () => Promise.reject(new Error("not the worker")) });
    const loading = commits.load({ root: path.join(dir, "repo"), cluster: undefined, commit: "c0ffee" });
    let seen: string | undefined;
    while (seen === undefined) seen = await readFile(marker, "utf8").catch(() => undefined);
    expect(JSON.parse(seen)).toMatchObject({ commit: "c0ffee" });
    expect((await loading).loaded?.manifests).toHaveLength(400);
    expect(commits.last?.path).toBe("incremental");
    await expect(readFile(marker, "utf8")).rejects.toThrow(/ENOENT/);
  });

  it("sends the commit a previous process died on to the worker, and only that one", async () => {
    await writeFile(marker, JSON.stringify({ commit: "dead", startedAt: "2026-12-05T14:00:00Z" }));
    let workerLoads = 0;
    const commits = new CommitLoader({
      marker,
      inWorker: (req, limits) => {
        workerLoads += 1;
        return loadCommitInWorker(req, limits);
      },
    });
    const root = path.join(dir, "repo");
    expect((await commits.load({ root, cluster: undefined, commit: "dead" })).loaded?.manifests).toHaveLength(400);
    expect(commits.last?.path).toBe("worker");
    // Reloaded at a resync: still the worker. Another commit: this thread again.
    await commits.load({ root, cluster: undefined, commit: "dead" });
    expect(commits.last?.path).toBe("worker");
    await writeFile(path.join(root, "f0.yaml"), taskDefinition("renamed"));
    await commits.load({ root, cluster: undefined, commit: "next" });
    expect(commits.last).toEqual({ path: "incremental", parsed: 1 });
    expect(workerLoads).toBe(2);
  });

  it("is removed once the commit it names has gone to the worker", async () => {
    await writeFile(marker, JSON.stringify({ commit: "dead", startedAt: "2026-12-05T14:00:00Z" }));
    const commits = new CommitLoader({ marker, inWorker: loadCommitInWorker });
    await commits.load({ root: path.join(dir, "repo"), cluster: undefined, commit: "dead" });
    expect(commits.last?.path).toBe("worker");
    // A restart now loads "dead" here again: the marker did its work for this process.
    await expect(readFile(marker, "utf8")).rejects.toThrow(/ENOENT/);
  });

  it("cut short or empty, sends only the first load to the worker, then is gone", async () => {
    for (const left of ["", "{", "null"]) {
      await writeFile(marker, left);
      const alone = new LoadMarker(marker);
      expect(await alone.crashedOn("a1"), JSON.stringify(left)).toBe(true);
      expect(await alone.crashedOn("a2"), JSON.stringify(left)).toBe(false);
    }
    const commits = new CommitLoader({ marker, inWorker: loadCommitInWorker });
    const root = path.join(dir, "repo");
    const paths: string[] = [];
    for (const commit of ["b1", "b2", "b3"]) {
      if (commit !== "b1") await writeFile(path.join(root, "f0.yaml"), taskDefinition(commit));
      await commits.load({ root, cluster: undefined, commit });
      paths.push(commits.last?.path ?? "none");
    }
    expect(paths).toEqual(["worker", "incremental", "incremental"]);
    await expect(readFile(marker, "utf8")).rejects.toThrow(/ENOENT/);
  });

  it("is written aside and renamed: a write that fails leaves the last marker whole, and the load goes to the worker", async () => {
    const left = JSON.stringify({ commit: "dead", startedAt: "2026-12-05T14:00:00Z" });
    await writeFile(marker, left);
    // The temporary file cannot be made (a folder holds its name), as when the disk fills mid-write.
    await mkdir(`${marker}.tmp`);
    const commits = new CommitLoader({ marker, inWorker: loadCommitInWorker });
    await commits.load({ root: path.join(dir, "repo"), cluster: undefined, commit: "next" });
    expect(commits.last?.path).toBe("worker");
    expect(await readFile(marker, "utf8")).toBe(left);
  });

  it("does not load on this thread when the marker cannot be written, nor after a marker cut short", async () => {
    let workerLoads = 0;
    const inWorker: typeof loadCommitInWorker = (req, limits) => {
      workerLoads += 1;
      return loadCommitInWorker(req, limits);
    };
    const root = path.join(dir, "repo");
    const unwritable = new CommitLoader({ marker: path.join(dir, "missing", "main-thread-load.json"), inWorker });
    await unwritable.load({ root, cluster: undefined, commit: "a" });
    expect(unwritable.last?.path).toBe("worker");
    await writeFile(marker, '{"commit":"d');
    const cut = new CommitLoader({ marker, inWorker });
    await cut.load({ root, cluster: undefined, commit: "b" });
    expect(cut.last?.path).toBe("worker");
    expect(workerLoads).toBe(2);
  });
});
