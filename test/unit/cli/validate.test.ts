import { execFile } from "node:child_process";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cli } from "../../support/cli.js";
import type { ValidateDocument } from "../../../src/cli/format-problems.js";
import { copy, fargateTaskDefinition, scheduledRule, yamlOf } from "../resources/validate-fixtures.js";

let dir: string | undefined;
async function repo(files: Record<string, string>): Promise<string> {
  dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-cli-"));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}
beforeEach(() => {
  vi.stubEnv("ECS_GITOPS_CLUSTER", undefined);
});
afterEach(async () => {
  vi.unstubAllEnvs();
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const relative = (file: string) => path.relative(process.cwd(), file).split(path.sep).join("/");
const brokenTd = () => {
  const td = copy(fargateTaskDefinition());
  td.spec["networkMode"] = "bridge";
  return yamlOf(td);
};

describe("ecs-gitops validate", () => {
  it("exits 0 and summarises a clean repository", async () => {
    const root = await repo({ "web/td.yaml": yamlOf(fargateTaskDefinition()), "web/rule.yaml": yamlOf(scheduledRule()) });
    expect(await cli("validate", root)).toEqual({ code: 0, out: "ok: 2 resources in 2 files\n", err: "" });
  });

  it("skips other tools' files with a note and ignored folders without one: exit 0", async () => {
    const root = await repo({
      "web/td.yaml": yamlOf(fargateTaskDefinition()),
      "docker-compose.yml": "services:\n  db:\n    image: postgres:16\n",
      "vendor/x.yaml": "kind: [broken\n",
      ".ecs-gitopsignore": "vendor/\n",
    });
    const { code, out } = await cli("validate", root);
    expect(out).toBe(
      `${relative(path.join(root, "docker-compose.yml"))}:1:1  note  skipped: ` +
        `no apiVersion, so not an ecs-gitops manifest (manifests start with apiVersion: ` +
        `ecs-gitops/v1); list the file in .ecs-gitopsignore to silence this note ` +
        ` [NotAManifest]\nok: 1 resource in 2 files (1 document skipped)\n`,
    );
    expect(code).toBe(0);
  });

  it("exits 1 and prints one located line per problem, path relative to the current directory", async () => {
    const root = await repo({ "a/td.yaml": brokenTd(), "b.yaml": "kind: Nope\n" });
    const { code, out } = await cli("validate", root);
    expect(code).toBe(1);
    const lines = out.trimEnd().split("\n");
    expect(lines.at(-1)).toBe("5 errors in 2 files");
    const td = relative(path.join(root, "a/td.yaml"));
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^${td.replaceAll(".", "\\.")}:8:16  error  .+  \\[fargate-network-mode\\]$`)),
    );
    // Sorted by file: a/td.yaml before b.yaml.
    expect(lines[0]!.startsWith(td)).toBe(true);
    expect(lines.slice(1, 5).every((l) => l.startsWith(relative(path.join(root, "b.yaml"))))).toBe(true);
  });

  it("writes the documented JSON document with --output json", async () => {
    const root = await repo({ "td.yaml": brokenTd(), "rule.yaml": yamlOf(scheduledRule("nightly", "web:3")) });
    const { code, out } = await cli("validate", root, "--output", "json");
    expect(code).toBe(1);
    const doc = JSON.parse(out) as ValidateDocument;
    expect(Object.keys(doc)).toEqual(["ok", "resources", "problems"]);
    expect(doc.ok).toBe(false);
    expect(doc.resources).toEqual([{ key: "ScheduledRule/default/nightly", file: relative(path.join(root, "rule.yaml")), line: 1 }]);
    expect(doc.problems).toEqual([
      {
        file: relative(path.join(root, "td.yaml")),
        line: 8,
        column: 16,
        severity: "error",
        code: "Semantic",
        rule: "fargate-network-mode",
        key: "TaskDefinition/web",
        message: expect.any(String),
      },
    ]);
  });

  it("takes the default cluster from --cluster, ECS_GITOPS_CLUSTER or ecs-gitops.yaml", async () => {
    const rule = copy(scheduledRule("nightly", "web:3"));
    delete (rule.spec["targets"] as Record<string, unknown>[])[0]!["cluster"];
    const root = await repo({ "rule.yaml": yamlOf(rule) });
    expect((await cli("validate", root, "-o", "json")).code).toBe(1);
    expect((await cli("validate", root, "--cluster", "shop")).code).toBe(0);
    vi.stubEnv("ECS_GITOPS_CLUSTER", "shop");
    expect((await cli("validate", root)).code).toBe(0);
    vi.stubEnv("ECS_GITOPS_CLUSTER", undefined);
    await writeFile(path.join(root, "ecs-gitops.yaml"), "cluster: shop\n");
    expect((await cli("validate", root)).code).toBe(0);
  });

  it("reports problems in ecs-gitops.yaml", async () => {
    const root = await repo({ "td.yaml": yamlOf(fargateTaskDefinition()), "ecs-gitops.yaml": "cluster: shop\nselfHeal: true\n" });
    const { code, out } = await cli("validate", root);
    expect(code).toBe(1);
    expect(out).toContain(`${relative(path.join(root, "ecs-gitops.yaml"))}:2:11  error`);
    expect(out).toContain("[UnknownField]");
  });

  it("validates a single file", async () => {
    const root = await repo({ "td.yaml": brokenTd() });
    const { code, out } = await cli("validate", path.join(root, "td.yaml"));
    expect(code).toBe(1);
    expect(out.startsWith(`${relative(path.join(root, "td.yaml"))}:8:16`)).toBe(true);
  });

  it("checks one file or subfolder within its manifests root: references next door resolve, the root's settings apply", async () => {
    const rule = copy(scheduledRule("nightly", "web"));
    delete (rule.spec["targets"] as Record<string, unknown>[])[0]!["cluster"];
    const root = await repo({
      "ecs-gitops.yaml": "cluster: shop\n",
      "web/td.yaml": yamlOf(fargateTaskDefinition()),
      "jobs/rule.yaml": yamlOf(rule),
      "other/broken.yaml": "kind: Nope\n",
    });
    for (const target of [path.join(root, "jobs", "rule.yaml"), path.join(root, "jobs")]) {
      const { code, out } = await cli("validate", target, "-o", "json");
      const doc = JSON.parse(out) as ValidateDocument;
      expect(doc.problems).toEqual([]);
      expect(doc.resources).toEqual([{ key: "ScheduledRule/default/nightly", file: relative(path.join(root, "jobs/rule.yaml")), line: 1 }]);
      expect(code).toBe(0);
    }
    expect((await cli("validate", root)).code).toBe(1);
  });

  it("exits 1 for a path that does not exist", async () => {
    const { code, out } = await cli("validate", "no/such/folder");
    expect(code).toBe(1);
    expect(out).toMatch(/^no\/such\/folder:1:1  error  .+\[PathNotFound\]\n1 error in 1 file\n$/);
  });

  it.each([[["validate", "--bogus"]], [["validate", "--output", "yaml"]], [["validate", "a", "b"]], [["frobnicate"]], [[]]])(
    "exits 2 on the usage error %j",
    async (argv) => {
      const { code, err } = await cli(...argv);
      expect(code).toBe(2);
      expect(err).not.toBe("");
    },
  );

  it.each([[["--help"]], [["validate", "--help"]], [["--version"]]])("exits 0 for %j", async (argv) => {
    const { code, out } = await cli(...argv);
    expect(code).toBe(0);
    expect(out).not.toBe("");
  });

  it("leaves process.exitCode as it found it", async () => {
    const before = process.exitCode;
    await cli("validate", "no/such/folder");
    expect(process.exitCode).toBe(before);
  });

  it("runs as the ecs-gitops executable with the documented exit codes", async () => {
    const run = (...args: string[]) =>
      promisify(execFile)(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args]).then(
        () => 0,
        (error: { code?: number }) => error.code ?? -1,
      );
    expect(await run("validate", "examples")).toBe(0);
    expect(await run("validate", "test/fixtures/bad")).toBe(1);
    expect(await run("validate", "--output", "xml")).toBe(2);
  });
});
