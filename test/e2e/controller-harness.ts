import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  CreateClusterCommand,
  DescribeServicesCommand,
  ECSClient,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
} from "@aws-sdk/client-ecs";
import type { Service } from "@aws-sdk/client-ecs";
import { applyMotoAccountHeader } from "../../src/aws/account-header.js";
import { MOTO_CREDENTIALS, MOTO_REGION } from "./moto.js";
import { git } from "./git.js";

const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const CLI_MAIN = path.join(REPO_ROOT, "src/cli/main.ts");

// ---------------------------------------------------------------------------------------------
// Bounded polling

export type WaitOptions = { timeoutMs: number; intervalMs?: number };

/**
 * Poll `probe` until it returns something other than `undefined` / `false` (thrown errors count as
 * "not yet"); fails after `timeoutMs` naming what it waited for and the last error seen.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      const why = last === undefined ? "" : `; last error: ${last instanceof Error ? last.message : String(last)}`;
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
  }
}

// ---------------------------------------------------------------------------------------------
// Real git: a bare remote (file://) and a working clone that pushes to it

export type Push = { sha: string; /** performance.now() when `git push` returned. */ pushedAt: number };

/** A desired-state repository: `work` is a clone whose commits are pushed to the bare `url`. */
export class GitRemote {
  private constructor(
    readonly url: string,
    readonly work: string,
  ) {}

  /** A bare remote plus a clone holding a copy of `content`, committed and pushed to `main`. */
  static async create(root: string, content: string): Promise<GitRemote> {
    const bare = path.join(root, "remote.git");
    const work = path.join(root, "work");
    await mkdir(bare, { recursive: true });
    await git(bare, "init", "--bare", "--quiet", "-b", "main");
    await cp(content, work, { recursive: true });
    await git(work, "init", "--quiet", "-b", "main");
    await git(work, "remote", "add", "origin", bare);
    const remote = new GitRemote(`file://${bare}`, work);
    await remote.push("initial desired state");
    return remote;
  }

  async write(file: string, text: string): Promise<void> {
    await mkdir(path.dirname(path.join(this.work, file)), { recursive: true });
    await writeFile(path.join(this.work, file), text);
  }

  async edit(file: string, change: (text: string) => string): Promise<void> {
    const before = await readFile(path.join(this.work, file), "utf8");
    const after = change(before);
    if (after === before) throw new Error(`edit of ${file} changed nothing`);
    await writeFile(path.join(this.work, file), after);
  }

  /** Commit everything in the clone and push it. */
  async push(message: string): Promise<Push> {
    await git(this.work, "add", "-A");
    await git(this.work, "commit", "--quiet", "-m", message);
    await git(this.work, "push", "--quiet", "origin", "main");
    const pushedAt = performance.now();
    return { sha: await git(this.work, "rev-parse", "HEAD"), pushedAt };
  }
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `ecs-gitops-${prefix}-`));
}

/**
 * A repository of `families` task definitions (`app-00` …), each used by `servicesPerFamily`
 * services on cluster `shop` (`app-00`, `app-00-2` …): EC2 launch type and bridge networking, so
 * nothing depends on moto's per-account subnet ids. Returns each service's family.
 */
export async function writeLargeRepo(dir: string, families: number, servicesPerFamily = 1): Promise<Map<string, string>> {
  const services = new Map<string, string>();
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "ecs-gitops.yaml"), "cluster: shop\n");
  for (let i = 0; i < families; i++) {
    const family = `app-${String(i).padStart(2, "0")}`;
    await mkdir(path.join(dir, family), { recursive: true });
    const taskDefinition = [
      "apiVersion: ecs-gitops/v1",
      "kind: TaskDefinition",
      "metadata:",
      `  name: ${family}`,
      "spec:",
      "  requiresCompatibilities: [EC2]",
      "  networkMode: bridge",
      "  containerDefinitions:",
      `    - name: ${family}`,
      `      image: public.ecr.aws/nginx/nginx:1.${i}`,
      "      essential: true",
      "      memory: 128",
      "",
    ].join("\n");
    await writeFile(path.join(dir, family, "task-definition.yaml"), taskDefinition);
    for (let n = 1; n <= servicesPerFamily; n++) {
      const name = n === 1 ? family : `${family}-${n}`;
      services.set(name, family);
      const service = [
        "apiVersion: ecs-gitops/v1",
        "kind: Service",
        "metadata:",
        `  name: ${name}`,
        "spec:",
        "  cluster: shop",
        `  taskDefinition: ${family}`,
        "  desiredCount: 1",
        "  launchType: EC2",
        "",
      ];
      await writeFile(path.join(dir, family, `service-${n}.yaml`), service.join("\n"));
    }
  }
  return services;
}

// ---------------------------------------------------------------------------------------------
// AWS read-back

/** An ECS client on moto for one account, for creating the cluster and reading results back. */
export function ecsFor(endpoint: string, accountId: string): ECSClient {
  const ecs = new ECSClient({ endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS, maxAttempts: 1 });
  applyMotoAccountHeader(ecs.middlewareStack, accountId);
  return ecs;
}

export async function createCluster(ecs: ECSClient, name = "shop"): Promise<void> {
  await ecs.send(new CreateClusterCommand({ clusterName: name }));
}

/**
 * DescribeServices, always with `include: ["TAGS"]`: moto 5.2.1 keeps whether to return tags in a
 * class-level table that every request rewrites, so a test's describe without TAGS running next
 * to the controller's describe with TAGS can strip the tags from the controller's answer (and
 * make its own services look "not owned"). The tests' moto_server is patched against that
 * (docs/moto.md#tags-of-concurrent-describes); asking for TAGS keeps this safe on any moto.
 */
export async function describeServices(ecs: ECSClient, services: string[], cluster = "shop"): Promise<Service[]> {
  return (await ecs.send(new DescribeServicesCommand({ cluster, services, include: ["TAGS"] }))).services ?? [];
}

export async function describeService(ecs: ECSClient, service: string, cluster = "shop"): Promise<Service | undefined> {
  const [found] = await describeServices(ecs, [service], cluster);
  return found?.status === "ACTIVE" ? found : undefined;
}

export async function serviceTaskDefinition(ecs: ECSClient, service: string, cluster = "shop"): Promise<string | undefined> {
  return (await describeService(ecs, service, cluster))?.taskDefinition;
}

export type Inventory = { taskDefinitionArns: string[]; services: Map<string, string | undefined> };

/** What a large sync has produced so far: every task definition ARN and every ACTIVE service's task definition. */
export async function inventory(ecs: ECSClient, cluster = "shop"): Promise<Inventory> {
  const { taskDefinitionArns = [] } = await ecs.send(new ListTaskDefinitionsCommand({}));
  const { serviceArns = [] } = await ecs.send(new ListServicesCommand({ cluster }));
  const services = new Map<string, string | undefined>();
  for (let i = 0; i < serviceArns.length; i += 10) {
    const batch = serviceArns.slice(i, i + 10);
    for (const s of await describeServices(ecs, batch, cluster))
      if (s.status === "ACTIVE" && s.serviceName !== undefined) services.set(s.serviceName, s.taskDefinition);
  }
  return { taskDefinitionArns: [...taskDefinitionArns].sort(), services };
}

// ---------------------------------------------------------------------------------------------
// The controller as a child process

export type LogLine = { level: number; time: number; msg: string } & Record<string, unknown>;

export type ControllerRun = {
  repo: string;
  endpoint: string;
  accountId: string;
  workDir: string;
  interval: string;
  resync: string;
  webhookSecret?: string;
  logLevel?: "info" | "debug";
  extraArgs?: readonly string[];
  /** How long the process may take to listen (default 30 s): tsx compiles the sources at every start, slow on a loaded machine. */
  startTimeoutMs?: number;
  /** More environment for the child (ECS_GITOPS_API_TOKEN …). */
  env?: Readonly<Record<string, string>>;
  /** Node flags before the script (the bin script's memory flags, for a benchmark run as shipped). */
  nodeFlags?: readonly string[];
  /** Compiled JavaScript entry to run instead of src/cli/main.ts through tsx (a benchmark of the bin as shipped). */
  script?: string;
};

export type Exit = { code: number | null; signal: NodeJS.Signals | null; /** From the signal to the exit. */ ms: number };

const running = new Set<ControllerProcess>();
// A crashed or interrupted test run must not leave controllers behind.
process.once("exit", () => {
  for (const controller of running) controller.child.kill("SIGKILL");
});

/**
 * `ecs-gitops run` in a child process (`node --import tsx`, so no build step): JSON log lines
 * from stdout are collected in `logs`; the HTTP port is whatever the OS gave `--port 0`, read
 * from the "http listening" line.
 */
export class ControllerProcess {
  readonly logs: LogLine[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #stderr = "";
  #port: number | undefined;

  private constructor(child: ChildProcess) {
    this.child = child;
    this.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    void this.exited.then(() => running.delete(this));
    let partial = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) if (line.trim() !== "") this.logs.push(parseLine(line));
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-8_000);
    });
  }

  static async start(run: ControllerRun): Promise<ControllerProcess> {
    const entry = run.script === undefined ? ["--import", "tsx", CLI_MAIN] : [run.script];
    const args = [...(run.nodeFlags ?? []), ...entry, "run", "--repo", run.repo, "--endpoint-url", run.endpoint];
    args.push("--region", MOTO_REGION);
    args.push(
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      "--interval",
      run.interval,
      "--resync",
      run.resync,
      "--workdir",
      run.workDir,
      "--log-level",
      run.logLevel ?? "info",
      "--aws-rate-limit",
      "off",
      ...(run.extraArgs ?? []),
    );
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: childEnv(run), stdio: ["ignore", "pipe", "pipe"] });
    const controller = new ControllerProcess(child);
    running.add(controller);
    try {
      const listening = await controller.waitForLog(
        "the HTTP server to listen",
        (l) => l.msg === "http listening",
        run.startTimeoutMs ?? 30_000,
      );
      controller.#port = Number(listening["port"]);
    } catch (error) {
      await controller.signal("SIGKILL");
      throw error;
    }
    return controller;
  }

  get port(): number {
    if (this.#port === undefined) throw new Error("controller not listening yet");
    return this.#port;
  }

  url(pathname: string): string {
    return `http://127.0.0.1:${this.port}${pathname}`;
  }

  /** The last log lines and stderr, for a failed test's report. */
  tail(lines = 200): string {
    const logs = this.logs.slice(-lines).map((l) => JSON.stringify(l).slice(0, 1_000));
    return [`pid ${String(this.child.pid)}:`, ...logs, this.#stderr.trim() === "" ? "" : `stderr: ${this.#stderr.slice(-2_000)}`].join(
      "\n",
    );
  }

  get isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The first log line (from index `from` on) matching, waiting up to `timeoutMs`; fails early if the process exits. */
  async waitForLog(what: string, match: (line: LogLine) => boolean, timeoutMs: number, from = 0): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.logs.slice(from).find(match);
      if (found) return found;
      const exited = !this.isRunning;
      if (exited || Date.now() >= deadline) {
        const why = exited
          ? `the controller exited (${String(this.child.exitCode ?? this.child.signalCode)})`
          : `timed out after ${timeoutMs} ms`;
        throw new Error(`${why} waiting for ${what}\n${this.tail(15)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async getJson<T = Record<string, unknown>>(pathname: string): Promise<T> {
    const response = await fetch(this.url(pathname), { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`GET ${pathname}: HTTP ${response.status}`);
    return (await response.json()) as T;
  }

  async metrics(): Promise<string> {
    const response = await fetch(this.url("/metrics"), { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`GET /metrics: HTTP ${response.status}`);
    return response.text();
  }

  async isReady(): Promise<boolean> {
    const response = await fetch(this.url("/readyz"), { signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    return response.status === 200;
  }

  /** Send `signal` and wait for the exit (SIGKILL after `timeoutMs`, reported as such). */
  async signal(signal: NodeJS.Signals, timeoutMs = 15_000): Promise<Exit> {
    const started = performance.now();
    if (!this.isRunning) return { ...(await this.exited), ms: 0 };
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return { ...exit, ms: Math.round(performance.now() - started) };
  }
}

/** SIGKILL every controller still running (afterEach / afterAll). */
export async function killAllControllers(): Promise<void> {
  await Promise.all([...running].map((c) => c.signal("SIGKILL")));
}

function childEnv(run: ControllerRun): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    // Nothing from the test runner's own settings may steer the controller.
    if (name.startsWith("ECS_GITOPS_") || name.startsWith("AWS_") || name === "NODE_OPTIONS") continue;
    env[name] = value;
  }
  return {
    ...env,
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    AWS_REGION: MOTO_REGION,
    ECS_GITOPS_TEST_ACCOUNT_ID: run.accountId,
    // Scenarios poll every second and resync in seconds: below the floors real deployments get.
    ECS_GITOPS_ALLOW_SHORT_INTERVALS: "1",
    NODE_NO_WARNINGS: "1",
    ...(run.webhookSecret === undefined ? {} : { ECS_GITOPS_WEBHOOK_SECRET: run.webhookSecret }),
    ...run.env,
  };
}

function parseLine(line: string): LogLine {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === "object" && value !== null && "msg" in value) return value as LogLine;
  } catch {
    // not JSON: kept as text
  }
  return { level: 0, time: Date.now(), msg: line };
}

// ---------------------------------------------------------------------------------------------
// Webhook and metrics

/** POST /webhook as GitHub sends it; `signature` overrides the computed one (null: none). */
export async function postWebhook(
  controller: ControllerProcess,
  options: { secret: string; body?: string; signature?: string | null; event?: string },
): Promise<number> {
  const body = options.body ?? JSON.stringify({ ref: "refs/heads/main" });
  const signature = options.signature === undefined ? githubSignature(options.secret, body) : options.signature;
  const headers: Record<string, string> = { "content-type": "application/json", "x-github-event": options.event ?? "push" };
  if (signature !== null) headers["x-hub-signature-256"] = signature;
  const response = await fetch(controller.url("/webhook"), { method: "POST", headers, body, signal: AbortSignal.timeout(5_000) });
  await response.arrayBuffer();
  return response.status;
}

export function githubSignature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export type Sample = { name: string; labels: Record<string, string>; value: number };
export type Exposition = { samples: Sample[]; help: Map<string, string>; type: Map<string, string> };

// Values as Prometheus reads them (Go's ParseFloat: NaN and Inf in any case; prom-client writes `Nan`).
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?(?:[0-9.]+(?:e[+-]?[0-9]+)?)|[+-]?(?:nan|inf))(?: -?[0-9]+)?$/i;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;

/**
 * A strict reader of the Prometheus text format (0.0.4): every line is `# HELP`, `# TYPE`, or a
 * sample `name{labels} value`; throws on anything else, so a malformed line fails the test.
 */
export function parsePrometheus(text: string): Exposition {
  const out: Exposition = { samples: [], help: new Map(), type: new Map() };
  for (const [index, line] of text.split("\n").entries()) {
    if (line === "") continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      const [, what, name, rest] = meta as unknown as [string, "HELP" | "TYPE", string, string];
      if (what === "TYPE" && !["counter", "gauge", "histogram", "summary", "untyped"].includes(rest))
        throw new Error(`line ${index + 1}: unknown type ${rest}`);
      (what === "HELP" ? out.help : out.type).set(name, rest);
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`line ${index + 1} is not a Prometheus sample: ${line}`);
    const labels: Record<string, string> = {};
    const body = match[2] ?? "";
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < body.length) {
      const label = LABEL.exec(body);
      if (!label) throw new Error(`line ${index + 1}: malformed labels {${body}}`);
      labels[label[1]!] = label[2]!;
    }
    out.samples.push({ name: match[1]!, labels, value: parseValue(match[3]!) });
  }
  return out;
}

function parseValue(text: string): number {
  const lower = text.toLowerCase();
  if (lower.endsWith("nan")) return Number.NaN;
  if (lower.endsWith("inf")) return lower.startsWith("-") ? -Infinity : Infinity;
  return Number(text);
}

/** The family a sample belongs to (histogram and summary samples carry a suffix). */
export function familyOf(sample: string, types: ReadonlyMap<string, string>): string {
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    const base = sample.slice(0, -suffix.length);
    if (sample.endsWith(suffix) && (types.get(base) === "histogram" || types.get(base) === "summary")) return base;
  }
  return sample;
}

/** Sum of a metric's samples whose labels include `labels`. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  return parsePrometheus(text)
    .samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}
