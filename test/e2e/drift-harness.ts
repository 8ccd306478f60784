import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { Controller } from "../../src/controller/controller.js";
import { createLogger } from "../../src/controller/log.js";
import type { CommitLoadLimits } from "../../src/source/commit-load.js";
import type { StatusDocument } from "../../src/state/status.js";
import { MOTO_REGION } from "./moto.js";
import type { DefaultNetwork } from "./moto.js";
import { git } from "./git.js";
import { examplesAccount } from "../support/examples-account.js";
export { git };

/*
 * Helpers for the drift end-to-end tests: a moto account with the examples committed to a real
 * git repo, a real HTTP receiver for webhook alerts, and an in-process controller whose log lines
 * and AWS calls the test can read.
 */

/** Commit everything in `dir`; returns the new HEAD. */
export async function commitAll(dir: string, message: string): Promise<string> {
  await git(dir, "add", "-A");
  await git(dir, "commit", "--quiet", "-m", message);
  return git(dir, "rev-parse", "HEAD");
}

/** Bounded polling, no fixed sleeps: resolves as soon as `condition` holds. */
export async function eventually<T>(
  condition: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One moto account with the `shop` cluster and examples/ committed to a fresh git repo. */
export type World = {
  endpoint: string;
  accountId: string;
  network: DefaultNetwork;
  /** The git checkout the controller follows. */
  dir: string;
  ecs: ECSClient;
  events: EventBridgeClient;
  arn: { taskDefinition: (family: string, revision: number) => string; rule: (name: string) => string; service: (name: string) => string };
  close(): Promise<void>;
};

export async function createWorld(endpoint: string): Promise<World> {
  const { accountId, network, ecs, events, dir, destroy } = await examplesAccount(endpoint, { maxAttempts: 1 });
  await git(dir, "init", "--quiet", "-b", "main");
  await commitAll(dir, "examples");
  const prefix = `arn:aws:ecs:${MOTO_REGION}:${accountId}`;
  return {
    endpoint,
    accountId,
    network,
    dir,
    ecs,
    events,
    arn: {
      taskDefinition: (family, revision) => `${prefix}:task-definition/${family}:${revision}`,
      rule: (name) => `arn:aws:events:${MOTO_REGION}:${accountId}:rule/${name}`,
      service: (name) => `${prefix}:service/shop/${name}`,
    },
    close: async () => {
      destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One webhook alert as a receiver sees it, read back from the Slack-compatible body. */
export type Delivery = { type: string; key: string; title: string; action?: string; resolution?: string; text: string; atMs: number };
/** What the receiver answers to the n-th request: a status, or nothing ever. */
export type ReceiverBehaviour = (n: number) => number | "hang";

type SlackBody = { text: string; blocks: { type: string; text?: { text: string }; fields?: { text: string }[] }[] };

/** A real HTTP server on 127.0.0.1:0 that records every alert POSTed to it. */
export class AlertReceiver {
  readonly deliveries: Delivery[] = [];
  requests = 0;
  url = "";
  readonly #server: Server;

  private constructor(behaviour: ReceiverBehaviour) {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const answer = behaviour(this.requests++);
        if (answer === "hang") return;
        if (answer < 300)
          this.deliveries.push(parseDelivery(String(req.headers["x-ecs-gitops-event"]), Buffer.concat(chunks).toString("utf8")));
        res.writeHead(answer, { "content-type": "text/plain" }).end(answer < 300 ? "ok" : "nope");
      });
    });
  }

  static async start(behaviour: ReceiverBehaviour = () => 200): Promise<AlertReceiver> {
    const receiver = new AlertReceiver(behaviour);
    await new Promise<void>((resolve) => receiver.#server.listen(0, "127.0.0.1", resolve));
    const { port } = receiver.#server.address() as AddressInfo;
    receiver.url = `http://127.0.0.1:${port}/alerts`;
    return receiver;
  }

  /** Deliveries of one alert type for one key (updates of an open episode included). */
  count(type: string, key: string, filter: (d: Delivery) => boolean = () => true): number {
    return this.deliveries.filter((d) => d.type === type && d.key === key && filter(d)).length;
  }

  find(type: string, key: string): Delivery | undefined {
    return this.deliveries.find((d) => d.type === type && d.key === key);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

function parseDelivery(type: string, body: string): Delivery {
  const message = JSON.parse(body) as SlackBody;
  const header = message.blocks[0]?.text?.text ?? "";
  const split = header.indexOf(": ");
  const facts = new Map((message.blocks[1]?.fields ?? []).map((f) => f.text.split("\n") as [string, string]));
  const delivery: Delivery = { type, title: header.slice(0, split), key: header.slice(split + 2), text: message.text, atMs: Date.now() };
  const action = facts.get("*Action*");
  const resolution = facts.get("*Resolution*");
  if (action !== undefined) delivery.action = action;
  if (resolution !== undefined) delivery.resolution = resolution;
  return delivery;
}

/** A parsed controller log line (pino JSON). */
export type LogLine = { time: number; level: number; msg: string; key?: string; [field: string]: unknown };

// What #record logs once per key per reconcile, whatever the outcome.
const RECONCILE_MESSAGES = new Set([
  "reconciled",
  "applied",
  "drift reverted",
  "blocked",
  "reconcile failed, will retry",
  "reconcile failed, stalled until the next commit",
]);

export type ControllerRun = {
  controller: Controller;
  port: number;
  lines: LogLine[];
  /** Epoch ms of each finished reconcile of `key`. */
  reconciles(key: string, sinceMs?: number): number[];
  /** AWS writes the controller logged for `key` since `sinceMs` (from the "applied" / "drift reverted" lines). */
  writesFor(key: string, sinceMs?: number): string[];
  status(): Promise<StatusDocument>;
  /** Resolves once every resource is Synced and no AWS write happened for `quietMs`. */
  converged(timeoutMs?: number): Promise<void>;
  /** Resolves after `key` finished `cycles` more reconciles. */
  cycles(key: string, cycles: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
};

export type RunOptions = {
  mode?: "sync" | "observe";
  selfHeal?: boolean;
  automated?: boolean;
  alertWebhook?: string;
  alertEventBus?: string;
  resyncMs: number;
  commitLoadLimits?: CommitLoadLimits;
  /** The workdir of an earlier run, to restart with (the caller removes it); a fresh temp dir by default. */
  workDir?: string;
  /** Bearer token of the state-changing API (suspend, resume); unset: those endpoints answer 404. */
  apiToken?: string;
  /** The controller's wall clock; unset: the system clock. */
  now?: () => Date;
};

/** Runs `body` against a fresh world and a controller following it; both are stopped afterwards, however `body` ends. */
export async function withController(
  endpoint: string,
  options: RunOptions,
  body: (world: World, run: ControllerRun) => Promise<void>,
): Promise<void> {
  const world = await createWorld(endpoint);
  const run = await runController(world, options);
  try {
    await body(world, run);
  } finally {
    await run.stop();
    await world.close();
  }
}

/** The controller in-process against `world`, logging at debug level into memory. */
export async function runController(world: World, options: RunOptions): Promise<ControllerRun> {
  const ownWorkDir = options.workDir === undefined;
  const workDir = options.workDir ?? (await mkdtemp(path.join(tmpdir(), "ecs-gitops-drift-")));
  const lines: LogLine[] = [];
  let partial = "";
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const text = partial + chunk.toString("utf8");
      const parts = text.split("\n");
      partial = parts.pop() ?? "";
      for (const part of parts) if (part.trim() !== "") lines.push(JSON.parse(part) as LogLine);
      callback();
    },
  });
  const log = createLogger({ level: "debug", destination, pretty: false });
  const controller = new Controller({
    repo: world.dir,
    branch: undefined,
    path: ".",
    intervalMs: 250,
    resyncMs: options.resyncMs,
    mode: options.mode ?? "sync",
    // Unset like an absent flag: ecs-gitops.yaml (or the default) decides.
    automated: options.automated,
    selfHeal: options.selfHeal,
    port: 0,
    host: "127.0.0.1",
    owner: "ecs-gitops",
    region: MOTO_REGION,
    endpoint: world.endpoint,
    cluster: undefined,
    workDir,
    webhookSecret: undefined,
    apiToken: options.apiToken,
    alertWebhook: options.alertWebhook,
    alertWebhookSecret: undefined,
    alertEventBus: options.alertEventBus,
    ignoreDifferences: [],
    shutdownTimeoutMs: 5_000,
    rateLimit: false, // moto has no throttling to respect
    // moto never finishes a rollout (docs/moto.md#no-deployment-lifecycle): services look Progressing and are polled at
    // this period, so it equals the resync period and every key keeps one pace.
    progressPollMs: options.resyncMs,
    log,
    accountIdHeader: world.accountId,
    commitLoadLimits: options.commitLoadLimits,
    now: options.now,
  });
  const port = await controller.start();
  const reconciles = (key: string, sinceMs = 0) =>
    lines.filter((l) => l.key === key && RECONCILE_MESSAGES.has(l.msg) && l.time >= sinceMs).map((l) => l.time);
  const status = async (): Promise<StatusDocument> => {
    // With an API token set, /status asks for it too (docs/dashboard.md#access).
    const auth: Record<string, string> = options.apiToken ? { authorization: `Bearer ${options.apiToken}` } : {};
    const response = await fetch(`http://127.0.0.1:${port}/status`, { headers: auth });
    return (await response.json()) as StatusDocument;
  };
  return {
    controller,
    port,
    lines,
    reconciles,
    writesFor: (key, sinceMs = 0) =>
      lines
        .filter((l) => l.key === key && (l.msg === "applied" || l.msg === "drift reverted") && l.time >= sinceMs)
        .flatMap((l) => l["calls"] as string[]),
    status,
    converged: async (timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      const left = () => Math.max(0, deadline - Date.now());
      const doc = await eventually(
        async () => {
          const now = await status();
          return now.resources.length > 0 && now.resources.every((r) => r.sync === "Synced") ? now : undefined;
        },
        left(),
        "every resource Synced",
      );
      const keys = doc.resources.map((r) => r.key);
      // Converged: every key went through two more reconciles and nothing was written meanwhile
      // (moto's ignored CreateService fields cost one UpdateService a cycle after the create).
      for (;;) {
        const writes = controller.calls.writes();
        const marks = keys.map((key) => reconciles(key).length);
        await eventually(() => keys.every((key, i) => reconciles(key).length >= marks[i]! + 2), left(), "two quiet cycles");
        if (controller.calls.writes() === writes && (await status()).resources.every((r) => r.sync === "Synced")) return;
      }
    },
    cycles: async (key, cycles, timeoutMs = 20 * options.resyncMs + 5_000) => {
      const start = reconciles(key).length;
      await eventually(() => reconciles(key).length >= start + cycles, timeoutMs, `${cycles} reconciles of ${key}`);
    },
    stop: async () => {
      await controller.stop();
      // DRIFT_DEBUG=1 keeps each controller's debug log in the temp dir, to read after a failed run.
      if (process.env["DRIFT_DEBUG"])
        await writeFile(path.join(tmpdir(), `drift-${world.accountId}.log`), lines.map((l) => JSON.stringify(l)).join("\n"));
      if (ownWorkDir) await rm(workDir, { recursive: true, force: true });
    },
  };
}

/** Writes (by operation) between two call-accounting snapshots. */
export function writesBetween(
  before: Record<string, { kind: string; calls: number }>,
  after: Record<string, { kind: string; calls: number }>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [op, stats] of Object.entries(after)) {
    const delta = stats.calls - (before[op]?.calls ?? 0);
    if (stats.kind === "write" && delta > 0) out[op] = delta;
  }
  return out;
}

/**
 * A minimal SQS client over moto's JSON protocol (the SDK's SQS client is not a dependency of
 * this project): enough to create a queue and read what an EventBridge rule delivered to it.
 */
export class MotoQueue {
  readonly arn: string;
  readonly #endpoint: string;
  readonly #accountId: string;
  readonly #url: string;

  private constructor(endpoint: string, accountId: string, name: string, url: string) {
    this.#endpoint = endpoint;
    this.#accountId = accountId;
    this.#url = url;
    this.arn = `arn:aws:sqs:${MOTO_REGION}:${accountId}:${name}`;
  }

  static async create(endpoint: string, accountId: string, name: string): Promise<MotoQueue> {
    const created = (await sqs(endpoint, accountId, "CreateQueue", { QueueName: name })) as { QueueUrl: string };
    return new MotoQueue(endpoint, accountId, name, created.QueueUrl);
  }

  /** Every EventBridge event waiting in the queue (as delivered: `detail-type`, `source`, `detail` …). */
  async receive(): Promise<{ source: string; "detail-type": string; resources: string[]; detail: Record<string, unknown> }[]> {
    const out = (await sqs(this.#endpoint, this.#accountId, "ReceiveMessage", { QueueUrl: this.#url, MaxNumberOfMessages: 10 })) as {
      Messages?: { Body: string }[];
    };
    return (out.Messages ?? []).map(
      (m) => JSON.parse(m.Body) as { source: string; "detail-type": string; resources: string[]; detail: Record<string, unknown> },
    );
  }
}

async function sqs(endpoint: string, accountId: string, operation: string, body: object): Promise<unknown> {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": `AmazonSQS.${operation}`,
      // moto routes by the credential scope of the (unverified) signature.
      authorization: `AWS4-HMAC-SHA256 Credential=test/20240101/${MOTO_REGION}/sqs/aws4_request, SignedHeaders=host, Signature=0`,
      "x-moto-account-id": accountId,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`sqs ${operation}: HTTP ${response.status} ${text}`);
  return JSON.parse(text) as unknown;
}
