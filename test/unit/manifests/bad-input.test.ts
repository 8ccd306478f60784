import { mkdtemp, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_FILE_BYTES } from "../../../src/manifests/parse.js";
import type { ProblemCode } from "../../../src/manifests/types.js";
import { loadDesiredState } from "../../../src/resources/load.js";
import { cpuClock } from "../../support/cpu-clock.js";

// A corpus of malformed manifests. Each must give a located problem with the expected code,
// quickly, and without an exception escaping the loader.
const HEAD = "apiVersion: ecs-gitops/v1\nkind: TaskDefinition\nmetadata:\n  name: web\nspec:\n";
const CONTAINERS = "  containerDefinitions:\n    - name: web\n      image: nginx\n      memory: 256\n";
const td = (spec = CONTAINERS) => HEAD + spec;
const envelope = (kind: string, name: string, spec: string) =>
  `apiVersion: ecs-gitops/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
const service = (spec: string) => envelope("Service", "web", spec);
const rule = (spec: string) => envelope("ScheduledRule", "nightly", spec);
const container = (fields: string) => `  containerDefinitions:\n    - name: web\n      image: nginx\n      memory: 256\n${fields}`;
const bytes = (...values: number[]) => new Uint8Array(values);

type Case = {
  name: string;
  /** Files to write below the root; omitted with `missingRoot`. */
  files?: Record<string, string | Uint8Array>;
  missingRoot?: boolean;
  code: ProblemCode;
  /** File the problem must name (relative to the root); default bad.yaml. */
  file?: string;
  /** The file's other, valid documents still load. */
  partial?: boolean;
  line?: number;
};

const bomb =
  "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" +
  "abcdefgh"
    .split("")
    .map((p, i) => `${"bcdefghi"[i]}: &${"bcdefghi"[i]} [${Array(9).fill(`*${p}`).join(", ")}]\n`)
    .join("");

const cases: Case[] = [
  // YAML itself
  {
    name: "an unclosed flow sequence",
    files: { "bad.yaml": td("  containerDefinitions: [{name: web, image: nginx\n") },
    code: "YamlSyntax",
  },
  { name: "an unclosed quoted string", files: { "bad.yaml": td('  networkMode: "awsvpc\n' + CONTAINERS) }, code: "YamlSyntax" },
  {
    name: "inconsistent indentation",
    files: { "bad.yaml": "apiVersion: ecs-gitops/v1\nkind: TaskDefinition\nmetadata:\n    name: web\n  labels: {}\n" },
    code: "YamlSyntax",
  },
  { name: "tab indentation", files: { "bad.yaml": td("\tcontainerDefinitions: []\n") }, code: "YamlSyntax", line: 6 },
  { name: "a duplicate top-level key", files: { "bad.yaml": td() + "kind: Service\n" }, code: "YamlSyntax" },
  { name: "a duplicate key in a container", files: { "bad.yaml": td(container("      image: httpd\n")) }, code: "YamlSyntax", line: 10 },
  { name: "an alias bomb (billion laughs)", files: { "bad.yaml": bomb }, code: "AliasLimit" },
  { name: "an alias of an undefined anchor", files: { "bad.yaml": td(container("      command: *missing\n")) }, code: "YamlSyntax" },
  {
    name: "an unknown tag (CloudFormation !Ref)",
    files: { "bad.yaml": td(container("      user: !Ref AppUser\n")) },
    code: "YamlSyntax",
    line: 10,
  },
  { name: "an unsupported YAML version", files: { "bad.yaml": "%YAML 9.9\n---\n" + td() }, code: "YamlSyntax" },
  {
    name: "nesting 10,000 flow sequences deep",
    files: { "bad.yaml": td(`  containerDefinitions: ${"[".repeat(10_000)}${"]".repeat(10_000)}\n`) },
    code: "YamlSyntax",
  },
  {
    name: "a stray document-end marker followed by text",
    files: { "bad.yaml": td() + "...\nkind TaskDefinition\n" },
    code: "NotAMapping",
    partial: true,
  },
  // Bytes that are not a YAML text
  { name: "a file over the size cap", files: { "bad.yaml": td() + "#".repeat(MAX_FILE_BYTES) }, code: "FileTooLarge", line: 1 },
  {
    name: "a binary file with a .yml name",
    files: { "bad.yml": bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13) },
    code: "BinaryFile",
    file: "bad.yml",
  },
  { name: "a UTF-16 file", files: { "bad.yaml": bytes(0xff, 0xfe, 0x61, 0x00, 0x3a, 0x00, 0x20, 0x00, 0x31, 0x00) }, code: "BinaryFile" },
  {
    name: "Latin-1 bytes",
    files: { "bad.yaml": new Uint8Array([...new TextEncoder().encode(td(container("      user: caf"))), 0xe9, 0x0a]) },
    code: "NotUtf8",
  },
  {
    name: "a truncated UTF-8 sequence",
    files: { "bad.yaml": new Uint8Array([...new TextEncoder().encode(td()), 0xe2, 0x82]) },
    code: "NotUtf8",
  },
  // Keys that could pollute prototypes
  {
    name: "a __proto__ key in spec",
    files: { "bad.yaml": td(CONTAINERS + "  __proto__: {polluted: true}\n") },
    code: "UnsafeKey",
    line: 10,
  },
  {
    name: "a __proto__ label",
    files: { "bad.yaml": HEAD.replace("  name: web\n", "  name: web\n  labels:\n    __proto__: x\n") + CONTAINERS },
    code: "UnsafeKey",
  },
  // `constructor` is an ordinary (unknown) field name, not a prototype hazard
  { name: "a constructor key at the top", files: { "bad.yaml": td() + "constructor: {}\n" }, code: "UnknownField" },
  // Documents that are not resources
  { name: "a list document", files: { "bad.yaml": "- apiVersion: ecs-gitops/v1\n- kind: TaskDefinition\n" }, code: "NotAMapping" },
  { name: "a scalar document", files: { "bad.yaml": "just some text\n" }, code: "NotAMapping" },
  { name: "a number document", files: { "bad.yaml": "42\n" }, code: "NotAMapping" },
  { name: "a null document", files: { "bad.yaml": "~\n" }, code: "NotAMapping" },
  {
    name: "a bad second document after a good one",
    files: { "bad.yaml": td() + "---\n- oops\n" },
    code: "NotAMapping",
    line: 11,
    partial: true,
  },
  // Envelope
  { name: "a wrong apiVersion", files: { "bad.yaml": td().replace("ecs-gitops/v1", "ecs-gitops/v2") }, code: "BadEnvelope", line: 1 },
  { name: "a numeric apiVersion", files: { "bad.yaml": td().replace("ecs-gitops/v1", "1") }, code: "BadEnvelope" },
  { name: "a missing apiVersion", files: { "bad.yaml": td().replace("apiVersion: ecs-gitops/v1\n", "") }, code: "MissingField" },
  { name: "an unknown kind", files: { "bad.yaml": td().replace("TaskDefinition", "Deployment") }, code: "UnknownKind", line: 2 },
  { name: "a lower-case kind", files: { "bad.yaml": td().replace("TaskDefinition", "taskdefinition") }, code: "UnknownKind" },
  { name: "a missing kind", files: { "bad.yaml": td().replace("kind: TaskDefinition\n", "") }, code: "MissingField" },
  {
    name: "a missing metadata",
    files: { "bad.yaml": "apiVersion: ecs-gitops/v1\nkind: TaskDefinition\nspec:\n" + CONTAINERS },
    code: "MissingField",
  },
  {
    name: "metadata as a string",
    files: { "bad.yaml": "apiVersion: ecs-gitops/v1\nkind: TaskDefinition\nmetadata: web\nspec:\n" + CONTAINERS },
    code: "WrongType",
  },
  {
    name: "a missing metadata.name",
    files: { "bad.yaml": td().replace("  name: web\n", "  labels: {team: shop}\n") },
    code: "MissingField",
  },
  { name: "an empty metadata.name", files: { "bad.yaml": td().replace("name: web", 'name: ""') }, code: "WrongType" },
  { name: "a numeric metadata.name", files: { "bad.yaml": td().replace("name: web", "name: 42") }, code: "WrongType" },
  { name: "a family name with a space", files: { "bad.yaml": td().replace("name: web", "name: web app") }, code: "InvalidValue" },
  {
    name: "a rule name over 64 characters",
    files: { "bad.yaml": rule("  scheduleExpression: rate(5 minutes)\n").replace("name: nightly", `name: ${"r".repeat(65)}`) },
    code: "InvalidValue",
  },
  { name: "an unknown top-level field", files: { "bad.yaml": td() + "status: {}\n" }, code: "UnknownField", line: 10 },
  {
    name: "an unknown metadata field",
    files: { "bad.yaml": td().replace("  name: web\n", "  name: web\n  namespace: prod\n") },
    code: "UnknownField",
  },
  {
    name: "a numeric label value",
    files: { "bad.yaml": td().replace("  name: web\n", "  name: web\n  labels: {version: 3}\n") },
    code: "WrongType",
  },
  {
    name: "a label with the aws: prefix",
    files: { "bad.yaml": td().replace("  name: web\n", "  name: web\n  labels: {'aws:team': shop}\n") },
    code: "InvalidValue",
  },
  {
    name: "46 labels",
    files: {
      "bad.yaml": td().replace(
        "  name: web\n",
        `  name: web\n  labels:\n${Array.from({ length: 46 }, (_, i) => `    l${i}: v\n`).join("")}`,
      ),
    },
    code: "InvalidValue",
  },
  {
    name: "a misspelt ecs-gitops annotation",
    files: { "bad.yaml": td().replace("  name: web\n", "  name: web\n  annotations: {ecs-gitops/ignore-diff: desiredCount}\n") },
    code: "UnknownField",
  },
  {
    name: "a missing spec",
    files: { "bad.yaml": "apiVersion: ecs-gitops/v1\nkind: TaskDefinition\nmetadata:\n  name: web\n" },
    code: "MissingField",
  },
  { name: "spec as a list", files: { "bad.yaml": td("  - containerDefinitions: []\n") }, code: "WrongType", line: 5 },
  { name: "spec as a string", files: { "bad.yaml": HEAD.replace("spec:\n", "spec: all of it\n") }, code: "WrongType" },
  // Spec against the AWS model
  { name: "no containerDefinitions", files: { "bad.yaml": td("  networkMode: awsvpc\n") }, code: "MissingField" },
  {
    name: "a number where the image string goes",
    files: { "bad.yaml": td(CONTAINERS.replace("image: nginx", "image: 123")) },
    code: "WrongType",
    line: 8,
  },
  { name: "a string where a boolean goes", files: { "bad.yaml": td(container("      essential: yes\n")) }, code: "WrongType" },
  { name: "a boolean task cpu", files: { "bad.yaml": td("  cpu: true\n" + CONTAINERS) }, code: "WrongType" },
  { name: "an unknown networkMode", files: { "bad.yaml": td("  networkMode: vpc\n" + CONTAINERS) }, code: "InvalidValue" },
  { name: "a misspelt container field", files: { "bad.yaml": td(container("      portMapings: []\n")) }, code: "UnknownField", line: 10 },
  { name: "a YAML merge key", files: { "bad.yaml": td(container("      <<: {cpu: 256}\n")) }, code: "UnknownField" },
  { name: "a desiredCount in words", files: { "bad.yaml": service("  taskDefinition: web:1\n  desiredCount: two\n") }, code: "WrongType" },
  {
    name: "garbage nested 200 mappings deep",
    files: { "bad.yaml": td(CONTAINERS + `  junk: ${"{a: ".repeat(200)}1${"}".repeat(200)}\n`) },
    code: "UnknownField",
  },
  {
    name: "an unknown field on CRLF lines",
    files: { "bad.yaml": td(CONTAINERS + "  memroy: 512\n").replaceAll("\n", "\r\n") },
    code: "UnknownField",
    line: 10,
  },
  {
    name: "a byte-order mark and an unknown kind",
    files: { "bad.yaml": "\uFEFF" + td().replace("TaskDefinition", "Taskdefinition") },
    code: "UnknownKind",
    line: 2,
  },
  {
    name: "a target without its required id",
    files: { "bad.yaml": rule("  scheduleExpression: rate(5 minutes)\n  targets:\n    - taskDefinition: web:1\n") },
    code: "MissingField",
  },
  // Semantic checks
  {
    name: "10,000 containers",
    files: { "bad.yaml": td(`  containerDefinitions:\n${"    - {name: c, image: nginx, memory: 8}\n".repeat(10_000)}`) },
    code: "Semantic",
  },
  {
    name: "a 10,000-item environment list over 64 KiB",
    files: {
      "bad.yaml": td(
        container(`      environment:\n${Array.from({ length: 10_000 }, (_, i) => `        - {name: V${i}, value: x}\n`).join("")}`),
      ),
    },
    code: "Semantic",
  },
  {
    name: "a Fargate task with 4 GB on 256 cpu",
    files: { "bad.yaml": td("  requiresCompatibilities: [FARGATE]\n  networkMode: awsvpc\n  cpu: 256\n  memory: 4 GB\n" + CONTAINERS) },
    code: "Semantic",
    line: 9,
  },
  {
    name: "a cron with both day fields",
    files: { "bad.yaml": rule("  scheduleExpression: cron(0 3 * * * *)\n") },
    code: "Semantic",
    line: 6,
  },
  {
    name: "an eventPattern string that is not JSON",
    files: { "bad.yaml": rule("  eventPattern: '{source: [aws.ecs]'\n") },
    code: "Semantic",
  },
  {
    name: "a service on a family nobody defines",
    files: { "bad.yaml": service("  taskDefinition: api\n  launchType: EC2\n") },
    code: "UnresolvedReference",
    line: 6,
  },
  { name: "one identity in two files", files: { "a.yaml": td(), "bad.yaml": td() }, code: "DuplicateIdentity" },
  // Trees
  { name: "an empty repository", files: {}, code: "EmptyRepo", file: "." },
  { name: "a repository of comments only", files: { "bad.yaml": "# nothing here yet\n" }, code: "EmptyRepo", file: "." },
  { name: "a repository of empty documents", files: { "bad.yaml": "---\n---\n# more to come\n" }, code: "EmptyRepo", file: "." },
  { name: "manifests only in a dot-folder", files: { ".hidden/td.yaml": td() }, code: "EmptyRepo", file: "." },
  { name: "a missing path", missingRoot: true, code: "PathNotFound", file: "." },
];

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "ecs-gitops-bad-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("malformed manifests", () => {
  it("has a corpus of at least 50 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(50);
  });

  it.each(cases.map((c, i) => ({ ...c, i })))("reports $code for $name", async ({ files, missingRoot, code, file, line, partial, i }) => {
    const root = path.join(scratch, `case-${i}`);
    if (!missingRoot) {
      await mkdir(root, { recursive: true });
      for (const [name, content] of Object.entries(files ?? {})) {
        await mkdir(path.dirname(path.join(root, name)), { recursive: true });
        await writeFile(path.join(root, name), content);
      }
    }
    const cpuMs = cpuClock();
    const result = await loadDesiredState(root);
    // Generous for slow CI machines: the 10,000-item cases take about a second of CPU here.
    expect(cpuMs()).toBeLessThan(5000);
    const match = result.problems.find((p) => p.code === code && p.file === (file ?? "bad.yaml"));
    expect(match, JSON.stringify(result.problems.slice(0, 3))).toBeDefined();
    expect(match?.severity).toBe("error");
    if (line !== undefined) expect(match?.line).toBe(line);
    for (const p of result.problems) {
      expect(p.file).not.toBe("");
      expect(p.line).toBeGreaterThanOrEqual(1);
      expect(p.column).toBeGreaterThanOrEqual(1);
    }
    if (!partial) expect(result.manifests.filter((m) => m.file === (file ?? "bad.yaml"))).toEqual([]);
  });

  it("does not expand an alias bomb", async () => {
    const root = path.join(scratch, "bomb");
    await mkdir(root, { recursive: true });
    await writeFile(path.join(root, "bomb.yaml"), bomb);
    const cpuMs = cpuClock();
    const { problems } = await loadDesiredState(root);
    expect(cpuMs()).toBeLessThan(500);
    expect(problems.map((p) => p.code)).toEqual(["AliasLimit"]);
  });
});

describe("the fixture corpus in test/fixtures/bad", () => {
  const root = fileURLToPath(new URL("../../fixtures/bad", import.meta.url));
  const expected: Record<string, ProblemCode> = {
    "bad-cron.yaml": "Semantic",
    "billion-laughs.yaml": "AliasLimit",
    "binary.yml": "BinaryFile",
    "duplicate-keys.yaml": "YamlSyntax",
    "fargate-wrong-size.yaml": "Semantic",
    "latin1.yaml": "NotUtf8",
    "missing-name.yaml": "MissingField",
    "not-a-mapping.yaml": "NotAMapping",
    "number-for-string.yaml": "WrongType",
    "proto-key.yaml": "UnsafeKey",
    "spec-list.yaml": "WrongType",
    "syntax-error.yaml": "YamlSyntax",
    "tabs.yaml": "YamlSyntax",
    "unknown-kind.yaml": "UnknownKind",
    "unresolved-tag.yaml": "YamlSyntax",
    "wrong-api-version.yaml": "BadEnvelope",
  };

  it("lists every fixture file in the expectations", async () => {
    expect((await readdir(root)).sort()).toEqual(Object.keys(expected).sort());
  });

  it("reports each fixture file with its expected code and loads none of them", async () => {
    const result = await loadDesiredState(root);
    expect(result.manifests).toEqual([]);
    for (const [file, code] of Object.entries(expected)) {
      expect(
        result.problems.filter((p) => p.file === file).map((p) => p.code),
        file,
      ).toContain(code);
    }
  });
});
