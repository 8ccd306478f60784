/**
 * High-availability bench: S services over 10 clusters (one family per cluster), reconciled by 1
 * and then 3 replicas sharing 10 shard leases in moto's DynamoDB. For each replica count it
 * prints the time to converge the first commit (every CreateService) and a commit that changes
 * every cluster's image (every UpdateService), and each replica's peak RSS.
 *
 *   npm run bench:ha                 # 5,000 services
 *   BENCH_HA_SERVICES=1000 npm run bench:ha
 *
 * Writes bench/results/<date>-ha-<services>.json.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runCli } from "../src/cli/main.js";
import { ControllerProcess, createCluster, ecsFor, GitRemote, metricSum, tempDir } from "../test/e2e/controller-harness.js";
import { FaultProxy } from "../test/e2e/fault-proxy.js";
import { binNodeFlags } from "./node-flags.js";
import { MemorySampler } from "./ha-memory.js";
import type { PhaseMemory } from "./ha-memory.js";
import { MOTO_CREDENTIALS, MOTO_REGION, newAccountId, startMoto } from "../test/e2e/moto.js";

const SERVICES = Number(process.env["BENCH_HA_SERVICES"] ?? 5_000);
const CLUSTERS = Array.from({ length: 10 }, (_, i) => `ha-${i}`);
/** `BENCH_HA_LEASE=15s` runs with the default lease (default here: 3 s, to converge sooner). */
const LEASE = process.env["BENCH_HA_LEASE"] ?? "3s";
/** `BENCH_HA_BIN_FLAGS=1` starts each replica with the bin script's node flags, as the image runs it. */
const NODE_FLAGS = process.env["BENCH_HA_BIN_FLAGS"] === "1" ? binNodeFlags() : [];
/** `BENCH_HA_REPLICAS=3` runs one replica count only (default: 1 then 3). */
const REPLICA_COUNTS = (process.env["BENCH_HA_REPLICAS"] ?? "1,3").split(",").map(Number);
/** `BENCH_HA_LOG_DIR=dir` keeps each replica's JSON log there (`<replicas>-r<i>.jsonl`), for counting what it did. */
const LOG_DIR = process.env["BENCH_HA_LOG_DIR"];

async function writeRepo(dir: string, tag: string): Promise<void> {
  await writeFile(path.join(dir, "ecs-gitops.yaml"), "region: us-east-1\n");
  const perCluster = Math.ceil(SERVICES / CLUSTERS.length);
  for (const cluster of CLUSTERS) {
    const docs = [
      [
        "apiVersion: ecs-gitops/v1",
        "kind: TaskDefinition",
        `metadata: {name: app-${cluster}}`,
        "spec:",
        "  requiresCompatibilities: [EC2]",
        "  networkMode: bridge",
        `  containerDefinitions: [{name: app, image: "public.ecr.aws/bench/app:${tag}", essential: true, memory: 128}]`,
      ].join("\n"),
    ];
    for (let i = 0; i < perCluster; i++)
      docs.push(
        [
          "apiVersion: ecs-gitops/v1",
          "kind: Service",
          `metadata: {name: svc-${i}}`,
          `spec: {cluster: ${cluster}, taskDefinition: app-${cluster}, desiredCount: 1, launchType: EC2}`,
        ].join("\n"),
      );
    await mkdir(path.join(dir, cluster), { recursive: true });
    await writeFile(path.join(dir, cluster, "all.yaml"), docs.join("\n---\n") + "\n");
  }
}

type Result = {
  replicas: number;
  services: number;
  firstSyncS: number;
  imageChangeS: number;
  rssMiB: number[];
  /** Every UpdateService sent: above `services` when one was written twice. */
  updateServiceCalls: number;
  /** Reconciles whose write the lease fence refused (LeaseLost), over both commits. */
  fencedReconciles: number;
  /** Each replica's longest event-loop stall over the run (prom-client's monitor): a lease window must outlast it. */
  eventLoopLagMaxS: number[];
  /** How long the replicas took to share the shards fairly after they started (before the first commit). */
  balancedS: number;
  /** The machine's 1-minute load average when the image change converged (2 cores). */
  loadAverage: number;
  /** Each replica's peak RSS, V8 heap in use and memory outside the heap, per phase (sampled every 2 s). */
  memory: PhaseMemory[];
};

/**
 * Seconds until the shards are shared as the lease manager aims (every shard held, none above the
 * fair share ⌈shards / replicas⌉, every replica holding some), as the replicas' /status says: 4, 4
 * and 2 of 10 is as balanced as it gets, since nobody gives a shard back below the fair share.
 */
async function balanced(controllers: readonly ControllerProcess[]): Promise<number> {
  const started = performance.now();
  const fair = Math.ceil(CLUSTERS.length / controllers.length);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const held = await Promise.all(
      controllers.map(async (controller) => {
        const response = await fetch(controller.url("/status"), { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
        const document = (await response?.json().catch(() => undefined)) as { leases?: { shards: { held: boolean }[] } } | undefined;
        return document?.leases?.shards.filter((shard) => shard.held).length ?? 0;
      }),
    );
    const total = held.reduce((sum, n) => sum + n, 0);
    if ((total === CLUSTERS.length && held.every((n) => n >= 1 && n <= fair)) || performance.now() - started > 120_000)
      return (performance.now() - started) / 1000;
  }
}

async function scenario(endpoint: string, replicas: number, scratch: string): Promise<Result> {
  const accountId = newAccountId();
  const ecs = ecsFor(endpoint, accountId);
  for (const cluster of CLUSTERS) await createCluster(ecs, cluster);
  ecs.destroy();
  const content = path.join(scratch, `content-${replicas}`);
  await mkdir(content, { recursive: true });
  await writeFile(path.join(content, "ecs-gitops.yaml"), "region: us-east-1\n");
  const remote = await GitRemote.create(path.join(scratch, `repo-${replicas}`), content);
  const table = `bench-leases-${replicas}`;
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    ECS_GITOPS_TEST_ACCOUNT_ID: accountId,
  });
  await runCli(["lease-table", "create", table, "--endpoint-url", endpoint, "--region", MOTO_REGION], { out: () => {}, err: () => {} });
  const running: { proxy: FaultProxy; controller: ControllerProcess }[] = [];
  for (let r = 0; r < replicas; r++) {
    const proxy = new FaultProxy(endpoint);
    await proxy.start();
    const controller = await ControllerProcess.start({
      repo: remote.url,
      endpoint: proxy.endpoint,
      accountId,
      workDir: path.join(scratch, `work-${replicas}-${r}`),
      interval: "1s",
      resync: "30m",
      extraArgs: ["--lease-table", table, "--lease-duration", LEASE, "--shards", String(CLUSTERS.length), "--replica-id", `r${r}`],
      nodeFlags: NODE_FLAGS,
    });
    running.push({ proxy, controller });
  }
  /** The services each operation reached (a call repeated for one service counts once); read incrementally. */
  const services = new Map<string, Set<string>>();
  const read = running.map(() => 0);
  const reached = (operation: string) => {
    for (const [r, { proxy }] of running.entries()) {
      for (const request of proxy.requests.slice(read[r])) {
        if (request.operation !== "CreateService" && request.operation !== "UpdateService") continue;
        const body = JSON.parse(request.body) as { cluster?: string; service?: string; serviceName?: string };
        const set = services.get(request.operation) ?? new Set<string>();
        services.set(request.operation, set.add(`${body.cluster}/${body.service ?? body.serviceName}`));
      }
      read[r] = proxy.requests.length;
    }
    return services.get(operation) ?? new Set<string>();
  };
  /** Which clusters lag, and per replica what its leases did (acquired, lost, fenced writes). */
  const diagnose = (operation: string) => {
    const distinct = reached(operation);
    const byCluster = new Map<string, number>();
    for (const cluster of CLUSTERS) byCluster.set(cluster, 0);
    for (const name of distinct) byCluster.set(name.split("/")[0]!, (byCluster.get(name.split("/")[0]!) ?? 0) + 1);
    console.log(
      `  ${operation}: ${count(operation)} calls, ${distinct.size} distinct services; per cluster ${[...byCluster.values()].join(" ")}`,
    );
    for (const [r, { controller }] of running.entries()) {
      const events = new Map<string, number>();
      for (const line of controller.logs) {
        const code = typeof line["code"] === "string" ? ` ${line["code"]}` : "";
        if (/lease|retry/.test(line.msg)) events.set(line.msg + code, (events.get(line.msg + code) ?? 0) + 1);
      }
      console.log(`  r${r}: ${[...events].map(([msg, n]) => `${msg}: ${n}`).join("; ")}`);
    }
  };
  const count = (operation: string) => running.reduce((sum, r) => sum + (r.proxy.seen.get(operation) ?? 0), 0);
  const until = async (operation: string, n: number) => {
    const deadline = performance.now() + 30 * 60_000;
    let reported = performance.now();
    while (reached(operation).size < n) {
      if (performance.now() > deadline) diagnose(operation);
      if (performance.now() > deadline) throw new Error(`${operation}: ${reached(operation).size} of ${n} after 30 minutes`);
      if (performance.now() - reported > 30_000) {
        reported = performance.now();
        console.log(`  ${replicas} replica(s): ${reached(operation).size} of ${n} services reached by ${operation}`);
        diagnose(operation);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    diagnose(operation);
  };
  const sampler = new MemorySampler(running.map(({ controller }) => controller));
  // Let the replicas balance the shards before the first commit: a replica above its share gives
  // back one shard per lease tick, so with the 15 s lease that takes about 15 s, and a commit
  // pushed before would be read and planned by a replica about to let its shards go.
  const balancedS = await balanced(running.map(({ controller }) => controller));
  console.log(`  ${replicas} replica(s): shards balanced after ${balancedS.toFixed(1)} s`);
  sampler.phase("first sync");
  const total = Math.ceil(SERVICES / CLUSTERS.length) * CLUSTERS.length;
  await writeRepo(remote.work, "1.0");
  let started = performance.now();
  await remote.push("first sync");
  await until("CreateService", total);
  const firstSyncS = (performance.now() - started) / 1000;
  await writeRepo(remote.work, "1.1");
  sampler.phase("image change");
  started = performance.now();
  await remote.push("new image everywhere");
  await until("UpdateService", total);
  const imageChangeS = (performance.now() - started) / 1000;
  console.log(`  ${replicas} replica(s): first sync ${firstSyncS.toFixed(1)} s, image change ${imageChangeS.toFixed(1)} s`);
  const memory = await sampler.stop();
  for (const m of memory)
    console.log(
      `  peak per replica, ${m.phase}: RSS ${m.rssMiB.join("/")} MiB, heap ${m.heapUsedMiB.join("/")}, external ${m.externalMiB.join("/")}`,
    );
  // A replica busy with a wave may not answer within the harness's 5 s: ask again.
  const scrape = async (controller: ControllerProcess): Promise<string> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await controller.metrics();
      } catch (error) {
        if (attempt === 12) throw error;
      }
    }
  };
  const metrics = await Promise.all(running.map(({ controller }) => scrape(controller)));
  const rssMiB = metrics.map((text) => Math.round(metricSum(text, "process_resident_memory_bytes") / 2 ** 20));
  const eventLoopLagMaxS = metrics.map((text) => Math.round(metricSum(text, "nodejs_eventloop_lag_max_seconds") * 100) / 100);
  for (const { proxy, controller } of running) {
    await controller.signal("SIGTERM");
    await proxy.stop();
  }
  if (LOG_DIR !== undefined) {
    await mkdir(LOG_DIR, { recursive: true });
    for (const [r, { controller }] of running.entries())
      await writeFile(path.join(LOG_DIR, `${replicas}-r${r}.jsonl`), controller.logs.map((line) => JSON.stringify(line)).join("\n") + "\n");
  }
  const fencedReconciles = running.reduce(
    (sum, { controller }) => sum + controller.logs.filter((l) => l["code"] === "LeaseLost").length,
    0,
  );
  const loadAverage = os.loadavg()[0]!;
  const updateServiceCalls = count("UpdateService");
  return {
    replicas,
    services: total,
    firstSyncS,
    imageChangeS,
    balancedS,
    rssMiB,
    updateServiceCalls,
    fencedReconciles,
    eventLoopLagMaxS,
    loadAverage,
    memory,
  };
}

const moto = await startMoto();
const scratch = await tempDir("bench-ha");
try {
  const results: Result[] = [];
  for (const replicas of REPLICA_COUNTS) {
    const result = await scenario(moto.endpoint, replicas, scratch);
    results.push(result);
    console.log(
      `${result.services} services / ${CLUSTERS.length} clusters / ${replicas} replica(s): first sync ${result.firstSyncS.toFixed(1)} s, ` +
        `image change ${result.imageChangeS.toFixed(1)} s, RSS per replica ${result.rssMiB.join(", ")} MiB, ` +
        (`${result.updateServiceCalls} UpdateService, ${result.fencedReconciles} ` +
          `fenced, event loop stalled up to ${result.eventLoopLagMaxS.join(", ")} ` +
          `s, `) +
        `load ${result.loadAverage.toFixed(1)}`,
    );
  }
  const out = path.join(import.meta.dirname, "results", `${new Date().toISOString().slice(0, 10)}-ha-${SERVICES}.json`);
  await writeFile(out, JSON.stringify({ lease: LEASE, nodeFlags: NODE_FLAGS, shards: CLUSTERS.length, results }, null, 2) + "\n");
  console.log(`results: ${path.relative(process.cwd(), out)}`);
} finally {
  await moto.stop();
  await rm(scratch, { recursive: true, force: true });
}
