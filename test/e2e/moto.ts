import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomInt } from "node:crypto";
import { createServer } from "node:net";
import path from "node:path";

/** moto_server, the local ECS/EventBridge/EC2 emulator (docs/moto.md). */
export type MotoServer = {
  endpoint: string;
  port: number;
  /** Settles when the ECS backend is loaded (its first call costs 0.6–0.9 s). */
  warmedUp: Promise<void>;
  stop(): Promise<void>;
};

export const MOTO_REGION = "us-east-1";
export const MOTO_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

const INSTALL_HINT = "pip install 'moto[server]==5.2.1'";
const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 3_000;

/** A port nothing listens on right now (loopback). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntilReady(endpoint: string, child: ChildProcess, exited: Promise<unknown>, log: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let stopped = false;
  void exited.then(() => (stopped = true));
  while (Date.now() < deadline) {
    if (stopped) throw new Error(`moto_server exited before it was ready (exit ${String(child.exitCode ?? child.signalCode)}):\n${log()}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`moto_server on ${endpoint} not ready after ${READY_TIMEOUT_MS} ms:\n${log()}`);
}

/** One cheap ECS call: makes moto load its ECS backend now rather than in the first test. */
async function warmUp(endpoint: string): Promise<void> {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "AmazonEC2ContainerServiceV20141113.ListClusters",
      // moto routes by the credential scope of the (unverified) signature.
      authorization: `AWS4-HMAC-SHA256 Credential=test/20240101/${MOTO_REGION}/ecs/aws4_request, SignedHeaders=host, Signature=0`,
      "x-moto-account-id": "000000000000",
    },
    body: "{}",
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`moto_server warm-up answered HTTP ${response.status}`);
}

/**
 * moto_server's environment: its Python loads test/e2e/moto-patches/sitecustomize.py first, which
 * makes the tag filter of DescribeServices a per-request setting (docs/moto.md#tags-of-concurrent-describes)
 * and, unless `timestamps` is false, stamps revisions and deployments as AWS does
 * (docs/moto.md#timestamps-of-revisions-and-deployments).
 */
function motoEnv(timestamps: boolean): NodeJS.ProcessEnv {
  const patches = path.join(import.meta.dirname, "moto-patches");
  const inherited = process.env["PYTHONPATH"];
  const env = { ...process.env, PYTHONPATH: inherited ? `${patches}${path.delimiter}${inherited}` : patches };
  return timestamps ? env : { ...env, ECS_GITOPS_MOTO_TIMESTAMPS: "off" };
}

/**
 * Starts moto_server on a free loopback port (or `port`, e.g. to restart one in place) and waits
 * until it answers (`timestamps: false`: without the timestamp patches, as moto 5.2.1 ships).
 * `warmUp: "await"` (the default) also waits for the ECS backend to load;
 * `"background"` lets it load while tests start.
 */
export async function startMoto(
  options: { warmUp?: "await" | "background"; port?: number; timestamps?: boolean } = {},
): Promise<MotoServer> {
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "pipe", "pipe"],
    env: motoEnv(options.timestamps ?? true),
  });
  let output = "";
  const append = (data: Buffer) => {
    output = (output + data.toString()).slice(-4_000);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const spawned = new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", (error: NodeJS.ErrnoException) => {
      reject(error.code === "ENOENT" ? new Error(`moto_server is not installed (needed by the end-to-end tests): ${INSTALL_HINT}`) : error);
    });
  });
  // A crashed or interrupted test run must not leave the emulator behind.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  const stop = async (): Promise<void> => {
    process.removeListener("exit", killOnExit);
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  try {
    await spawned;
    await waitUntilReady(endpoint, child, exited, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  const warmedUp = warmUp(endpoint);
  if (options.warmUp === "background") {
    warmedUp.catch(() => undefined); // whoever awaits `warmedUp` sees the failure
  } else {
    try {
      await warmedUp;
    } catch (error) {
      await stop();
      throw error;
    }
  }
  return { endpoint, port, warmedUp, stop };
}

const issued = new Set<string>();

/**
 * A fresh 12-digit account id: each test works in its own moto account (header
 * `x-moto-account-id`), so parallel test files need no reset. Random, so separate worker
 * processes do not collide; never the documented sample id 123456789012.
 */
export function newAccountId(): string {
  for (;;) {
    const id = String(randomInt(100_000_000_000, 999_999_999_999));
    if (!issued.has(id) && id !== "123456789012") {
      issued.add(id);
      return id;
    }
  }
}

export type DefaultNetwork = { vpcId: string; subnets: string[]; securityGroups: string[] };

/** The default VPC's subnets and `default` security group of one moto account (ids differ per account). */
export async function defaultNetwork(endpoint: string, accountId: string, region: string = MOTO_REGION): Promise<DefaultNetwork> {
  // Loaded on first use: the EC2 client is large, and vitest's global setup imports this module.
  const { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, EC2Client } = await import("@aws-sdk/client-ec2");
  const ec2 = new EC2Client({ endpoint, region, credentials: MOTO_CREDENTIALS, maxAttempts: 1 });
  ec2.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers !== undefined) request.headers["x-moto-account-id"] = accountId;
      return next(args);
    },
    { step: "build" },
  );
  try {
    const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "default-for-az", Values: ["true"] }] }));
    const vpcId = subnets.Subnets?.[0]?.VpcId;
    if (vpcId === undefined) throw new Error(`moto account ${accountId} has no default subnets in ${region}`);
    const groups = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: "vpc-id", Values: [vpcId] },
          { Name: "group-name", Values: ["default"] },
        ],
      }),
    );
    return {
      vpcId,
      subnets: (subnets.Subnets ?? []).flatMap((subnet) =>
        subnet.VpcId === vpcId && subnet.SubnetId !== undefined ? [subnet.SubnetId] : [],
      ),
      securityGroups: (groups.SecurityGroups ?? []).flatMap((group) => (group.GroupId === undefined ? [] : [group.GroupId])),
    };
  } finally {
    ec2.destroy();
  }
}
