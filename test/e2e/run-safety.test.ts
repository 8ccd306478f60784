import { spawn } from "node:child_process";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { MALFORMED_REQUESTS, sendRaw } from "../support/raw-http.js";
import { ControllerProcess, GitRemote, killAllControllers, tempDir, writeLargeRepo } from "./controller-harness.js";
import { MOTO_CREDENTIALS, MOTO_REGION, newAccountId } from "./moto.js";

const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const CLI_MAIN = path.join(REPO_ROOT, "src/cli/main.ts");
const dirs: string[] = [];

afterAll(async () => {
  await killAllControllers();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function scratch(prefix: string): Promise<string> {
  const dir = await tempDir(prefix);
  dirs.push(dir);
  return dir;
}

type Finished = { code: number | null; signal: NodeJS.Signals | null; stdout: string; ms: number };

/** `ecs-gitops run` with these arguments, killed after `timeoutMs` if it has not exited by then. */
function runUntilExit(args: readonly string[], timeoutMs: number): Promise<Finished> {
  const started = performance.now();
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env))
    if (!name.startsWith("ECS_GITOPS_") && !name.startsWith("AWS_") && name !== "NODE_OPTIONS") env[name] = value;
  const child = spawn(process.execPath, ["--import", "tsx", CLI_MAIN, "run", ...args], {
    cwd: REPO_ROOT,
    env: {
      ...env,
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
      NODE_NO_WARNINGS: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, ms: Math.round(performance.now() - started) });
    });
  });
}

const baseArgs = (workDir: string) => [
  "--port",
  "0",
  "--host",
  "127.0.0.1",
  "--region",
  MOTO_REGION,
  "--endpoint-url",
  "http://127.0.0.1:9",
  "--workdir",
  workDir,
  "--log-level",
  "info",
];

describe("ecs-gitops run: fatal start errors", () => {
  it("exits 2 after closing the HTTP server when --repo does not exist", { timeout: 60_000 }, async () => {
    const root = await scratch("run-missing");
    const result = await runUntilExit(["--repo", path.join(root, "missing"), ...baseArgs(path.join(root, "work"))], 30_000);
    expect(result.signal, result.stdout).toBeNull();
    expect(result.code, result.stdout).toBe(2);
    expect(result.stdout).toContain("cannot start");
  });

  it("exits 2 when --repo is a folder that is not a git checkout", { timeout: 60_000 }, async () => {
    const root = await scratch("run-not-git");
    await mkdir(path.join(root, "plain"), { recursive: true });
    const result = await runUntilExit(["--repo", path.join(root, "plain"), ...baseArgs(path.join(root, "work"))], 30_000);
    expect(result.signal, result.stdout).toBeNull();
    expect(result.code, result.stdout).toBe(2);
  });

  it("exits 2 when its HTTP port is taken", { timeout: 60_000 }, async () => {
    const root = await scratch("run-port-taken");
    const content = path.join(root, "content");
    await writeLargeRepo(content, 1);
    const remote = await GitRemote.create(root, content);
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    try {
      const port = String((squatter.address() as AddressInfo).port);
      const args = baseArgs(path.join(root, "work")).map((a) => (a === "0" ? port : a));
      const result = await runUntilExit(["--repo", remote.url, ...args], 30_000);
      expect(result.signal, result.stdout).toBeNull();
      expect(result.code, result.stdout).toBe(2);
      expect(result.stdout).toContain("EADDRINUSE");
    } finally {
      squatter.close();
    }
  });
});

describe("ecs-gitops run: hostile HTTP", () => {
  it("stays up and keeps answering /healthz through a corpus of malformed requests on a raw socket", { timeout: 120_000 }, async () => {
    const root = await scratch("run-hostile-http");
    const content = path.join(root, "content");
    await writeLargeRepo(content, 1);
    const remote = await GitRemote.create(root, content);
    const controller = await ControllerProcess.start({
      repo: remote.url,
      endpoint: inject("motoEndpoint"),
      accountId: newAccountId(),
      workDir: path.join(root, "controller"),
      interval: "1h",
      resync: "1h",
    });
    for (const request of MALFORMED_REQUESTS) {
      await sendRaw(controller.port, request.bytes);
      expect(controller.isRunning, `${request.name}\n${controller.tail(20)}`).toBe(true);
    }
    const health = await fetch(controller.url("/healthz"), { signal: AbortSignal.timeout(5_000) });
    expect(health.status).toBe(200);
    expect(controller.logs.filter((l) => l.msg === "http request failed while answering")).toEqual([]);
    const exit = await controller.signal("SIGTERM");
    expect(exit.code).toBe(0);
  });
});
