import path from "node:path";
import { describe, expect, it } from "vitest";
import { importGraph, root, sdkImports } from "../../support/import-graph.js";

// The commit-load worker is a V8 isolate of its own: every module it imports statically is loaded
// again for each commit. The SDK clients alone are ~11 MiB of heap there, and the worker never
// calls AWS (the reads run in the main thread), so nothing on its static import graph may reach
// the SDK. `import type` and `await import()` are not followed: neither loads a module up front.

describe("the commit-load worker's module graph", () => {
  it("holds no AWS SDK module", () => {
    const graph = importGraph(path.join(root, "src/source/commit-load-worker.ts"));
    // It does load the loader, validation and every plug-in: the walk is not vacuous.
    expect([...graph.files.keys()].map((file) => path.relative(root, file))).toEqual(
      expect.arrayContaining(["src/resources/load.ts", "src/resources/registry.ts", "src/resources/service/plugin.ts"]),
    );
    expect(sdkImports(graph)).toEqual([]);
  });

  it("would name the chain if a plug-in imported its reads statically", () => {
    // The same walk from the module the plug-ins import lazily finds the SDK through src/aws.
    const graph = importGraph(path.join(root, "src/resources/service/read.ts"));
    expect(sdkImports(graph)).toContainEqual(
      expect.stringMatching(/^@aws-sdk\/client-ecs <- src\/resources\/service\/read\.ts -> src\/aws\//),
    );
  });
});
