import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifestFiles, readManifestFiles } from "../../../src/manifests/load.js";

const file = (name: string, text: string) => ({ file: name, bytes: new TextEncoder().encode(text) });

const envelope = (spec: object) => JSON.stringify({ apiVersion: "ecs-gitops/v1", kind: "TaskDefinition", metadata: { name: "billing" }, spec }, null, 2);

describe("JSON manifests", () => {
  it("loads a JSON document in the envelope like YAML", () => {
    const { manifests, problems } = loadManifestFiles([file("billing/td.json", envelope({ containerDefinitions: [{ name: "app", image: "busybox" }] }))]);
    expect(problems).toEqual([]);
    expect(manifests.map((m) => [m.key, m.file])).toEqual([["TaskDefinition/billing", "billing/td.json"]]);
  });

  it("locates an error inside a JSON file by line and column", () => {
    const text = envelope({ containerDefinitions: [{ name: "app", image: "busybox", portMapings: [] }] });
    const { problems } = loadManifestFiles([file("td.json", text)]);
    const line = text.split("\n").findIndex((l) => l.includes("portMapings")) + 1;
    expect(problems).toMatchObject([{ code: "UnknownField", file: "td.json", line, column: text.split("\n")[line - 1]!.indexOf('"portMapings"') + 1 }]);
  });

  it("reads tab-indented JSON", () => {
    const text = `{\n\t"apiVersion": "ecs-gitops/v1",\n\t"kind": "TaskDefinition",\n\t"metadata": {"name": "tabs"},\n\t"spec": {"containerDefinitions": [{"name": "a", "image": "b"}]}\n}\n`;
    expect(loadManifestFiles([file("t.json", text)]).problems).toEqual([]);
  });

  it.each([
    ["RegisterTaskDefinition input", { family: "payments", containerDefinitions: [{ name: "api", image: "repo/api:1" }], cpu: "256" }],
    ["CreateService input", { serviceName: "payments", cluster: "blue", taskDefinition: "payments:4", desiredCount: 2 }],
    ["describe-task-definition output", { taskDefinition: { family: "payments", revision: 9, containerDefinitions: [] } }],
    ["describe-services output", { services: [{ serviceName: "payments" }], failures: [] }],
  ])("gives a raw %s one error that points at import", (shape, raw) => {
    const { problems, manifests } = loadManifestFiles([file("ops/raw.json", JSON.stringify(raw, null, 2))]);
    expect(manifests).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: "RawAwsInput", file: "ops/raw.json", line: 1 });
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
  ])("%s gets one error, not one per field", (name, text) => {
    const { problems } = loadManifestFiles([file(name, text)]);
    expect(problems).toMatchObject([{ code: "BadEnvelope", file: name, line: 1, message: expect.stringContaining("not an ecs-gitops manifest") }]);
  });
});
