import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseManifestText } from "../../../src/manifests/parse.js";
import { MAX_FILE_PROBLEMS } from "../../../src/manifests/problem-cap.js";
import { screenFile } from "../../../src/source/byte-screen.js";
import { loadCommitInline, loadCommitInWorker } from "../../../src/source/commit-load.js";
import { CommitLoader, INCREMENTAL_BOUNDS } from "../../../src/source/incremental-load.js";

/*
 * Problems bounded per file and per load on the controller's thread
 * (docs/controller-memory.md#problems-per-file-and-per-load): a 4 KiB file of repeated keys passes
 * the byte screen and raises ~700 YAML errors.
 */

/** Under 4 KiB, no mark, one document, depth 1: 443 keys repeated. */
const REPEATED = Array.from({ length: 450 }, (_, i) => `k${i % 7}: ${i}\n`).join("");

describe("problems per file", () => {
  it("keeps the first ones and one that counts the rest, located at the first", () => {
    const parsed = parseManifestText("r.yaml", REPEATED);
    expect(parsed.problems).toHaveLength(MAX_FILE_PROBLEMS + 1);
    const [first] = parsed.problems;
    const more = parsed.problems.at(-1)!;
    expect(more).toMatchObject({ file: "r.yaml", line: first!.line, column: first!.column, severity: "error" });
    // 450 keys of 7 names: 443 repeats, 20 of them listed.
    expect(more.message).toMatch(/^423 more problems in this file/);
  });

  it("leaves a file with few problems as it was", () => {
    const parsed = parseManifestText("r.yaml", "a: 1\na: 2\nb: 1\nb: 2\n");
    expect(parsed.problems.map((p) => p.message).filter((m) => /more problems/.test(m))).toEqual([]);
    expect(parsed.problems).toHaveLength(2);
  });
});

describe("problems per load", { timeout: 120_000 }, () => {
  let dir: string;
  let workerLoads: number;
  const inWorker: typeof loadCommitInWorker = (req, limits) => {
    workerLoads += 1;
    return loadCommitInWorker(req, limits);
  };
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-problems-"));
    workerLoads = 0;
    await writeFile(path.join(dir, "ecs-gitops.yaml"), "cluster: shop\n");
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const files = async (count: number) => {
    expect(screenFile(Buffer.from(REPEATED), INCREMENTAL_BOUNDS)).toEqual({ over: false, documents: 1 });
    for (let i = 0; i < count; i++) await writeFile(path.join(dir, `f${i}.yaml`), `${REPEATED}#${i}\n`);
  };

  it("hands a commit past the load's problem budget to the worker, which caps each file too", async () => {
    // 120 files of 21 problems: 2,520, past the 2,000 a load on this thread may keep.
    await files(120);
    const commits = new CommitLoader({ inWorker });
    const load = await commits.load({ root: dir, cluster: undefined, commit: "c1" });
    expect(commits.last?.path).toBe("worker");
    expect(workerLoads).toBe(1);
    expect(load.loaded?.problems).toHaveLength(120 * (MAX_FILE_PROBLEMS + 1));
  });

  it("keeps a commit within the budget on this thread", async () => {
    await files(30);
    const commits = new CommitLoader({ inWorker, bounds: { ...INCREMENTAL_BOUNDS, maxLoadProblems: 30 * 21 } });
    expect((await commits.load({ root: dir, cluster: undefined, commit: "c1" })).loaded?.problems).toHaveLength(30 * 21);
    expect(commits.last?.path).toBe("incremental");
    // One problem fewer allowed: the same commit goes to the worker.
    const tight = new CommitLoader({ inWorker, bounds: { ...INCREMENTAL_BOUNDS, maxLoadProblems: 30 * 21 - 1 } });
    await tight.load({ root: dir, cluster: undefined, commit: "c1" });
    expect(tight.last?.path).toBe("worker");
    expect(workerLoads).toBe(1);
  });

  it("caps each file's problems in a full load too", async () => {
    await files(3);
    const load = await loadCommitInline({ root: dir, cluster: undefined });
    expect(load.loaded?.problems).toHaveLength(3 * (MAX_FILE_PROBLEMS + 1));
  });
});
