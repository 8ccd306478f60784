import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadCommitInWorker } from "../../../src/source/commit-load.js";
import { BoundedCollector, MIN_COLLECTION_GAP_MS } from "../../../src/source/heap-collect.js";
import { CommitLoader } from "../../../src/source/incremental-load.js";

const MANIFEST = `apiVersion: ecs-gitops/v1
kind: TaskDefinition
metadata:
  name: heap-collect
spec:
  containerDefinitions:
    - name: app
      image: public.ecr.aws/docker/library/busybox:1.37
      memory: 64
`;

describe("a full collection before each commit-load worker (docs/scale.md#memory)", () => {
  const saved = (globalThis as { gc?: () => void }).gc;
  afterEach(() => {
    if (saved === undefined) delete (globalThis as { gc?: () => void }).gc;
    else (globalThis as { gc?: () => void }).gc = saved;
  });

  it("collects the controller's heap once, before the worker thread starts, when node exposes gc", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-heap-collect-"));
    try {
      await writeFile(path.join(dir, "task.yaml"), MANIFEST);
      const events: string[] = [];
      (globalThis as { gc?: () => void }).gc = () => events.push("gc");
      const pending = loadCommitInWorker({ root: dir, cluster: undefined });
      // Synchronously, before the worker has run a line: the collection is not added to its peak.
      events.push("started");
      const load = await pending;
      expect(events).toEqual(["gc", "started"]);
      expect(load.loaded?.manifests.map((m) => m.key)).toEqual(["TaskDefinition/heap-collect"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("loads all the same when node runs without --expose-gc (tests, a hand-run `node dist/cli/main.js`)", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-heap-collect-"));
    try {
      await writeFile(path.join(dir, "task.yaml"), MANIFEST);
      delete (globalThis as { gc?: () => void }).gc;
      const load = await loadCommitInWorker({ root: dir, cluster: undefined });
      expect(load.loaded?.problems).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("a bounded collection before a commit loads on the controller's thread", () => {
  it("collects at most once per gap, and says how long it paused", () => {
    let now = 5_000;
    let collections = 0;
    const collector = new BoundedCollector({
      gc: () => {
        collections += 1;
        now += 37;
      },
      now: () => now,
      gapMs: 10_000,
    });
    expect(collector.collect()).toBe(37);
    now += 9_000;
    expect(collector.collect()).toBeUndefined();
    now += 1_000;
    expect(collector.collect()).toBe(37);
    expect(collections).toBe(2);
    expect(MIN_COLLECTION_GAP_MS).toBeGreaterThanOrEqual(10_000);
  });

  it("does nothing when node runs without --expose-gc", () => {
    expect(new BoundedCollector({ gc: undefined }).collect()).toBeUndefined();
  });

  it("runs before an incremental load, first, and not again for a commit that follows within the gap", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-heap-collect-"));
    try {
      await writeFile(path.join(dir, "task.yaml"), MANIFEST);
      const events: string[] = [];
      let now = 0;
      const collector = new BoundedCollector({ gc: () => events.push("gc"), now: () => now, gapMs: 30_000 });
      const loader = new CommitLoader({ collector, inWorker: () => Promise.reject(new Error("no worker expected")) });
      const pending = loader.load({ root: dir, cluster: undefined });
      events.push("load started");
      await pending;
      expect(events).toEqual(["gc", "load started"]);
      expect(loader.last).toEqual({ path: "incremental", parsed: 1, gcMs: 0 });
      now += 2_000;
      await writeFile(path.join(dir, "task.yaml"), MANIFEST.replace("1.37", "1.38"));
      await loader.load({ root: dir, cluster: undefined });
      expect(events).toEqual(["gc", "load started"]);
      expect(loader.last).toEqual({ path: "incremental", parsed: 1 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("pauses once for a commit past the screen: the worker does not collect again, nor within the gap", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-heap-collect-"));
    const saved = (globalThis as { gc?: () => void }).gc;
    let collections = 0;
    const gc = () => {
      collections += 1;
    };
    // loadCommitInWorker's own collection goes through the global one.
    (globalThis as { gc?: () => void }).gc = gc;
    try {
      // Past the 4 KiB a file may have on this thread.
      await writeFile(path.join(dir, "task.yaml"), `# ${"x".repeat(5_000)}\n${MANIFEST}`);
      let now = 0;
      const loader = new CommitLoader({ collector: new BoundedCollector({ gc, now: () => now, gapMs: 30_000 }) });
      await loader.load({ root: dir, cluster: undefined });
      expect(loader.last).toEqual({ path: "worker", gcMs: 0 });
      expect(collections).toBe(1);
      now += 2_000;
      await writeFile(path.join(dir, "task.yaml"), `# ${"y".repeat(5_000)}\n${MANIFEST}`);
      await loader.load({ root: dir, cluster: undefined });
      expect(loader.last).toEqual({ path: "worker" });
      expect(collections).toBe(1);
    } finally {
      if (saved === undefined) delete (globalThis as { gc?: () => void }).gc;
      else (globalThis as { gc?: () => void }).gc = saved;
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
