import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, loadConfigFile, maxCommitBytesFromEnv, parseByteSize, parseConfigText, parseDuration } from "../../src/config.js";
import { isEcsGitopsError } from "../../src/errors.js";

const parse = (text: string) => parseConfigText("ecs-gitops.yaml", new TextEncoder().encode(text));
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("parseDuration", () => {
  it.each([
    ["30s", 30_000],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["250ms", 250],
    ["1h30m", 5_400_000],
    ["2m30s", 150_000],
    [" 60s ", 60_000],
  ])("reads %j as %i ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "30", "0s", "0m0s", "-5s", "5 m", "1d", "1.5s", "s", "30sec", "5m 30s", "1e3s"])("refuses %j with InvalidConfig", (text) => {
    let caught: unknown;
    try {
      parseDuration(text);
    } catch (error) {
      caught = error;
    }
    expect(isEcsGitopsError(caught) && caught.code).toBe("InvalidConfig");
  });
});

describe("parseByteSize and ECS_GITOPS_MAX_COMMIT_BYTES", () => {
  it("reads plain bytes and binary or decimal units, and refuses anything else", () => {
    expect(parseByteSize("52428800", "--max-commit-bytes")).toBe(50 * 1024 * 1024);
    expect(parseByteSize("50MiB", "--max-commit-bytes")).toBe(50 * 1024 * 1024);
    expect(parseByteSize("10 MB", "--max-commit-bytes")).toBe(10_000_000);
    for (const text of ["", "0", "-1", "1.5MiB", "lots", "1e9", "99999999999GiB"]) {
      expect(() => parseByteSize(text, "--max-commit-bytes"), text).toThrow(
        expect.objectContaining({ code: "InvalidConfig", where: "--max-commit-bytes" }),
      );
    }
    expect(maxCommitBytesFromEnv({})).toBeUndefined();
    expect(maxCommitBytesFromEnv({ ECS_GITOPS_MAX_COMMIT_BYTES: "1KiB" })).toBe(1024);
  });
});

describe("parseConfigText", () => {
  it("reads every setting", () => {
    const { config, problems } = parse(
      [
        "region: eu-west-1",
        "cluster: shop",
        "owner: platform-team",
        "syncPolicy: {automated: false, selfHeal: true, prune: false}",
        "ignoreDifferences:",
        "  - {kind: Service, name: web, paths: [desiredCount]}",
        "  - paths: [/containerDefinitions/0/image]",
        "interval: 30s",
        "resync: 10m",
        "maskPatterns: ['^MY_APP_', 'PIN$']",
        "maxDeletes: 2",
        "revisionHistoryLimit: 4",
      ].join("\n"),
    );
    expect(problems).toEqual([]);
    expect(config).toEqual({
      region: "eu-west-1",
      cluster: "shop",
      owner: "platform-team",
      syncPolicy: { automated: false, selfHeal: true, prune: false },
      ignoreDifferences: [{ kind: "Service", name: "web", paths: ["desiredCount"] }, { paths: ["/containerDefinitions/0/image"] }],
      intervalMs: 30_000,
      resyncMs: 600_000,
      maskPatterns: ["^MY_APP_", "PIN$"],
      syncWindows: [],
      maxDeletes: 2,
      revisionHistoryLimit: 4,
    });
  });

  it("fills in defaults for what is not set, and keeps the defaults object untouched", () => {
    const { config, problems } = parse("syncPolicy: {selfHeal: true}\n");
    expect(problems).toEqual([]);
    expect(config.syncPolicy).toEqual({ automated: true, selfHeal: true, prune: false });
    expect(config.intervalMs).toBe(60_000);
    expect(DEFAULT_CONFIG.syncPolicy.selfHeal).toBe(false);
  });

  it("refuses an interval under 5 s and a resync under 30 s, located, and keeps the defaults", () => {
    for (const [text, field, line] of [
      ["interval: 1ms\n", "intervalMs", 1],
      ["interval: 4s\n", "intervalMs", 1],
      ["x: 1\nresync: 29s\n", "resyncMs", 2],
      ["resync: 10ms\n", "resyncMs", 1],
    ] as const) {
      const { config, problems } = parse(text);
      expect(
        problems.map((p) => [p.code, p.line]),
        text,
      ).toEqual(
        field === "resyncMs" && line === 2
          ? [
              ["UnknownField", 1],
              ["InvalidValue", 2],
            ]
          : [["InvalidValue", line]],
      );
      expect(config[field]).toBe(DEFAULT_CONFIG[field]);
    }
    expect(parse("interval: 5s\nresync: 30s\n").config).toMatchObject({ intervalMs: 5_000, resyncMs: 30_000 });
  });

  it("treats an empty file as all defaults", () => {
    expect(parse("# settings come later\n")).toEqual({ config: DEFAULT_CONFIG, problems: [] });
  });

  it.each([
    // The locator points at a scalar's value and at the key of a collection.
    ["an unknown field", "clsuter: shop\n", "UnknownField", 1, 10],
    ["an unknown syncPolicy field", "syncPolicy:\n  selfheal: true\n", "UnknownField", 2, 13],
    ["a non-boolean sync flag", "syncPolicy:\n  prune: yes please\n", "WrongType", 2, 10],
    ["a bare number interval", "interval: 30\n", "WrongType", 1, 11],
    ["a duration without unit", "resync: '5'\n", "InvalidValue", 1, 9],
    ["a bad region", "region: Europe\n", "InvalidValue", 1, 9],
    ["a cluster name with a space", "cluster: my shop\n", "InvalidValue", 1, 10],
    // Not read from the file (whoever can push could redirect them): refused, not ignored.
    ["alerts", "alerts:\n  webhook: https://hooks.example.com/T000/B000\n", "InvalidValue", 1, 1],
    ["a negative maxDeletes", "maxDeletes: -1\n", "InvalidValue", 1, 13],
    ["a revisionHistoryLimit of 0", "revisionHistoryLimit: 0\n", "InvalidValue", 1, 23],
    ["an unknown kind to ignore", "ignoreDifferences:\n  - kind: Deployment\n    paths: [x]\n", "InvalidValue", 2, 11],
    ["an ignore rule without paths", "ignoreDifferences:\n  - kind: Service\n", "MissingField", 2, 5],
    ["ignoreDifferences as a mapping", "ignoreDifferences: {paths: [x]}\n", "WrongType", 1, 1],
    ["an invalid mask pattern", "maskPatterns: ['(']\n", "InvalidValue", 1, 16],
    ["a mask pattern that backtracks exponentially", "maskPatterns: ['^(A+)+$']\n", "InvalidValue", 1, 16],
    ["a nested star in a mask pattern", "maskPatterns: ['ok', '(x*)*y']\n", "InvalidValue", 1, 22],
    ["an overlong mask pattern", `maskPatterns: ['${"A".repeat(201)}']\n`, "InvalidValue", 1, 16],
    ["an empty owner", "owner: ''\n", "InvalidValue", 1, 8],
    ["a list instead of a mapping", "- cluster: shop\n", "NotAMapping", 1, 1],
    ["broken YAML", "cluster: [shop\n", "YamlSyntax", 2, 1],
    ["two documents", "cluster: a\n---\ncluster: b\n", "InvalidValue", 3, 1],
    ["an unsafe key", "__proto__: {owner: x}\n", "UnsafeKey", 1, 1],
  ] as const)("reports %s at its place", (_name, text, code, line, column) => {
    const { problems } = parse(text);
    expect(problems[0]).toMatchObject({ code, file: "ecs-gitops.yaml", line, column, severity: "error" });
  });
});

describe("loadConfigFile", () => {
  it("returns defaults and no problems when the file is absent", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-config-"));
    expect(await loadConfigFile(dir)).toEqual({ config: DEFAULT_CONFIG, problems: [] });
  });

  it("returns defaults when the root is a single manifest file", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-config-"));
    await writeFile(path.join(dir, "td.yaml"), "kind: TaskDefinition\n");
    expect(await loadConfigFile(path.join(dir, "td.yaml"))).toEqual({ config: DEFAULT_CONFIG, problems: [] });
  });

  it("reads ecs-gitops.yml too", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-config-"));
    await writeFile(path.join(dir, "ecs-gitops.yml"), "cluster: shop\nowner: team-a\n");
    const { config, problems } = await loadConfigFile(dir);
    expect(problems).toEqual([]);
    expect(config).toMatchObject({ cluster: "shop", owner: "team-a" });
  });

  it("refuses ecs-gitops.yaml and ecs-gitops.yml side by side, naming both, whatever either holds", async () => {
    for (const [yaml, yml] of [
      ["cluster: shop\n", "cluster: other\n"],
      ["", "owner: team-b\n"],
      ["region: eu-west-1\n", ""],
    ]) {
      dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-config-"));
      await writeFile(path.join(dir, "ecs-gitops.yaml"), yaml!);
      await writeFile(path.join(dir, "ecs-gitops.yml"), yml!);
      const { problems } = await loadConfigFile(dir);
      expect(problems).toEqual([
        expect.objectContaining({ severity: "error", message: expect.stringMatching(/ecs-gitops\.yaml and ecs-gitops\.yml/) }),
      ]);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("locates problems in the file it read", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-config-"));
    await writeFile(path.join(dir, "ecs-gitops.yaml"), "cluster: shop\nintervall: 30s\n");
    const { problems } = await loadConfigFile(dir);
    expect(problems).toMatchObject([{ code: "UnknownField", file: "ecs-gitops.yaml", line: 2, column: 12 }]);
  });
});
