import { describe, expect, it } from "vitest";
import { loadManifestFiles } from "../../../src/manifests/load.js";

const file = (name: string, text: string) => ({ file: name, bytes: new TextEncoder().encode(text) });

describe("loadManifestFiles", () => {
  it("locates an unknown container field with a did-you-mean hint", () => {
    const text = [
      "apiVersion: ecs-gitops/v1",
      "kind: TaskDefinition",
      "metadata: {name: web}",
      "spec:",
      "  containerDefinitions:",
      "    - name: web",
      "      image: nginx",
      "      portMapings: []",
    ].join("\n");
    const { manifests, problems } = loadManifestFiles([file("td.yaml", text)]);
    expect(manifests).toHaveLength(0);
    expect(problems).toMatchObject([{ code: "UnknownField", file: "td.yaml", line: 8, column: 7, key: "TaskDefinition/web" }]);
    expect(problems[0]?.message).toContain('"portMappings"');
  });

  it("keys a service by its cluster, falling back to the default cluster", () => {
    const svc = (name: string, cluster?: string) =>
      `apiVersion: ecs-gitops/v1\nkind: Service\nmetadata: {name: ${name}}\nspec:\n ` +
      ` taskDefinition: web\n${cluster ? `  cluster: ${cluster}\n` : ""}`;
    const { manifests, problems } = loadManifestFiles(
      [file("a.yaml", svc("a", "arn:aws:ecs:us-east-1:123456789012:cluster/prod")), file("b.yaml", svc("b"))],
      { defaultCluster: "staging" },
    );
    expect(problems).toEqual([]);
    expect(manifests.map((m) => m.key)).toEqual(["Service/prod/a", "Service/staging/b"]);
  });

  it("reports two documents with one identity, naming both files", () => {
    const td =
      "apiVersion: ecs-gitops/v1\nkind: TaskDefinition\nmetadata: {name: " +
      "web}\nspec:\n  containerDefinitions: [{name: web, image: nginx}]\n";
    const { manifests, problems } = loadManifestFiles([file("a.yaml", td), file("b/c.yaml", td)]);
    expect(manifests).toHaveLength(0);
    expect(problems.map((p) => p.code)).toEqual(["DuplicateIdentity", "DuplicateIdentity"]);
    expect(problems[0]?.message).toContain("a.yaml:1 and b/c.yaml:1");
  });
});

describe("messages never echo values that may be secrets", () => {
  it("names the type, not the value, of a wrongly typed environment value", () => {
    const text = [
      "apiVersion: ecs-gitops/v1",
      "kind: TaskDefinition",
      "metadata: {name: web}",
      "spec:",
      "  containerDefinitions:",
      "    - name: web",
      "      image: nginx",
      "      environment:",
      "        - {name: DB_PASSWORD, value: 98231177}",
    ].join("\n");
    const { problems } = loadManifestFiles([file("td.yaml", text)]);
    expect(problems).toMatchObject([{ code: "WrongType", line: 9 }]);
    expect(problems[0]?.message).not.toContain("98231177");
  });
});
