import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifestFiles, readManifestFiles } from "../../../src/manifests/load.js";

const file = (name: string, text: string) => ({ file: name, bytes: new TextEncoder().encode(text) });

const envelope = (spec: object) =>
  JSON.stringify({ apiVersion: "ecs-gitops/v1", kind: "TaskDefinition", metadata: { name: "billing" }, spec }, null, 2);

describe("JSON manifests", () => {
  it("loads a JSON document in the envelope like YAML", () => {
    const { manifests, problems } = loadManifestFiles([
      file("billing/td.json", envelope({ containerDefinitions: [{ name: "app", image: "busybox" }] })),
    ]);
    expect(problems).toEqual([]);
    expect(manifests.map((m) => [m.key, m.file])).toEqual([["TaskDefinition/billing", "billing/td.json"]]);
  });

  it("locates an error inside a JSON file by line and column", () => {
    const text = envelope({ containerDefinitions: [{ name: "app", image: "busybox", portMapings: [] }] });
    const { problems } = loadManifestFiles([file("td.json", text)]);
    const line = text.split("\n").findIndex((l) => l.includes("portMapings")) + 1;
    expect(problems).toMatchObject([
      { code: "UnknownField", file: "td.json", line, column: text.split("\n")[line - 1]!.indexOf('"portMapings"') + 1 },
    ]);
  });

  it("reads tab-indented JSON", () => {
    const text =
      `{\n\t"apiVersion": "ecs-gitops/v1",\n\t"kind": "TaskDefinition",\n\t"metadata": ` +
      `{"name": "tabs"},\n\t"spec": {"containerDefinitions": [{"name": "a", "image": ` +
      `"b"}]}\n}\n`;
    expect(loadManifestFiles([file("t.json", text)]).problems).toEqual([]);
  });

  it.each([
    ["RegisterTaskDefinition input", { family: "payments", containerDefinitions: [{ name: "api", image: "repo/api:1" }], cpu: "256" }],
    ["CreateService input", { serviceName: "payments", cluster: "blue", taskDefinition: "payments:4", desiredCount: 2 }],
    ["describe-task-definition output", { taskDefinition: { family: "payments", revision: 9, containerDefinitions: [] } }],
    ["describe-services output", { services: [{ serviceName: "payments" }], failures: [] }],
  ])("gives a raw %s one note (skipped, not an error) that points at import", (shape, raw) => {
    const loaded = loadManifestFiles([file("ops/raw.json", JSON.stringify(raw, null, 2)), file("td.json", envelope({}))]);
    // The other file keeps the set from being empty; its own findings are not the point here.
    const problems = loaded.problems.filter((p) => p.file !== "td.json");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: "RawAwsInput", severity: "note", file: "ops/raw.json", line: 1 });
    expect(problems[0]!.message).toContain(`looks like a raw ${shape}`);
    expect(problems[0]!.message).toContain("ecs-gitops import ops/raw.json");
  });

  it("does not skip *.json files in a folder", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "json-manifests-"));
    await writeFile(path.join(root, "a.json"), envelope({}));
    await writeFile(path.join(root, "b.yml"), "x: 1\n");
    await writeFile(path.join(root, "notes.txt"), "not a manifest\n");
    const { files } = await readManifestFiles(root);
    expect(files.map((f) => f.file)).toEqual(["a.json", "b.yml"]);
  });
});

describe("files of other tools below the manifests path", () => {
  it.each([
    ["package.json", '{\n  "name": "site",\n  "version": "1.0.0",\n  "scripts": {}\n}\n'],
    ["compose.yaml", "services:\n  db:\n    image: postgres:16\n"],
    ["a GitHub workflow", "name: ci\non:\n  push: {}\njobs:\n  test:\n    runs-on: ubuntu-latest\n"],
    ["a Kubernetes manifest", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {}\n"],
  ])("%s is skipped with one note, not an error", (name, text) => {
    const problems = loadManifestFiles([file(name, text), file("td.json", envelope({}))]).problems.filter((p) => p.file !== "td.json");
    expect(problems).toMatchObject([
      { code: "NotAManifest", severity: "note", file: name, line: 1, message: expect.stringContaining("not an ecs-gitops manifest") },
    ]);
  });

  it.each([
    ["a misspelt apiVersion", "apiVersion: ecs-gitop/v1\nkind: Service\n"],
    ["a manifest without apiVersion", "kind: Servce\nmetadata: {name: web}\n"],
    ["a list document", "- a\n- b\n"],
  ])("%s stays an error: a broken manifest is never silently skipped", (_name, text) => {
    const { problems } = loadManifestFiles([file("x.yaml", text), file("td.json", envelope({}))]);
    expect(problems.some((p) => p.severity === "error" && p.file === "x.yaml")).toBe(true);
  });
});
