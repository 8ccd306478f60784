import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadCommitInline, loadCommitInWorker } from "../../../src/source/commit-load.js";
import type { CommitLoad, CommitLoadRequest } from "../../../src/source/commit-load.js";
import { CommitLoader, INCREMENTAL_BOUNDS } from "../../../src/source/incremental-load.js";
import { loadDesiredState } from "../../../src/resources/load.js";

const SETTINGS = "cluster: shop\nvars:\n  TAG: '1.4'\n";

const taskDefinition = (name: string, container: string, tag = "${TAG}") => `apiVersion: ecs-gitops/v1
kind: TaskDefinition
metadata:
  name: ${name}
spec:
  requiresCompatibilities: [FARGATE]
  networkMode: awsvpc
  cpu: 256
  memory: 512
  containerDefinitions:
    - name: ${container}
      image: public.ecr.aws/shop/${name}:${tag}
      essential: true
      portMappings:
        - containerPort: 8080
`;

const service = (name: string, family: string, container: string) => `apiVersion: ecs-gitops/v1
kind: Service
metadata:
  name: ${name}
spec:
  taskDefinition: ${family}
  desiredCount: 2
  launchType: FARGATE
  networkConfiguration:
    awsvpcConfiguration:
      subnets: [subnet-0a1b2c3d4e5f60001]
      securityGroups: [sg-0a1b2c3d4e5f60001]
  loadBalancers:
    - targetGroupArn: arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop-${name}/0123456789abcdef
      containerName: ${container}
      containerPort: 8080
`;

const rule = (name: string, family: string) => `apiVersion: ecs-gitops/v1
kind: ScheduledRule
metadata:
  name: ${name}
spec:
  scheduleExpression: cron(0 3 * * ? *)
  targets:
    - id: run
      taskDefinition: ${family}
      roleArn: arn:aws:iam::123456789012:role/shop-run-task
      launchType: FARGATE
      networkConfiguration:
        awsvpcConfiguration:
          subnets: [subnet-0a1b2c3d4e5f60001]
`;

/** What a load decides, without the locator closures (compared by value). */
const comparable = (load: CommitLoad) => ({
  configProblems: load.configProblems,
  problems: load.loaded?.problems,
  files: load.loaded?.files,
  manifests: load.loaded?.manifests.map((m) => JSON.parse(JSON.stringify(m)) as unknown),
});

// Each worker load starts a worker thread that loads the TypeScript sources through tsx: seconds on a busy machine.
describe("incremental commit loads (docs/scale.md#incremental-commit-loads)", { timeout: 120_000 }, () => {
  let dir: string;
  let workerLoads: number;
  let loader: CommitLoader;
  const request = (): CommitLoadRequest => ({ root: dir, cluster: undefined });
  const write = async (file: string, text: string) => {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  };
  /** The loader's answer, checked against a full load of the same tree and against the environment loader. */
  const loadAndCompare = async () => {
    const load = await loader.load(request());
    const full = await loadCommitInline(request());
    expect(comparable(load)).toEqual(comparable(full));
    if (full.loaded !== undefined) {
      const legacy = await loadDesiredState(dir, { defaultCluster: full.config.cluster });
      expect(comparable({ ...full, loaded: legacy })).toEqual(comparable(full));
    }
    return load;
  };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-incremental-"));
    workerLoads = 0;
    loader = new CommitLoader({
      inWorker: (req, limits) => {
        workerLoads += 1;
        return loadCommitInWorker(req, limits);
      },
    });
    await write("ecs-gitops.yaml", SETTINGS);
    await write("web/task-definition.yaml", taskDefinition("web", "web"));
    await write("web/service.yaml", service("web", "web", "web"));
    await write("worker/task-definition.yaml", taskDefinition("worker", "worker", "2.0"));
    await write("jobs/nightly.yaml", rule("nightly", "worker"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("parses only the changed files, in this thread, and answers what a full load answers", async () => {
    // The first commit too: every file is small and plain, so it is parsed here, without a worker.
    const first = await loadAndCompare();
    expect(loader.last).toEqual({ path: "incremental", parsed: 4 });
    expect(first.loaded?.manifests).toHaveLength(4);

    // A changed image.
    await write("web/task-definition.yaml", taskDefinition("web", "web", "1.5"));
    await loadAndCompare();
    expect(loader.last).toEqual({ path: "incremental", parsed: 1 });

    // A file added, one deleted, one renamed.
    await write("api/task-definition.yaml", taskDefinition("api", "api"));
    await loadAndCompare();
    expect(loader.last).toEqual({ path: "incremental", parsed: 1 });
    await rm(path.join(dir, "jobs/nightly.yaml"));
    expect((await loadAndCompare()).loaded?.manifests.map((m) => m.key)).not.toContain("ScheduledRule/default/nightly");
    expect(loader.last).toEqual({ path: "incremental", parsed: 0 });
    await rename(path.join(dir, "api/task-definition.yaml"), path.join(dir, "api/api.yaml"));
    expect((await loadAndCompare()).loaded?.manifests.find((m) => m.key === "TaskDefinition/api")?.file).toBe("api/api.yaml");
    expect(loader.last).toEqual({ path: "incremental", parsed: 1 });

    // A task definition that an unchanged service names loses the service's container: the
    // service's error is located in its own (unchanged, not re-parsed) file, at the field.
    await write("web/task-definition.yaml", taskDefinition("web", "app", "1.5"));
    const broken = await loadAndCompare();
    expect(loader.last).toEqual({ path: "incremental", parsed: 1 });
    const containerLine =
      service("web", "web", "web")
        .split("\n")
        .findIndex((l) => l.includes("containerName")) + 1;
    expect(broken.loaded?.problems).toContainEqual(
      expect.objectContaining({ file: "web/service.yaml", line: containerLine, severity: "error", key: "Service/shop/web" }),
    );
    expect(broken.loaded?.manifests.map((m) => m.key)).not.toContain("Service/shop/web");

    // A file broken, then fixed; a duplicate identity in another file.
    const good = await readFile(path.join(dir, "worker/task-definition.yaml"), "utf8");
    await write("worker/task-definition.yaml", good.replace("memory: 512", "memory: [512"));
    expect((await loadAndCompare()).loaded?.problems.some((p) => p.file === "worker/task-definition.yaml" && p.code === "YamlSyntax")).toBe(
      true,
    );
    await write("worker/task-definition.yaml", good);
    await write("web/task-definition.yaml", taskDefinition("web", "web", "1.6"));
    await write("copy.yaml", taskDefinition("worker", "worker"));
    expect((await loadAndCompare()).loaded?.problems.filter((p) => p.code === "DuplicateIdentity")).toHaveLength(2);
    expect(loader.last).toEqual({ path: "incremental", parsed: 3 });
    expect(workerLoads).toBe(0);
  });

  it("parses every file again here when the settings change; loads in the worker past the bounds and with environments", async () => {
    await loadAndCompare();
    await write("ecs-gitops.yaml", SETTINGS.replace("cluster: shop", "cluster: store"));
    expect((await loadAndCompare()).loaded?.manifests.map((m) => m.key)).toContain("Service/store/web");
    expect(loader.last).toEqual({ path: "incremental", parsed: 4 });
    // The same settings, another variable value: every file's render may change.
    await write("ecs-gitops.yaml", SETTINGS.replace("cluster: shop", "cluster: store").replace("'1.4'", "'1.5'"));
    await loadAndCompare();
    expect(loader.last).toEqual({ path: "incremental", parsed: 4 });
    expect(workerLoads).toBe(0);
    // Past the bounds: a changed file larger than the controller's thread parses.
    await write("big.yaml", `${taskDefinition("big", "big")}${"# padding\n".repeat(INCREMENTAL_BOUNDS.maxFileBytes / 10)}`);
    await loadAndCompare();
    expect(workerLoads).toBe(1);
    // Small files that could be slow to parse: nested flow lists, an anchor, many documents.
    await write("nested.yaml", `${taskDefinition("nested", "nested")}  junk: ${"[".repeat(100)}${"]".repeat(100)}\n`);
    await loadAndCompare();
    await write("anchor.yaml", taskDefinition("anchor", "anchor").replace("cpu: 256", "cpu: &cpu 256"));
    await loadAndCompare();
    await write("documents.yaml", "---\nkind: X\n".repeat(INCREMENTAL_BOUNDS.maxDocuments + 1));
    await loadAndCompare();
    expect(workerLoads).toBe(4);
    // An environment below the root: the environment loader reads the commit, and keeps no memo.
    await write("envs/prod/ecs-gitops.yaml", "bases: [../..]\nnamePrefix: prod-\n");
    await loadAndCompare();
    await write("web/task-definition.yaml", taskDefinition("web", "web", "1.7"));
    await loadAndCompare();
    expect(workerLoads).toBe(6);
    // Back to a plain commit: with no memo every file would be parsed, big.yaml too, so the worker loads it;
    // the next small change is incremental again.
    await rm(path.join(dir, "envs"), { recursive: true });
    await loadAndCompare();
    await write("web/task-definition.yaml", taskDefinition("web", "web", "1.8"));
    await loadAndCompare();
    expect(workerLoads).toBe(7);
    expect(loader.last).toEqual({ path: "incremental", parsed: 1 });
  });

  it("loads a whole commit past the bytes this thread may parse in the worker, each file within the bounds", async () => {
    const bounded = new CommitLoader({
      bounds: { ...INCREMENTAL_BOUNDS, maxChangedBytes: 1024 },
      inWorker: (req, limits) => {
        workerLoads += 1;
        return loadCommitInWorker(req, limits);
      },
    });
    await bounded.load(request());
    expect(bounded.last?.path).toBe("worker");
    await write("web/task-definition.yaml", taskDefinition("web", "web", "1.5"));
    await bounded.load(request());
    expect(bounded.last).toEqual({ path: "incremental", parsed: 1 });
    expect(workerLoads).toBe(1);
  });

  it("sends a problem in a large kept file to the worker, which locates it: never a large parse on this thread", async () => {
    const padded = `${service("web", "web", "web")}${"# padding\n".repeat(INCREMENTAL_BOUNDS.maxFileBytes / 10)}`;
    await write("web/service.yaml", padded);
    await loadAndCompare();
    expect(workerLoads).toBe(1);
    // No problem in the large file: it is kept, and nothing parses it.
    await write("web/task-definition.yaml", taskDefinition("web", "web", "1.5"));
    await loadAndCompare();
    expect(loader.last).toEqual({ path: "incremental", parsed: 1 });
    // Its service now names a container the family lost: the position is asked for in the large file.
    await write("web/task-definition.yaml", taskDefinition("web", "app", "1.5"));
    const broken = await loadAndCompare();
    expect(loader.last?.path).toBe("worker");
    expect(workerLoads).toBe(2);
    const containerLine = padded.split("\n").findIndex((l) => l.includes("containerName")) + 1;
    expect(broken.loaded?.problems).toContainEqual(
      expect.objectContaining({ file: "web/service.yaml", line: containerLine, severity: "error" }),
    );
  });

  it("counts documents ended by `...` as documents, as it counts those begun by `---`", async () => {
    await loadAndCompare();
    await write("ends.yaml", "a: 1\n...\n".repeat(INCREMENTAL_BOUNDS.maxDocuments + 1));
    await loadAndCompare();
    expect(loader.last?.path).toBe("worker");
    expect(workerLoads).toBe(1);
  });

  it("loads in the worker after a load that failed, and here when a broken settings file is fixed", async () => {
    await loadAndCompare();
    let fail = true;
    const failing = new CommitLoader({
      inWorker: (req, limits) => (fail ? Promise.reject(new Error("the loader died")) : loadCommitInWorker(req, limits)),
    });
    // A file past the bounds sends the commit to the worker, which fails; the next commit, all
    // small files, still goes there: it may hold what made the last load fail.
    await write("big.yaml", `${taskDefinition("big", "big")}${"# padding\n".repeat(INCREMENTAL_BOUNDS.maxFileBytes / 10)}`);
    await expect(failing.load(request())).rejects.toThrow("the loader died");
    await rm(path.join(dir, "big.yaml"));
    fail = false;
    await failing.load(request());
    expect(failing.last?.path).toBe("worker");
    await write("web/task-definition.yaml", taskDefinition("web", "web", "1.5"));
    await failing.load(request());
    expect(failing.last).toEqual({ path: "incremental", parsed: 1 });
    await write("web/task-definition.yaml", taskDefinition("web", "web"));
    await write("ecs-gitops.yaml", "cluster: [shop\n");
    const broken = await loader.load(request());
    expect(broken.loaded).toBeUndefined();
    expect(broken.configProblems.some((p) => p.severity === "error" && p.file === "ecs-gitops.yaml")).toBe(true);
    expect(loader.last?.path).toBe("incremental");
    await write("ecs-gitops.yaml", SETTINGS);
    await loadAndCompare();
    expect(loader.last?.path).toBe("incremental");
  });
});
