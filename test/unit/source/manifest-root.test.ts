import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { inScope, locateManifestRoot, prefixOf } from "../../../src/source/manifest-root.js";
import { sourcePath } from "../../../src/resources/common/tags.js";

describe("the ecs-gitops:source path does not depend on the folder a command was given", () => {
  it.each([
    [".", "svc/a.yaml", "svc/a.yaml"],
    ["./", "svc/a.yaml", "svc/a.yaml"],
    ["ops/ecs", "svc/a.yaml", "ops/ecs/svc/a.yaml"],
    ["./ops/ecs/", "a.yaml", "ops/ecs/a.yaml"],
  ])("run --path %s: %s is tagged %s", (runPath, file, tag) => {
    expect(sourcePath(prefixOf(runPath), file)).toBe(tag);
  });

  it("outside git, takes paths from the nearest folder holding ecs-gitops.yaml, whatever was given", async () => {
    const top = await mkdtemp(path.join(tmpdir(), "manifest-root-"));
    await mkdir(path.join(top, "svc", "api"), { recursive: true });
    await writeFile(path.join(top, "ecs-gitops.yaml"), "owner: me\n");
    await writeFile(path.join(top, "svc", "api", "service.yaml"), "x: 1\n");
    for (const given of [top, path.join(top, "svc"), path.join(top, "svc", "api"), path.join(top, "svc", "api", "service.yaml")]) {
      const located = await locateManifestRoot(given);
      expect(located.sourcePrefix).toBe("");
      expect(path.resolve(located.root)).toBe(path.resolve(top));
      expect(inScope(located.scope, "svc/api/service.yaml")).toBe(true);
      expect(inScope(located.scope, "svc/other.yaml")).toBe(given === top || given === path.join(top, "svc"));
      expect(inScope(located.scope, "other/service.yaml")).toBe(given === top);
    }
  });
});
