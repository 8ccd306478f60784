import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { resolveOneShotOptions } from "../../src/cli/aws-options.js";
import type { AwsFlags } from "../../src/cli/aws-options.js";
import { controllerOptions } from "../../src/cli/commands/run.js";
import type { RunFlags } from "../../src/cli/commands/run.js";
import { buildProgram, runCli } from "../../src/cli/main.js";
import { CONFIG_FIELDS, parseConfigText } from "../../src/config.js";
import { loadSourceTree } from "../../src/environments/load.js";
import type { SourceLoadResult } from "../../src/environments/load.js";
import { pollIntervalMs, regionProblems, settingsFromConfig } from "../../src/controller/controller.js";
import type { ControllerOptions } from "../../src/controller/controller.js";
import { createLogger } from "../../src/controller/log.js";
import { selfHealOf } from "../../src/manifests/annotations.js";
import type { OneShotOptions } from "../../src/engine/one-shot.js";
import { ANNOTATIONS, UNSUPPORTED_ANNOTATIONS } from "../../src/manifests/envelope.js";
import { loadManifestFiles } from "../../src/manifests/load.js";
import { ignoreRulesOf } from "../../src/resources/common/plan-util.js";
import { desiredTags, ownership } from "../../src/resources/common/tags.js";
import { forceReasons } from "../../src/resources/service/deploy-controls.js";
import { manifestOf, planContext } from "./resources/builders.js";
import { LEASE_TABLE_FLAGS } from "./cli/lease-table-flags.js";
import { pausedFor } from "../../src/pause/gate.js";
import { planRevisionRollout } from "../../src/resources/service/codedeploy.js";
import { windowBlocks } from "../../src/pause/sync-windows.js";
import type { WindowTarget } from "../../src/pause/sync-windows.js";

/*
 * Every setting a user can write (ecs-gitops.yaml field, flag, annotation) either changes what the
 * program does or is refused. The lists come from the code (CONFIG_FIELDS, commander, ANNOTATIONS),
 * so a new setting that is not listed here fails this file.
 */

const encode = (text: string) => new TextEncoder().encode(text);
const configOf = (text: string) => parseConfigText("ecs-gitops.yaml", encode(text));
const NO_FLAGS = {} as ControllerOptions;

async function oneShot(configText: string, flags: AwsFlags = {}): Promise<OneShotOptions> {
  const dir = await mkdtemp(path.join(tmpdir(), "settings-"));
  await writeFile(path.join(dir, "ecs-gitops.yaml"), configText);
  const options = await resolveOneShotOptions(dir, flags);
  if ("problems" in options) throw new Error(JSON.stringify(options.problems));
  return options;
}

type Probe = () => Promise<void> | void;

// 10:30 UTC on a Monday: the sync-window probes ask about this instant.
const WINDOW_NOW = new Date("2026-03-02T10:30:00Z");
const WEB: WindowTarget = { kind: "Service", name: "web", key: "Service/prod/web", clusters: ["prod"] };
/** Does the settings text's `syncWindows` block writes to `target` at WINDOW_NOW? */
function windowsBlock(windows: string, target: WindowTarget = WEB): boolean {
  const loaded = configOf(`syncWindows:\n${windows}`);
  expect(loaded.problems).toEqual([]);
  return windowBlocks(loaded.config.syncWindows, target, WINDOW_NOW) !== undefined;
}
const deny = (fields: string) => `  - {kind: deny, schedule: "0 10 * * *", duration: 1h${fields}}\n`;

const BASE_TD =
  "apiVersion: ecs-gitops/v1\nkind: TaskDefinition\nmetadata: {name: " +
  "web}\nspec:\n  containerDefinitions:\n    - {name: web, image: web:1, " +
  "memory: 512}\n";

/** One environment (envs/one) over a base holding one task definition, with `extra` in its settings. */
async function environment(extra: string): Promise<SourceLoadResult> {
  const dir = await mkdtemp(path.join(tmpdir(), "settings-env-"));
  await mkdir(path.join(dir, "base"));
  await mkdir(path.join(dir, "envs", "one"), { recursive: true });
  await writeFile(path.join(dir, "base", "td.yaml"), BASE_TD);
  await writeFile(path.join(dir, "envs", "one", "ecs-gitops.yaml"), `bases: [../../base]\n${extra}`);
  return loadSourceTree(path.join(dir, "envs", "one"));
}

/** Two environments over one base, validated from the repository root. */
async function environments(first: string, second: string): Promise<SourceLoadResult> {
  const dir = await mkdtemp(path.join(tmpdir(), "settings-envs-"));
  await mkdir(path.join(dir, "base"));
  await writeFile(path.join(dir, "base", "td.yaml"), BASE_TD);
  for (const [name, text] of [
    ["a", first],
    ["b", second],
  ] as const) {
    await mkdir(path.join(dir, "envs", name), { recursive: true });
    await writeFile(path.join(dir, "envs", name, "ecs-gitops.yaml"), `region: us-east-1\nbases: [../../base]\n${text}`);
  }
  return loadSourceTree(dir, { allEnvironments: true });
}

const CONFIG_EFFECTS: Record<string, Probe> = {
  region: async () => {
    expect((await oneShot("region: eu-north-1\n")).region).toBe("eu-north-1");
    // `run` makes its clients at start-up: a file naming another region is an error, not ignored.
    expect(regionProblems(configOf("region: eu-north-1\n"), "us-east-1")).toMatchObject([{ code: "InvalidValue", line: 1, column: 9 }]);
    expect(regionProblems(configOf("region: eu-north-1\n"), "eu-north-1")).toEqual([]);
  },
  cluster: async () => expect((await oneShot("cluster: blue\n")).cluster).toBe("blue"),
  owner: async () => expect((await oneShot("owner: team-x\n")).owner).toBe("team-x"),
  interval: () => expect(pollIntervalMs(NO_FLAGS, configOf("interval: 7s\n").config)).toBe(7_000),
  resync: () => expect(settingsFromConfig(NO_FLAGS, configOf("resync: 9m\n").config).resyncMs).toBe(540_000),
  "syncPolicy.automated": () =>
    expect(settingsFromConfig(NO_FLAGS, configOf("syncPolicy: {automated: false}\n").config).automated).toBe(false),
  "syncPolicy.selfHeal": () => expect(settingsFromConfig(NO_FLAGS, configOf("syncPolicy: {selfHeal: true}\n").config).selfHeal).toBe(true),
  // What each prune setting changes in a plan is proven in test/unit/engine/prune-plan.test.ts.
  "syncPolicy.prune": async () => {
    expect((await oneShot("syncPolicy: {prune: true}\n")).prune?.enabled).toBe(true);
    expect((await oneShot("syncPolicy: {prune: false}\n")).prune?.enabled).toBe(false);
    expect(settingsFromConfig(NO_FLAGS, configOf("syncPolicy: {prune: true}\n").config).prune).toBe(true);
  },
  maxDeletes: async () => {
    expect((await oneShot("maxDeletes: 2\n")).prune?.maxDeletes).toBe(2);
    expect(settingsFromConfig(NO_FLAGS, configOf("maxDeletes: 2\n").config).maxDeletes).toBe(2);
  },
  revisionHistoryLimit: async () => {
    expect((await oneShot("revisionHistoryLimit: 3\n")).prune?.revisionHistoryLimit).toBe(3);
    expect(settingsFromConfig(NO_FLAGS, configOf("revisionHistoryLimit: 3\n").config).revisionHistoryLimit).toBe(3);
  },
  "ignoreDifferences[].kind": async () =>
    expect((await oneShot("ignoreDifferences: [{kind: Service, paths: [desiredCount]}]\n")).ignoreRules).toEqual([
      { kind: "Service", paths: ["desiredCount"] },
    ]),
  "ignoreDifferences[].name": async () =>
    expect((await oneShot("ignoreDifferences: [{name: web, paths: [desiredCount]}]\n")).ignoreRules).toEqual([
      { name: "web", paths: ["desiredCount"] },
    ]),
  "ignoreDifferences[].paths": async () =>
    expect((await oneShot("ignoreDifferences: [{paths: [desiredCount]}]\n")).ignoreRules).toEqual([{ paths: ["desiredCount"] }]),
  alerts: () =>
    expect(configOf("alerts: {webhook: 'https://hooks.example.com/x'}\n").problems.map((p) => p.code)).toEqual(["InvalidValue"]),
  account: async () => {
    // Two environments in one account and region may not make one name; in two accounts they may.
    const shared = await environments('account: "111111111111"\n', 'account: "111111111111"\n');
    expect(shared.problems.map((p) => p.code)).toContain("DuplicateIdentity");
    expect((await environments('account: "111111111111"\n', 'account: "222222222222"\n')).problems).toEqual([]);
  },
  bases: async () => expect((await environment("")).manifests.map((m) => m.key)).toEqual(["TaskDefinition/web"]),
  namePrefix: async () => expect((await environment("namePrefix: eu-\n")).manifests.map((m) => m.key)).toEqual(["TaskDefinition/eu-web"]),
  nameSuffix: async () => expect((await environment("nameSuffix: -qa\n")).manifests.map((m) => m.key)).toEqual(["TaskDefinition/web-qa"]),
  patches: async () => {
    const loaded = await environment("patches: [{target: {kind: TaskDefinition, name: web}, patch: {spec: {cpu: '512'}}}]\n");
    expect(loaded.manifests[0]?.spec["cpu"]).toBe("512");
  },
  remove: async () => expect((await environment("remove: [{kind: TaskDefinition, name: web}]\n")).manifests).toEqual([]),
  vars: async () => {
    const loaded = await environment(
      "vars: {TAG: '2.0'}\npatches: [{target: {kind: TaskDefinition, name: " +
        "web}, patch: {spec: {containerDefinitions: [{name: web, image: " +
        "'web:${TAG}'}]}}}]\n",
    );
    expect((loaded.manifests[0]?.spec["containerDefinitions"] as { image: string }[])[0]?.image).toBe("web:2.0");
  },
  "syncWindows[].schedule": () => {
    expect(windowsBlock(deny(""))).toBe(true);
    expect(windowsBlock(`  - {kind: deny, schedule: "0 12 * * *", duration: 1h}\n`)).toBe(false);
  },
  "syncWindows[].duration": () => {
    expect(windowsBlock(`  - {kind: deny, schedule: "0 10 * * *", duration: 20m}\n`)).toBe(false);
    expect(windowsBlock(`  - {kind: deny, schedule: "0 10 * * *", duration: 31m}\n`)).toBe(true);
  },
  "syncWindows[].kind": () => {
    // Inside an allow window writes happen; outside every allow window they do not.
    expect(windowsBlock(`  - {kind: allow, schedule: "0 10 * * *", duration: 1h}\n`)).toBe(false);
    expect(windowsBlock(`  - {kind: allow, schedule: "0 12 * * *", duration: 1h}\n`)).toBe(true);
  },
  "syncWindows[].match.kinds": () => {
    expect(windowsBlock(deny(", match: {kinds: [Service]}"))).toBe(true);
    expect(windowsBlock(deny(", match: {kinds: [TaskDefinition]}"))).toBe(false);
  },
  "syncWindows[].match.names": () => {
    expect(windowsBlock(deny(", match: {names: ['we*']}"))).toBe(true);
    expect(windowsBlock(deny(", match: {names: ['worker']}"))).toBe(false);
  },
  "syncWindows[].match.keys": () => {
    expect(windowsBlock(deny(", match: {keys: ['Service/prod/*']}"))).toBe(true);
    expect(windowsBlock(deny(", match: {keys: ['Service/shop/*']}"))).toBe(false);
  },
  // Every kind, through its plug-in: test/unit/pause/window-clusters.test.ts.
  "syncWindows[].match.clusters": () => {
    expect(windowsBlock(deny(", match: {clusters: [prod]}"))).toBe(true);
    expect(windowsBlock(deny(", match: {clusters: [shop]}"))).toBe(false);
  },
  maskPatterns: async () => {
    expect((await oneShot("maskPatterns: ['_DSN$']\n")).maskPatterns).toEqual(["_DSN$"]);
    const isSecret = settingsFromConfig(NO_FLAGS, configOf("maskPatterns: ['_DSN$']\n").config).isSecret!;
    expect([isSecret("SENTRY_DSN"), isSecret("SENTRY_URL")]).toEqual([true, false]);
  },
};

describe("every field of ecs-gitops.yaml has an effect or is refused", () => {
  it("lists exactly the fields the settings file accepts", () => {
    expect(Object.keys(CONFIG_EFFECTS).sort()).toEqual([...CONFIG_FIELDS].sort());
  });
  for (const [field, probe] of Object.entries(CONFIG_EFFECTS)) {
    it(field, probe);
  }
});

/** A value that differs from the default, for each `run` flag. */
const RUN_VALUES: Record<string, string[]> = {
  "--repo": ["--repo", "file:///elsewhere.git"],
  "--branch": ["--branch", "release"],
  "--path": ["--path", "deploy"],
  "--env": ["--env", "prod"],
  "--interval": ["--interval", "7s"],
  "--resync": ["--resync", "9m"],
  "--mode": ["--mode", "observe"],
  "--self-heal": ["--self-heal", "true"],
  "--automated": ["--automated", "false"],
  "--no-automated": ["--no-automated"],
  "--port": ["--port", "9191"],
  "--host": ["--host", "127.0.0.9"],
  "--alert-webhook": ["--alert-webhook", "https://hooks.example.com/x"],
  "--alert-event-bus": ["--alert-event-bus", "ops"],
  "--owner": ["--owner", "team-x"],
  "--region": ["--region", "eu-north-1"],
  "--endpoint-url": ["--endpoint-url", "http://127.0.0.1:9"],
  "--cluster": ["--cluster", "blue"],
  "--workdir": ["--workdir", "/var/tmp/elsewhere"],
  "--aws-rate-limit": ["--aws-rate-limit", "0.25"],
  "--log-level": ["--log-level", "debug"],
  "--shutdown-timeout": ["--shutdown-timeout", "5s"],
  "--max-commit-bytes": ["--max-commit-bytes", "10MiB"],
  // Lease flags act only with a table; test/unit/cli/lease-options.test.ts shows each one's own effect.
  "--lease-table": ["--lease-table", "ecs-gitops-leases"],
  "--lease-duration": ["--lease-table", "t-leases", "--lease-duration", "30s"],
  "--shards": ["--lease-table", "t-leases", "--shards", "4"],
  "--shard-by": ["--lease-table", "t-leases", "--shard-by", "hash"],
  "--replica-id": ["--lease-table", "t-leases", "--replica-id", "replica-7"],
  "--prune": ["--prune"],
  "--allow-mass-delete": ["--allow-mass-delete"],
};

/** Flags that act only with another: their baseline has that one, so the table alone does not pass for them. */
const RUN_BASELINES: Record<string, string[]> = Object.fromEntries(
  ["--lease-duration", "--shards", "--shard-by", "--replica-id"].map((flag) => [flag, ["--lease-table", "t-leases"]]),
);

async function runOptions(args: string[]): Promise<ControllerOptions> {
  const program = buildProgram({ out: () => {}, err: () => {} });
  const run = program.commands.find((c) => c.name() === "run")!;
  let options: ControllerOptions | undefined;
  run.action((flags: RunFlags, self: Command) => {
    const explicit = (name: string) => ["cli", "env"].includes(self.getOptionValueSource(name) ?? "");
    options = controllerOptions(flags, explicit, createLogger({ level: flags.logLevel }));
  });
  await program.parseAsync(["run", "--repo", "file:///repo.git", ...args], { from: "user" });
  return options!;
}

const comparable = (o: ControllerOptions) => ({ ...o, log: o.log.level });

describe("every run flag changes the controller's options", () => {
  const flags = buildProgram({ out: () => {}, err: () => {} })
    .commands.find((c) => c.name() === "run")!
    .options.map((o) => o.long!)
    .filter((f) => f !== "--help");

  it("has a value for every flag", () => {
    expect(Object.keys(RUN_VALUES).sort()).toEqual([...flags].sort());
  });

  it.each(flags)("%s", async (flag) => {
    const saved = { ...process.env };
    try {
      for (const key of Object.keys(process.env)) if (key.startsWith("ECS_GITOPS_") || key === "AWS_ENDPOINT_URL") delete process.env[key];
      const baseline = comparable(await runOptions(RUN_BASELINES[flag] ?? []));
      expect(comparable(await runOptions(RUN_VALUES[flag]!))).not.toEqual(baseline);
    } finally {
      process.env = saved;
    }
  });
});

describe("every AWS flag of diff and apply changes the one-shot options", () => {
  const program = buildProgram({ out: () => {}, err: () => {} });
  const awsFlags = program.commands
    .find((c) => c.name() === "diff")!
    .options.map((o) => o.long!)
    .filter((f) => !["--help", "--output", "--stats", "--env"].includes(f));
  const VALUES: Record<string, AwsFlags> = {
    "--region": { region: "eu-north-1" },
    "--endpoint-url": { endpointUrl: "http://127.0.0.1:9" },
    "--cluster": { cluster: "blue" },
    "--owner": { owner: "team-x" },
    "--aws-rate-limit": { awsRateLimit: "0.25" },
    "--prune": { prune: true },
    "--allow-mass-delete": { allowMassDelete: true },
  };
  it("has a value for every flag", () => expect(Object.keys(VALUES).sort()).toEqual([...awsFlags].sort()));
  it.each(awsFlags)("%s", async (flag) => {
    expect(await oneShot("{}\n", VALUES[flag])).not.toEqual(await oneShot("{}\n"));
  });
});

/** The CreateDeployment input a CODE_DEPLOY service with `annotations` plans for a new revision. */
function codeDeployInput(annotations: Record<string, string>): unknown {
  const lb = { loadBalancers: [{ targetGroupArn: "tg", containerName: "app", containerPort: 80 }] };
  const manifest = manifestOf("Service", "web", { taskDefinition: "web", ...lb }, { annotations });
  const rollout = planRevisionRollout(manifest, { taskDefinition: "td:1" }, "CODE_DEPLOY", { display: "td:2", input: "td:2" }, "shop");
  return rollout.type === "deploy" ? rollout.call.input : undefined;
}

const ANNOTATION_EFFECTS: Record<string, Probe> = {
  "ecs-gitops/ignore-differences": () => {
    const manifest = manifestOf(
      "Service",
      "web",
      { taskDefinition: "web" },
      { annotations: { "ecs-gitops/ignore-differences": "desiredCount" } },
    );
    expect(ignoreRulesOf(manifest, planContext())).toEqual([["desiredCount"]]);
  },
  "ecs-gitops/adopt": () => {
    const adopt = manifestOf("Service", "web", { taskDefinition: "web" }, { annotations: { "ecs-gitops/adopt": "true" } });
    expect(ownership({}, adopt, planContext())).toBe("adoptable");
    expect(ownership({}, manifestOf("Service", "web", { taskDefinition: "web" }), planContext())).toBe("foreign");
  },
  "ecs-gitops/restartedAt": () => {
    const restart = manifestOf("Service", "web", { taskDefinition: "web" }, { annotations: { "ecs-gitops/restartedAt": "2025-06-01" } });
    expect(forceReasons(restart, {}, [], {})).toHaveLength(1);
    expect(forceReasons(restart, { "ecs-gitops:restarted-at": "2025-06-01" }, [], {})).toEqual([]);
    expect(forceReasons(manifestOf("Service", "web", { taskDefinition: "web" }), {}, [], {})).toEqual([]);
  },
  "ecs-gitops/codedeploy-application": () => {
    expect(codeDeployInput({ "ecs-gitops/codedeploy-application": "shop" })).toMatchObject({ applicationName: "shop" });
    expect(codeDeployInput({})).not.toHaveProperty("applicationName");
  },
  "ecs-gitops/codedeploy-deployment-group": () => {
    expect(codeDeployInput({ "ecs-gitops/codedeploy-deployment-group": "bg" })).toMatchObject({ deploymentGroupName: "bg" });
    expect(codeDeployInput({})).not.toHaveProperty("deploymentGroupName");
  },
  "ecs-gitops/sync": () => {
    const paused = (value: string) =>
      pausedFor(manifestOf("Service", "web", { taskDefinition: "web" }, { annotations: { "ecs-gitops/sync": value } }), {
        isSuspended: () => false,
        windows: [],
        now: WINDOW_NOW,
      });
    expect(paused("false")).toMatchObject({ reason: "SyncDisabled" });
    expect(paused("true")).toBeUndefined();
  },
  "ecs-gitops/prune": () => {
    // Carried as a tag, read by prune once the manifest has left git (prune-plan.test.ts keeps it).
    const keep = manifestOf("Service", "web", { taskDefinition: "web" }, { annotations: { "ecs-gitops/prune": "false" } });
    expect(desiredTags(keep, planContext())["ecs-gitops:prune"]).toBe("false");
    expect(desiredTags(manifestOf("Service", "web", { taskDefinition: "web" }), planContext())["ecs-gitops:prune"]).toBeUndefined();
  },
  "ecs-gitops/self-heal": () => {
    expect(selfHealOf({ annotations: { "ecs-gitops/self-heal": "true" } }, false)).toBe(true);
    expect(selfHealOf({ annotations: { "ecs-gitops/self-heal": "false" } }, true)).toBe(false);
  },
};

describe("every annotation has an effect or is refused", () => {
  it("lists every annotation the loader knows", () => {
    expect([...Object.keys(ANNOTATION_EFFECTS), ...UNSUPPORTED_ANNOTATIONS].sort()).toEqual(
      [...ANNOTATIONS, ...UNSUPPORTED_ANNOTATIONS].sort(),
    );
  });
  it.each(Object.keys(ANNOTATION_EFFECTS))("%s", (annotation) => ANNOTATION_EFFECTS[annotation]!());
  it.each([...UNSUPPORTED_ANNOTATIONS])("%s is refused as not supported yet", (annotation) => {
    const text =
      `apiVersion: ecs-gitops/v1\nkind: TaskDefinition\nmetadata:\n  name: web\n ` +
      ` annotations:\n    ${annotation}: "true"\nspec:\n  containerDefinitions: ` +
      `[{name: web, image: nginx, memory: 128}]\n`;
    const { problems, manifests } = loadManifestFiles([{ file: "td.yaml", bytes: encode(text) }]);
    expect(manifests).toEqual([]);
    expect(problems).toMatchObject([{ code: "InvalidValue", line: 6, message: expect.stringContaining("not supported yet") }]);
  });
});

async function cliRun(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

const E2E_FLAGS = path.resolve(import.meta.dirname, "../e2e/cli-flags.test.ts");
/** Commands with their own end-to-end file: their flags are proven there. */
const E2E_FLAG_FILES: Record<string, string> = {
  apply: path.resolve(import.meta.dirname, "../e2e/deploy-wait.test.ts"),
  restart: path.resolve(import.meta.dirname, "../e2e/deploy-ops.test.ts"),
  rollback: path.resolve(import.meta.dirname, "../e2e/deploy-ops.test.ts"),
  release: path.resolve(import.meta.dirname, "../e2e/deploy-ops.test.ts"),
  history: path.resolve(import.meta.dirname, "../e2e/deploy-ops.test.ts"),
};
const serviceYaml = "apiVersion: ecs-gitops/v1\nkind: Service\nmetadata: {name: api}\nspec:\n  taskDefinition: api:3\n";

/** The flags of the other commands proven here; the rest run end to end in E2E_FLAGS. */
const COMMAND_FLAGS: Record<string, Probe> = {
  "validate --output": async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "flags-"));
    await writeFile(path.join(dir, "svc.yaml"), serviceYaml);
    const text = await cliRun("validate", dir, "--cluster", "blue");
    expect(JSON.parse((await cliRun("validate", dir, "--cluster", "blue", "--output", "json")).out)).toMatchObject({ ok: true });
    expect(() => JSON.parse(text.out) as unknown).toThrow();
  },
  "validate --cluster": async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "flags-"));
    await writeFile(path.join(dir, "svc.yaml"), serviceYaml);
    const keys = async (...flags: string[]) =>
      (JSON.parse((await cliRun("validate", dir, "-o", "json", ...flags)).out) as { resources: { key: string }[] }).resources.map(
        (r) => r.key,
      );
    expect(await keys("--cluster", "blue")).toEqual(["Service/blue/api"]);
    expect(await keys("--cluster", "green")).toEqual(["Service/green/api"]);
  },
  "status --url": async () => {
    const served = await serveStatus();
    try {
      expect((await cliRun("status", "--url", served.url)).out).toContain("Service/blue/api");
      expect((await cliRun("status", "--url", "http://127.0.0.1:9")).code).toBe(2);
    } finally {
      served.close();
    }
  },
  "status --output": async () => {
    const served = await serveStatus();
    try {
      expect(JSON.parse((await cliRun("status", "--url", served.url, "--output", "json")).out)).toMatchObject({
        resources: [{ key: "Service/blue/api" }],
      });
    } finally {
      served.close();
    }
  },
  "suspend --url": async () => {
    const served = await serveStatus();
    try {
      process.env["ECS_GITOPS_API_TOKEN"] = "t0ken";
      expect((await cliRun("suspend", "--url", served.url)).code).toBe(0);
      expect((await cliRun("suspend", "--url", "http://127.0.0.1:9")).code).toBe(2);
    } finally {
      delete process.env["ECS_GITOPS_API_TOKEN"];
      served.close();
    }
  },
  "resume --url": async () => {
    const served = await serveStatus();
    try {
      process.env["ECS_GITOPS_API_TOKEN"] = "t0ken";
      expect((await cliRun("resume", "--url", served.url)).code).toBe(0);
      expect((await cliRun("resume", "--url", "http://127.0.0.1:9")).code).toBe(2);
    } finally {
      delete process.env["ECS_GITOPS_API_TOKEN"];
      served.close();
    }
  },
  "import --out": async () => {
    const out = await mkdtemp(path.join(tmpdir(), "flags-import-"));
    const file = path.resolve(import.meta.dirname, "../fixtures/import/aws-actions-task-definition.json");
    expect((await cliRun("import", file)).out).toContain("kind: TaskDefinition");
    expect((await cliRun("import", file, "--out", out)).out).toContain("Wrote 1 manifest(s)");
  },
  ...LEASE_TABLE_FLAGS,
  "import --force": async () => {
    const out = await mkdtemp(path.join(tmpdir(), "flags-import-"));
    const file = path.resolve(import.meta.dirname, "../fixtures/import/aws-actions-task-definition.json");
    expect((await cliRun("import", file, "--out", out)).code).toBe(0);
    expect((await cliRun("import", file, "--out", out)).code).toBe(2);
    expect((await cliRun("import", file, "--out", out, "--force")).code).toBe(0);
  },
};

async function serveStatus(): Promise<{ url: string; close: () => void }> {
  const { createServer } = await import("node:http");
  const doc = {
    commit: "c1",
    source: { url: "x", branch: "main", path: "." },
    ready: true,
    resources: [{ key: "Service/blue/api", kind: "Service", name: "api", sync: "Synced", health: "Healthy" }],
    manifestErrors: [],
  };
  const server = createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(doc)));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

describe("every flag of the other commands has an effect", () => {
  const program = buildProgram({ out: () => {}, err: () => {} });
  // run and the shared AWS flags of diff/apply are proven above.
  const awsFlags = new Set(["--region", "--endpoint-url", "--cluster", "--owner", "--aws-rate-limit"]);
  // Subcommands too (`lease-table create`), named by their path.
  const walk = (c: Command, prefix: string): { name: string; command: Command }[] => [
    { name: `${prefix}${c.name()}`, command: c },
    ...c.commands.flatMap((sub) => walk(sub, `${prefix}${c.name()} `)),
  ];
  const flags = program.commands
    .filter((c) => c.name() !== "run" && c.name() !== "run-task")
    .flatMap((c) => walk(c, ""))
    .flatMap(({ name, command }) =>
      command.options
        .filter((o) => o.long !== "--help" && !((name === "diff" || name === "apply") && awsFlags.has(o.long!)))
        .map((o) => `${name} ${o.long!}`),
    );

  it("lists every flag of every command", () => {
    const listed = [
      ...Object.keys(COMMAND_FLAGS),
      ...["validate", "render", "diff", "apply"].map((c) => `${c} --env`),
      "diff --output",
      "diff --stats",
      "apply --dry-run",
      "apply --output",
      "apply --stats",
      "apply --wait",
      "apply --wait-timeout",
      "rollback --to",
      ...["--url", "--output", "--region", "--endpoint-url", "--aws-rate-limit"].map((f) => `history ${f}`),
      ...["restart", "rollback", "release"].flatMap((c) =>
        ["--region", "--endpoint-url", "--owner", "--aws-rate-limit"].map((f) => `${c} ${f}`),
      ),
      ...["diff", "apply"].flatMap((c) => [`${c} --prune`, `${c} --allow-mass-delete`]),
      ...["--cluster", "--services", "--rules", "--all-rules", "--event-bus", "--out", "--force", "--region", "--endpoint-url"].map(
        (f) => `export ${f}`,
      ),
    ];
    expect(listed.sort()).toEqual([...flags].sort());
  });

  it.each(flags.filter((f) => COMMAND_FLAGS[f] === undefined))("%s is run end to end in test/e2e/cli-flags.test.ts", async (flag) => {
    const name = flag.slice(flag.lastIndexOf(" ") + 1);
    const command = flag.slice(0, flag.lastIndexOf(" "));
    const own = E2E_FLAG_FILES[command!];
    const text = (await readFile(E2E_FLAGS, "utf8")) + (own === undefined ? "" : await readFile(own, "utf8"));
    expect(text).toContain(`"${name!}"`);
    expect(text).toContain(`"${command!}"`);
  });

  it.each(Object.keys(COMMAND_FLAGS))("%s", (flag) => COMMAND_FLAGS[flag]!());
});

describe("every flag of run-task is run end to end in test/e2e/run-task.test.ts", () => {
  const flags = buildProgram({ out: () => {}, err: () => {} })
    .commands.find((c) => c.name() === "run-task")!
    .options.map((o) => o.long!)
    .filter((f) => f !== "--help");
  it.each(flags)("%s", async (flag) => {
    const text = await readFile(path.resolve(import.meta.dirname, "../e2e/run-task.test.ts"), "utf8");
    expect(text).toContain(`"${flag}"`);
  });
});
