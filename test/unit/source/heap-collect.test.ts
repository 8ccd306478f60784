import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadCommitInWorker } from "../../../src/source/commit-load.js";

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
