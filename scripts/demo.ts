/**
 * `npm run demo`: ecs-gitops end to end on this machine, in under a minute. Starts moto_server (a
 * local ECS/EventBridge emulator), commits examples/ to a temp git repo, runs the controller
 * in-process with self-heal, deploys a new image from git, changes production by hand, and shows
 * the drift alert and the heal. Leaves nothing behind.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { CreateClusterCommand, DescribeServicesCommand, ECSClient, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { Controller } from "../src/controller/controller.js";
import { createLogger } from "../src/controller/log.js";
import type { StatusDocument } from "../src/state/status.js";
import { copyExamples, editFile } from "../test/e2e/desired-repo.js";
import { defaultNetwork, MOTO_CREDENTIALS, MOTO_REGION, startMoto } from "../test/e2e/moto.js";
import type { MotoServer } from "../test/e2e/moto.js";

const RESYNC_MS = 1_000;
/** moto's default account: no isolation header needed on a moto_server of our own. */
const ACCOUNT = "123456789012";
const started = performance.now();

// Credentials for moto only (it does not check them); never the user's own.
process.env["AWS_ACCESS_KEY_ID"] = MOTO_CREDENTIALS.accessKeyId;
process.env["AWS_SECRET_ACCESS_KEY"] = MOTO_CREDENTIALS.secretAccessKey;
delete process.env["AWS_SESSION_TOKEN"];
delete process.env["AWS_PROFILE"];
// The SDK's notice about its future Node.js floor would interrupt the narration.
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

const seconds = () => `${((performance.now() - started) / 1000).toFixed(1)}s`;
const say = (text: string) => console.log(`[${seconds().padStart(5)}] ${text}`);
const detail = (text: string) => console.log(`          ${text}`);

const gitEnv: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: "ecs-gitops demo",
  GIT_AUTHOR_EMAIL: "demo@example.invalid",
  GIT_COMMITTER_NAME: "ecs-gitops demo",
  GIT_COMMITTER_EMAIL: "demo@example.invalid",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};
async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)("git", args, { cwd, env: gitEnv });
  return stdout.trim();
}
async function commit(dir: string, message: string): Promise<string> {
  await git(dir, "add", "-A");
  await git(dir, "commit", "--quiet", "-m", message);
  return (await git(dir, "rev-parse", "HEAD")).slice(0, 7);
}

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

type Alert = { type: string; text: string; lines: string[] };

/** A local webhook receiver: where a team's Slack would get the alerts. */
async function startReceiver(onAlert: (alert: Alert) => void): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(200).end("ok");
      const message = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { text: string; blocks: { text?: { text: string } }[] };
      // The "Live → desired" block is a code block, one changed field per line.
      const fields = message.blocks.map((b) => b.text?.text ?? "").find((t) => t.startsWith("*Live → desired*"));
      const lines =
        fields === undefined
          ? []
          : fields
              .replace(/^\*Live → desired\*\n```/, "")
              .replace(/```[\s\S]*$/, "")
              .split("\n");
      onAlert({ type: String(req.headers["x-ecs-gitops-event"]), text: message.text, lines });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`, server };
}

function writes(controller: Controller): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [op, stats] of Object.entries(controller.calls.snapshot().byOperation))
    if (stats.kind === "write" && stats.calls > 0) out[op] = stats.calls;
  return out;
}

function diffCounts(before: Record<string, number>, after: Record<string, number>): string {
  const parts = Object.entries(after)
    .map(([op, n]) => [op, n - (before[op] ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .map(([op, n]) => `${op} ×${n}`);
  return parts.length === 0 ? "no AWS writes" : parts.join(", ");
}

async function main(): Promise<number> {
  const cleanup: (() => Promise<unknown>)[] = [];
  let moto: MotoServer;
  say("Starting moto_server (local ECS + EventBridge emulator) ...");
  try {
    moto = await startMoto();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/not installed/.test(message)) {
      console.error("\nmoto_server is not installed. The demo runs ECS and EventBridge locally in moto (Python):");
      console.error("  pip install 'moto[server]==5.2.1'");
      console.error("then run `npm run demo` again.");
    } else {
      console.error(`\nCannot start moto_server: ${message}`);
    }
    return 1;
  }
  cleanup.push(() => moto.stop());
  try {
    say(`moto_server is up on ${moto.endpoint}`);
    const ecs = new ECSClient({ endpoint: moto.endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS });
    cleanup.unshift(async () => ecs.destroy());
    await ecs.send(new CreateClusterCommand({ clusterName: "shop" }));
    const network = await defaultNetwork(moto.endpoint, ACCOUNT);
    const repo = await copyExamples(network);
    cleanup.unshift(() => rm(repo, { recursive: true, force: true }));
    await git(repo, "init", "--quiet", "-b", "main");
    const first = await commit(repo, "shop: web, worker, nightly-report");
    say(`Created cluster "shop" and a git repo with examples/ (commit ${first}): 3 task definitions, 2 services, 1 scheduled rule`);

    const alerts: Alert[] = [];
    const receiver = await startReceiver((alert) => {
      alerts.push(alert);
      say(`ALERT (webhook) ${alert.text}`);
      for (const line of alert.lines) detail(`${line}   (live → desired)`);
    });
    cleanup.unshift(() => {
      receiver.server.closeAllConnections();
      return new Promise((resolve) => receiver.server.close(resolve));
    });

    const workDir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-demo-"));
    cleanup.push(() => rm(workDir, { recursive: true, force: true }));
    const controller = new Controller({
      repo,
      branch: undefined,
      path: ".",
      intervalMs: 500,
      resyncMs: RESYNC_MS,
      mode: "sync",
      automated: true,
      selfHeal: true,
      port: 0,
      host: "127.0.0.1",
      owner: "ecs-gitops",
      region: MOTO_REGION,
      endpoint: moto.endpoint,
      cluster: undefined,
      workDir,
      webhookSecret: undefined,
      alertWebhook: receiver.url,
      alertWebhookSecret: undefined,
      alertEventBus: undefined,
      ignoreDifferences: [],
      shutdownTimeoutMs: 5_000,
      rateLimit: false, // moto has no throttling to respect
      progressPollMs: RESYNC_MS,
      // The narration is the output: only errors from the controller itself.
      log: createLogger({ level: "error", pretty: true }),
    });
    const port = await controller.start();
    cleanup.unshift(() => controller.stop());
    say(`Controller running in-process: follows the repo, resync every ${RESYNC_MS / 1000}s, --self-heal, alerts to ${receiver.url}`);
    const status = async () => (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as StatusDocument;

    // 1. Initial sync: everything created, then quiet.
    let quietSince = Date.now();
    let last = "";
    await until("the initial sync", async () => {
      const now = JSON.stringify(writes(controller));
      if (now !== last) [last, quietSince] = [now, Date.now()];
      const doc = await status();
      return Date.now() - quietSince > 2 * RESYNC_MS && doc.resources.length === 6 && doc.resources.every((r) => r.sync === "Synced")
        ? doc
        : undefined;
    });
    say(`Initial sync done: ${diffCounts({}, writes(controller))}`);
    detail("(moto ignores some CreateService fields, so each service gets one UpdateService to complete them)");
    for (const r of (await status()).resources) detail(`${r.key.padEnd(38)} ${r.sync}, ${r.health}`);
    detail("(moto starts no tasks, so the services stay Progressing: 0 of their tasks run)");

    // 2. A deploy from git: a new image for web.
    let before = writes(controller);
    await editFile(repo, "web/task-definition.yaml", (t) => t.replace("shop/web:1.4.2", "shop/web:1.5.0"));
    const second = await commit(repo, "web: 1.5.0");
    say(`git commit ${second}: web image shop/web:1.4.2 → shop/web:1.5.0`);
    const service = async (name: string) =>
      (await ecs.send(new DescribeServicesCommand({ cluster: "shop", services: [name], include: ["TAGS"] }))).services?.[0];
    const deployed = await until("the deploy", async () => {
      const td = (await service("web"))?.taskDefinition;
      return td?.endsWith(":2") ? td : undefined;
    });
    await until("the deploy to settle", async () => ((await status()).resources.every((r) => r.sync === "Synced") ? true : undefined));
    say(`Deployed: web now runs ${deployed.split("/").pop()} (${diffCounts(before, writes(controller))})`);

    // 3. Someone scales worker by hand.
    before = writes(controller);
    await ecs.send(new UpdateServiceCommand({ cluster: "shop", service: "worker", desiredCount: 7 }));
    const changedAt = performance.now();
    say("By hand, through the AWS API: worker desiredCount 3 → 7 (git still says 3)");
    await until("the drift alert", () => alerts.find((a) => a.type === "drift.opened"));
    const resolved = await until("the heal", () => alerts.find((a) => a.type === "drift.resolved"));
    const desiredCount = (await service("worker"))?.desiredCount;
    const seconds = ((performance.now() - changedAt) / 1000).toFixed(1);
    say(
      `Self-heal put it back: worker desiredCount is ${desiredCount} again, ${seconds}s after the change ` +
        `(${diffCounts(before, writes(controller))})`,
    );
    if (desiredCount !== 3 || !resolved.text.includes("healed")) throw new Error("the drift was not healed");
    return 0;
  } catch (error) {
    console.error(`\nDemo failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    for (const step of cleanup) await step().catch(() => undefined);
    say("Stopped the controller and moto_server; removed the temp repo and work dir.");
  }
}

process.exitCode = await main();
