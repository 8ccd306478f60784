import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadDesiredState } from "../../../src/resources/load.js";
import { validateManifests } from "../../../src/resources/validate.js";
import { loadManifestFiles } from "../../../src/manifests/load.js";
import { copy, fargateService, fargateTaskDefinition, scheduledRule, validateDocs, yamlOf } from "./validate-fixtures.js";

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("validateManifests", () => {
  it("resolves a rule target's family against the repo's task definitions", () => {
    const td = fargateTaskDefinition();
    const files = [td, scheduledRule()].map((doc) => ({ file: `${doc.name}.yaml`, bytes: new TextEncoder().encode(yamlOf(doc)) }));
    const { manifests } = loadManifestFiles(files);
    expect(validateManifests(manifests, {})).toEqual([]);
    expect(
      validateManifests(
        manifests.filter((m) => m.kind !== "TaskDefinition"),
        {},
      ),
    ).toMatchObject([{ rule: "rule-target-task-definition", code: "UnresolvedReference" }]);
  });

  it("lets a rule target rely on the default cluster only when one is configured", () => {
    const rule = copy(scheduledRule());
    delete (rule.spec["targets"] as Record<string, unknown>[])[0]!["cluster"];
    expect(validateDocs([fargateTaskDefinition(), rule]).problems).toMatchObject([{ rule: "rule-target-cluster" }]);
    expect(validateDocs([fargateTaskDefinition(), rule], { defaultCluster: "shop" }).problems).toEqual([]);
  });

  it("refuses dependents of a task definition defined twice", () => {
    const result = validateDocs([
      fargateTaskDefinition(),
      { ...fargateTaskDefinition(), kind: "TaskDefinition", name: "web" },
      fargateService(),
    ]);
    expect(result.manifests).toEqual([]);
    expect(result.problems.map((p) => p.code).sort()).toEqual(["DuplicateIdentity", "DuplicateIdentity", "UnresolvedReference"]);
  });
});

describe("loadDesiredState", () => {
  it("sorts problems by file, line and column and leaves out manifests with errors", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-load-"));
    const badTd = copy(fargateTaskDefinition("api"));
    badTd.spec["networkMode"] = "bridge";
    const goodTd = fargateTaskDefinition("web");
    const badService = copy(fargateService("web"));
    delete badService.spec["networkConfiguration"];
    await mkdir(path.join(dir, "b"));
    await writeFile(path.join(dir, "b", "td.yaml"), `${yamlOf(goodTd)}---\n${yamlOf(badTd)}`);
    await writeFile(path.join(dir, "a.yaml"), yamlOf(badService));
    const result = await loadDesiredState(dir);
    expect(result.problems.map((p) => [p.file, p.rule])).toEqual([
      ["a.yaml", "service-network-configuration"],
      ["b/td.yaml", "fargate-network-mode"],
    ]);
    expect(result.manifests.map((m) => m.key)).toEqual(["TaskDefinition/web"]);
    expect(result.files).toEqual(["a.yaml", "b/td.yaml"]);
  });

  it("sorts several problems in one file by line", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-load-"));
    const td = copy(fargateTaskDefinition());
    td.spec["networkMode"] = "bridge";
    td.spec["memory"] = "64 GB";
    await writeFile(path.join(dir, "td.yaml"), yamlOf(td));
    const { problems } = await loadDesiredState(dir);
    expect(problems.map((p) => p.rule)).toEqual(["fargate-network-mode", "fargate-cpu-memory"]);
    expect(problems[0]!.line).toBeLessThan(problems[1]!.line);
  });
});
