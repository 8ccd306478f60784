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
import path from "node:path";
import { runCli } from "../src/cli/main.js";
import { ControllerProcess, createCluster, ecsFor, GitRemote, metricSum, tempDir } from "../test/e2e/controller-harness.js";
import { FaultProxy } from "../test/e2e/fault-proxy.js";
import { MOTO_CREDENTIALS, MOTO_REGION, newAccountId, startMoto } from "../test/e2e/moto.js";

const SERVICES = Number(process.env["BENCH_HA_SERVICES"] ?? 5_000);
const CLUSTERS = Array.from({ length: 10 }, (_, i) => `ha-${i}`);
const LEASE = "3s";

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

type Result = { replicas: number; services: number; firstSyncS: number; imageChangeS: number; rssMiB: number[] };

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
    });
    running.push({ proxy, controller });
  }
  const count = (operation: string) => running.reduce((sum, r) => sum + (r.proxy.seen.get(operation) ?? 0), 0);
  const until = async (operation: string, n: number) => {
    const deadline = performance.now() + 30 * 60_000;
    let reported = performance.now();
    while (count(operation) < n) {
      if (performance.now() > deadline) throw new Error(`${operation}: ${count(operation)} of ${n} after 30 minutes`);
      if (performance.now() - reported > 30_000) {
        reported = performance.now();
        console.log(`  ${replicas} replica(s): ${count(operation)} of ${n} ${operation}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  // Let the replicas balance the shards before the first commit.
  await new Promise((resolve) => setTimeout(resolve, 8_000));
  const total = Math.ceil(SERVICES / CLUSTERS.length) * CLUSTERS.length;
  await writeRepo(remote.work, "1.0");
  let started = performance.now();
  await remote.push("first sync");
  await until("CreateService", total);
  const firstSyncS = (performance.now() - started) / 1000;
  await writeRepo(remote.work, "1.1");
  started = performance.now();
  await remote.push("new image everywhere");
  await until("UpdateService", total);
  const imageChangeS = (performance.now() - started) / 1000;
  const rssMiB = await Promise.all(
    running.map(async ({ controller }) => Math.round(metricSum(await controller.metrics(), "process_resident_memory_bytes") / 2 ** 20)),
  );
  for (const { proxy, controller } of running) {
    await controller.signal("SIGTERM");
    await proxy.stop();
  }
  return { replicas, services: total, firstSyncS, imageChangeS, rssMiB };
}

const moto = await startMoto();
const scratch = await tempDir("bench-ha");
try {
  const results: Result[] = [];
  for (const replicas of [1, 3]) {
    const result = await scenario(moto.endpoint, replicas, scratch);
    results.push(result);
    console.log(
      `${result.services} services / ${CLUSTERS.length} clusters / ${replicas} replica(s): first sync ${result.firstSyncS.toFixed(1)} s, ` +
        `image change ${result.imageChangeS.toFixed(1)} s, RSS per replica ${result.rssMiB.join(", ")} MiB`,
    );
  }
  const out = path.join(import.meta.dirname, "results", `${new Date().toISOString().slice(0, 10)}-ha-${SERVICES}.json`);
  await writeFile(out, JSON.stringify({ lease: LEASE, shards: CLUSTERS.length, results }, null, 2) + "\n");
  console.log(`results: ${path.relative(process.cwd(), out)}`);
} finally {
  await moto.stop();
  await rm(scratch, { recursive: true, force: true });
}
