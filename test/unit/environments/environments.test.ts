import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadCommitInline } from "../../../src/source/commit-load.js";
import { loadSourceTree } from "../../../src/environments/load.js";
import type { SourceLoadOptions } from "../../../src/environments/load.js";
import type { Problem } from "../../../src/manifests/types.js";

const TD = `apiVersion: ecs-gitops/v1
kind: TaskDefinition
metadata: {name: api}
spec:
  containerDefinitions:
    - name: api
      image: api:1
      memory: 512
      portMappings:
        - {containerPort: 8080}
        - {containerPort: 9090}
      environment:
        - {name: MODE, value: base}
        - {name: KEEP, value: "yes"}
        - {name: DROP, value: "no"}
`;
const SERVICE = `apiVersion: ecs-gitops/v1
kind: Service
metadata: {name: api}
spec:
  cluster: main
  taskDefinition: api
  desiredCount: 2
`;
const RULE = `apiVersion: ecs-gitops/v1
kind: ScheduledRule
metadata: {name: sweep}
spec:
  scheduleExpression: rate(1 hour)
  targets:
    - id: run
      cluster: main
      taskDefinition: api:3
      roleArn: arn:aws:iam::123456789012:role/events
`;

async function repo(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "envs-"));
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return dir;
}

const base = { "base/td.yaml": TD, "base/service.yaml": SERVICE, "base/rule.yaml": RULE };
const errors = (problems: readonly Problem[]) =>
  problems.filter((p) => p.severity === "error").map((p) => `${p.file}:${p.line} ${p.message}`);
const lineOf = (text: string, needle: string) => text.split("\n").findIndex((l) => l.includes(needle)) + 1;

async function env(overlay: string, extra: Record<string, string> = {}, options: SourceLoadOptions = {}) {
  const dir = await repo({ ...base, "envs/one/ecs-gitops.yaml": overlay, ...extra });
  return loadSourceTree(path.join(dir, "envs", "one"), options);
}

describe("rendering an environment", () => {
  it(
    "merges containers, variables and ports by identity, deletes with " + "$patch, applies JSON Patch, renames and follows references",
    async () => {
      const loaded = await env(`bases: [../../base]
nameSuffix: -one
patches:
  - target: {kind: TaskDefinition, name: api}
    patch:
      spec:
        containerDefinitions:
          - name: api
            portMappings:
              - {containerPort: 9090, hostPort: 9090}
            environment:
              - {name: MODE, value: one}
              - {name: DROP, $patch: delete}
              - {name: ADDED, value: "1"}
  - target: {kind: Service, name: api}
    jsonPatch:
      - {op: replace, path: /spec/desiredCount, value: 5}
      - {op: add, path: /metadata/labels, value: {tier: web}}
`);
      expect(errors(loaded.problems)).toEqual([]);
      const byKey = new Map(loaded.manifests.map((m) => [m.key, m]));
      expect([...byKey.keys()].sort()).toEqual(["ScheduledRule/default/sweep-one", "Service/main/api-one", "TaskDefinition/api-one"]);
      const container = (byKey.get("TaskDefinition/api-one")!.spec["containerDefinitions"] as Record<string, unknown>[])[0]!;
      expect(container["environment"]).toEqual([
        { name: "MODE", value: "one" },
        { name: "KEEP", value: "yes" },
        { name: "ADDED", value: "1" },
      ]);
      expect(container["portMappings"]).toEqual([{ containerPort: 8080 }, { containerPort: 9090, hostPort: 9090 }]);
      const service = byKey.get("Service/main/api-one")!;
      expect([service.spec["desiredCount"], service.spec["taskDefinition"], service.labels]).toEqual([5, "api-one", { tier: "web" }]);
      const target = (byKey.get("ScheduledRule/default/sweep-one")!.spec["targets"] as Record<string, unknown>[])[0]!;
      expect(target["taskDefinition"]).toBe("api-one:3");
    },
  );

  it("reports a value an overlay wrote at the overlay's line, and a base value at the base's line", async () => {
    const overlay = `bases: [../../base]
patches:
  - target: {kind: Service, name: api}
    patch:
      spec:
        desiredCount: many
`;
    const loaded = await env(overlay, { "base/td.yaml": TD.replace("memory: 512", "memory: lots") });
    const found = loaded.problems.filter((p) => p.severity === "error");
    expect(found.map((p) => [p.file, p.line])).toEqual(
      expect.arrayContaining([
        ["ecs-gitops.yaml", lineOf(overlay, "many")],
        ["../../base/td.yaml", lineOf(TD, "memory")],
      ]),
    );
  });

  it("an undefined variable is an error at the line that uses it, never an empty string", async () => {
    const overlay = `bases: [../../base]
vars: {TAG: "2"}
patches:
  - target: {kind: TaskDefinition, name: api}
    patch:
      spec:
        containerDefinitions:
          - {name: api, image: "api:\${TAG}-\${MISSING}"}
`;
    const loaded = await env(overlay);
    expect(errors(loaded.problems)).toEqual([
      expect.stringMatching(new RegExp(`^ecs-gitops\\.yaml:${lineOf(overlay, "MISSING")} \\$\\{MISSING\\} is not defined`)),
    ]);
    expect(loaded.manifests.map((m) => m.key)).not.toContain("TaskDefinition/api");
  });

  it("a patch naming a container the base lacks is an error at the overlay's line; $patch: add adds one", async () => {
    const overlay = `bases: [../../base]
patches:
  - target: {kind: TaskDefinition, name: api}
    patch:
      spec:
        containerDefinitions:
          - name: apii
            image: api:2
`;
    expect(errors((await env(overlay)).problems)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^ecs-gitops\\.yaml:${lineOf(overlay, "apii")} the patch targets name ` +
            `"apii" in containerDefinitions, which the base does not define \\(there ` +
            `are: "api"\\)`,
        ),
      ),
    ]);
    const added = await env(overlay.replace("- name: apii", "- $patch: add\n            name: sidecar\n            memory: 64"));
    expect(errors(added.problems)).toEqual([]);
    expect(
      (added.manifests.find((m) => m.kind === "TaskDefinition")!.spec["containerDefinitions"] as { name: string }[]).map((c) => c.name),
    ).toEqual(["api", "sidecar"]);
  });

  it("a patch or removal of a resource no base defines is an error at its target", async () => {
    const overlay =
      "bases: [../../base]\nremove:\n  - {kind: Service, name: " +
      "apx}\npatches:\n  - target: {kind: ScheduledRule, name: swep}\n    " +
      "patch: {spec: {state: DISABLED}}\n";
    expect(errors((await env(overlay)).problems).map((e) => e.split(" ").slice(0, 3).join(" "))).toEqual([
      "ecs-gitops.yaml:3 remove names",
      "ecs-gitops.yaml:5 the patch",
    ]);
  });

  it("an overlay resource with a base resource's identity is a duplicate naming both files", async () => {
    const loaded = await env("bases: [../../base]\n", { "envs/one/extra.yaml": SERVICE.replace("desiredCount: 2", "desiredCount: 3") });
    expect(errors(loaded.problems)).toEqual(
      expect.arrayContaining([expect.stringContaining("Service/main/api is defined twice: ../../base/service.yaml:1 and extra.yaml:1")]),
    );
  });

  it("reads only the process environment variables listed, keeps a number's type and $${X} literal", async () => {
    const overlay = `bases: [../../base]
vars:
  COUNT: 7
  BUILD: {fromEnv: ENVS_TEST_BUILD}
patches:
  - target: {kind: Service, name: api}
    patch: {spec: {desiredCount: "\${COUNT}"}}
  - target: {kind: TaskDefinition, name: api}
    patch:
      spec:
        containerDefinitions:
          - {name: api, image: "api:\${BUILD}", command: ["sh", "-c", "echo $\${HOME}"]}
`;
    const loaded = await env(overlay, {}, { env: { ENVS_TEST_BUILD: "b42", HOME: "/root" } });
    expect(errors(loaded.problems)).toEqual([]);
    expect(loaded.manifests.find((m) => m.kind === "Service")!.spec["desiredCount"]).toBe(7);
    const container = (
      loaded.manifests.find((m) => m.kind === "TaskDefinition")!.spec["containerDefinitions"] as Record<string, unknown>[]
    )[0]!;
    expect([container["image"], container["command"]]).toEqual(["api:b42", ["sh", "-c", "echo ${HOME}"]]);
    const unset = await env(overlay, {}, { env: {} });
    expect(errors(unset.problems)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^ecs-gitops\\.yaml:${lineOf(overlay, "fromEnv")} variable BUILD reads ` +
            `the environment variable ENVS_TEST_BUILD, which is not set`,
        ),
      ),
    ]);
  });

  it("SSM variables stay as written offline and take the parameter's value when read", async () => {
    const overlay =
      "bases: [../../base]\nvars: {TAG: {fromSsm: /app/tag}}\npatches:\n  - " +
      "target: {kind: TaskDefinition, name: api}\n    patch: {spec: " +
      "{containerDefinitions: [{name: api, image: 'api:${TAG}'}]}}\n";
    const image = (loaded: Awaited<ReturnType<typeof env>>) =>
      (loaded.manifests.find((m) => m.kind === "TaskDefinition")!.spec["containerDefinitions"] as { image: string }[])[0]!.image;
    expect(image(await env(overlay, {}, { offline: true }))).toBe("api:${TAG}");
    // A command that reads no SSM must not send `${TAG}` to AWS.
    expect(errors((await env(overlay)).problems)).toEqual([
      expect.stringContaining("fromSsm variables are read by diff, apply and run; this command reads no SSM"),
    ]);
    const read: string[][] = [];
    const online = await env(
      overlay,
      {},
      { readSsm: async (names) => (read.push([...names]), new Map([["/app/tag", { value: "9", secure: false }]])) },
    );
    expect([image(online), read]).toEqual(["api:9", [["/app/tag"]]]);
    const missing = await env(overlay, {}, { readSsm: async () => new Map() });
    expect(errors(missing.problems)).toEqual([expect.stringContaining("variable TAG reads SSM parameter /app/tag, which does not exist")]);
  });
});

describe("the repository root", () => {
  const envs = (a: string, b: string) => ({
    ...base,
    "envs/a/ecs-gitops.yaml": `region: us-east-1\nbases: [../../base]\n${a}`,
    "envs/b/ecs-gitops.yaml": `region: us-east-1\nbases: [../../base]\n${b}`,
  });

  it("validates every environment, a base error once, at the base's line", async () => {
    const dir = await repo({ ...envs("nameSuffix: -a\n", "nameSuffix: -b\n"), "base/td.yaml": TD.replace("memory: 512", "memory: lots") });
    const loaded = await loadSourceTree(dir, { allEnvironments: true });
    expect(loaded.environments).toEqual(["envs/a", "envs/b"]);
    expect(errors(loaded.problems)).toEqual([expect.stringMatching(new RegExp(`^base/td\\.yaml:${lineOf(TD, "memory")} `))]);
  });

  it("two environments making one identity in one account and region is an error at each overlay", async () => {
    const loaded = await loadSourceTree(await repo(envs("nameSuffix: -x\n", "nameSuffix: -x\n")), { allEnvironments: true });
    const duplicates = loaded.problems.filter((p) => p.code === "DuplicateIdentity");
    expect(new Set(duplicates.map((p) => `${p.file}:${p.line}`))).toEqual(
      new Set(["envs/a/ecs-gitops.yaml:3", "envs/b/ecs-gitops.yaml:3"]),
    );
  });

  it("asks for an environment when a command needs one", async () => {
    const loaded = await loadSourceTree(await repo(envs("nameSuffix: -a\n", "nameSuffix: -b\n")));
    expect(errors(loaded.problems)).toEqual([expect.stringContaining("this folder holds environments (envs/a, envs/b): pass --env NAME")]);
  });
});

describe("scoping", () => {
  it("skips a docker-compose.yml with a note and an ignored folder without a word", async () => {
    const dir = await repo({
      "td.yaml": TD,
      "docker-compose.yml": "services:\n  db:\n    image: postgres:16\n",
      "vendor/x/td.yaml": "kind: [broken",
      ".github/workflows/ci.yml": "on: push\n",
      ".ecs-gitopsignore": "# third-party\nvendor/\n",
    });
    const loaded = await loadSourceTree(dir);
    expect(loaded.problems.map((p) => [p.file, p.severity, p.code])).toEqual([["docker-compose.yml", "note", "NotAManifest"]]);
    expect(loaded.manifests.map((m) => m.key)).toEqual(["TaskDefinition/api"]);
  });

  it("keeps the import hint for raw AWS JSON, as a note", async () => {
    const loaded = await loadSourceTree(
      await repo({ "td.yaml": TD, "task-definition.json": JSON.stringify({ family: "x", containerDefinitions: [] }) }),
    );
    expect(loaded.problems).toMatchObject([
      {
        file: "task-definition.json",
        severity: "note",
        code: "RawAwsInput",
        message: expect.stringContaining("run `ecs-gitops import task-definition.json`"),
      },
    ]);
  });
});

describe("bases", () => {
  it("a base outside the repository is refused, never read", async () => {
    const outside = await repo({ "td.yaml": TD });
    const dir = await repo({ "envs/one/ecs-gitops.yaml": `bases: [${path.join(outside)}]\n` });
    const loaded = await loadSourceTree(path.join(dir, "envs", "one"), { within: dir });
    expect(errors(loaded.problems)).toEqual([expect.stringContaining("is outside the repository")]);
    expect(loaded.files).toEqual([]);
  });
});

describe("run --env", () => {
  it("loads an environment folder of a commit with its bases, as diff and apply do", async () => {
    const dir = await repo({ ...base, "envs/one/ecs-gitops.yaml": "owner: one\nbases: [../../base]\nnameSuffix: -one\n" });
    const load = await loadCommitInline({ root: path.join(dir, "envs", "one"), within: dir, cluster: undefined });
    expect(load.config.owner).toBe("one");
    expect(load.loaded?.manifests.map((m) => m.key).sort()).toEqual([
      "ScheduledRule/default/sweep-one",
      "Service/main/api-one",
      "TaskDefinition/api-one",
    ]);
  });
});
