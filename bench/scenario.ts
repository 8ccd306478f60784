/**
 * One measured controller process (spawned by bench/run.ts, so its peak RSS is its own):
 * `tsx bench/scenario.ts '<json ScenarioInput>' <output.json>`.
 */
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { Session } from "node:inspector";
import { writeHeapSnapshot } from "node:v8";
import { createAwsClients, destroyAwsClients, RateLimiter } from "../src/aws/index.js";
import type { AwsClients, CallSnapshot, CategoryStats, ThrottleCategory } from "../src/aws/index.js";
import { applyOnce, planOnce } from "../src/engine/one-shot.js";
import { MOTO_CREDENTIALS, MOTO_REGION } from "../test/e2e/moto.js";
import { deployScenario } from "./deploy.js";
import { changeOneImage } from "./fleet.js";
import type { FleetScale } from "./fleet.js";
import { callsBetween, WaveHarness } from "./harness.js";
import { anonymousMappings, MemorySampler, rssSplit } from "./memory-log.js";
import { THROTTLE_RATE_PATH } from "./throttle-proxy.js";
import type { SyncRun } from "./harness.js";

/** Accounts and fleets are prepared by the parent (bench/run.ts), so their setup (the EC2 client …) stays out of this process. */
export type PreparedAccount = { accountId: string; dir: string };
export type ScenarioInput = {
  endpoint: string;
  scale: FleetScale;
  /** memory: cold sync, no-op and one change only (run with tuned V8 flags by bench/run.ts). */
  mode: "main" | "throttled" | "memory" | "deploy";
  account: PreparedAccount;
  throttleRate?: number;
};

export type PhaseResult = {
  wallMs: number;
  calls: Record<string, number>;
  attempts: number;
  throttles: number;
  /** Per write operation: attempts not answered with a throttle (the requests AWS received). */
  reached?: Record<string, number>;
  waves: number;
  retries: number;
  failed: number;
  notSynced: number;
  /** CPU ms of load + validate (parse, schema, semantic checks) for the phase's commit. */
  loadCpuMs?: number;
  /** How the phase's commit loaded: in full in a worker thread, or incrementally (src/source/incremental-load.ts). */
  loadPath?: string;
  /** CPU ms of one pure planning pass (normalize + diff + plan) over the phase's snapshot. */
  planCpuMs?: number;
  /** CPU ms of the whole process during the phase (SDK, HTTP, JSON included). */
  processCpuMs: number;
  /** The phase's own peak RSS (MiB, sampled; its commit's load included): it can be lower than the phase before. */
  peakRssMiB?: number;
  rateLimited?: Partial<Record<ThrottleCategory, CategoryStats>>;
};

export type ScenarioOutput = {
  scale: FleetScale;
  mode: ScenarioInput["mode"];
  phases: Record<string, PhaseResult>;
  /** Peak RSS (MiB) after cold sync, no-op and one change (before the restart and one-shot phases). */
  peakRssMiB: number;
  /** Peak RSS (MiB) of the whole child, restart and one-shot phases included. */
  peakRssMiBAll: number;
  /** Live heap (MiB, after a full GC) at the end of the one-change phase. */
  heapUsedMiB: number;
};

const input = JSON.parse(process.argv[2] ?? "{}") as ScenarioInput;
const outputFile = process.argv[3] ?? "";
const MiB = 1024 * 1024;

process.env["AWS_ACCESS_KEY_ID"] ??= MOTO_CREDENTIALS.accessKeyId;
process.env["AWS_SECRET_ACCESS_KEY"] ??= MOTO_CREDENTIALS.secretAccessKey;

function clients(accountId: string, rateLimit: RateLimiter | false): AwsClients {
  return createAwsClients({
    endpoint: input.endpoint,
    region: MOTO_REGION,
    credentials: MOTO_CREDENTIALS,
    accountIdHeader: accountId,
    rateLimit,
  });
}

/** The heap still reachable (after a full GC when run with --expose-gc, as bench/run.ts does). */
function liveHeapMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round(process.memoryUsage().heapUsed / MiB);
}

/** `BENCH_MEMORY_LOG=1`: heap and RSS after each phase, on stderr (the forced GC lowers later peaks). */
function reportLiveHeap(phase: string): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined || process.env["BENCH_MEMORY_LOG"] !== "1") return;
  gc();
  const memory = process.memoryUsage();
  const mib = (bytes: number) => Math.round(bytes / MiB);
  const split = rssSplit();
  console.error(
    `[bench] ${phase}: live heap ${mib(memory.heapUsed)} MiB of ${mib(memory.heapTotal)}, ` +
      `external ${mib(memory.external)} (buffers ${mib(memory.arrayBuffers)}), ` +
      `rss ${mib(memory.rss)} MiB${split ? ` (anonymous ${split.anonymousMiB}, files ${split.filesMiB})` : ""}, ` +
      `peak rss ${peakRssMiB()} MiB; anonymous by mapping: ${anonymousMappings()}`,
  );
}

/** `BENCH_PROFILE_PHASE=noop BENCH_PROFILE_DIR=…`: a CPU profile of that phase alone (development aid). */
async function profiled<T>(name: string, run: () => Promise<T>): Promise<T> {
  const dir = process.env["BENCH_PROFILE_DIR"];
  if (process.env["BENCH_PROFILE_PHASE"] !== name || !dir) return run();
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))),
    );
  await post("Profiler.enable");
  await post("Profiler.start");
  try {
    return await run();
  } finally {
    const { profile } = (await post("Profiler.stop")) as { profile: object };
    await writeFile(path.join(dir, `${name}-${input.scale.services}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

async function measure(
  harness: WaveHarness,
  keys: string[],
  extra: { loadCpuMs?: number; loadPath?: string | undefined; sampler?: MemorySampler } = {},
  limiter?: RateLimiter,
  name = "phase",
): Promise<PhaseResult> {
  const before: CallSnapshot = harness.calls();
  const statsBefore = limiter?.stats() ?? {};
  const cpu = process.cpuUsage();
  // Started before the phase's commit load when there is one: that load is the phase's peak.
  const sampler = extra.sampler ?? new MemorySampler().start();
  const run: SyncRun = await profiled(name, () => harness.sync(keys));
  const used = process.cpuUsage(cpu);
  const peakRss = sampler.stop(name);
  const after = harness.calls();
  const result: PhaseResult = {
    wallMs: Math.round(run.wallMs),
    calls: callsBetween(before, after),
    attempts: after.attempts - before.attempts,
    throttles: after.throttles - before.throttles,
    reached: reachedBetween(before, after),
    waves: run.waves,
    retries: run.retries,
    failed: run.failed.length,
    notSynced: run.notSynced.length,
    planCpuMs: round(harness.planCpuMs()),
    processCpuMs: round((used.user + used.system) / 1000),
    peakRssMiB: peakRss,
    ...(extra.loadCpuMs === undefined ? {} : { loadCpuMs: round(extra.loadCpuMs) }),
    ...(extra.loadPath === undefined ? {} : { loadPath: extra.loadPath }),
  };
  if (limiter) result.rateLimited = diffStats(statsBefore, limiter.stats());
  reportLiveHeap(name);
  return result;
}

function reachedBetween(before: CallSnapshot, after: CallSnapshot): Record<string, number> {
  const reached: Record<string, number> = {};
  for (const [operation, stats] of Object.entries(after.byOperation)) {
    if (stats.kind !== "write") continue;
    const was = before.byOperation[operation];
    const n = stats.attempts - stats.throttles - ((was?.attempts ?? 0) - (was?.throttles ?? 0));
    if (n > 0) reached[operation] = n;
  }
  return reached;
}

function diffStats(
  before: Partial<Record<ThrottleCategory, CategoryStats>>,
  after: Partial<Record<ThrottleCategory, CategoryStats>>,
): Partial<Record<ThrottleCategory, CategoryStats>> {
  const out: Partial<Record<ThrottleCategory, CategoryStats>> = {};
  for (const [category, stats] of Object.entries(after) as [ThrottleCategory, CategoryStats][]) {
    const b = before[category] ?? { requests: 0, delayed: 0, waitedMs: 0 };
    if (stats.requests > b.requests)
      out[category] = {
        requests: stats.requests - b.requests,
        delayed: stats.delayed - b.delayed,
        waitedMs: Math.round(stats.waitedMs - b.waitedMs),
      };
  }
  return out;
}

const round = (ms: number) => Math.round(ms * 10) / 10;
const peakRssMiB = () => Math.round((process.resourceUsage().maxRSS * 1024) / MiB);

async function main(): Promise<ScenarioOutput> {
  const { scale } = input;
  const { accountId, dir } = input.account;
  const phases: Record<string, PhaseResult> = {};
  const limiter = new RateLimiter();
  limiter.enabled = false;
  const aws = clients(accountId, limiter);

  if (input.mode === "deploy") {
    const deploy = await deployScenario(aws, input.endpoint, input.account, scale);
    for (const [name, phase] of Object.entries(deploy.phases)) phase.peakRssMiB = deploy.peakRssMiB[name] ?? 0;
    destroyAwsClients(aws);
    await rm(dir, { recursive: true, force: true });
    return {
      scale,
      mode: input.mode,
      phases: deploy.phases,
      peakRssMiB: peakRssMiB(),
      peakRssMiBAll: peakRssMiB(),
      heapUsedMiB: liveHeapMiB(),
    };
  }

  if (input.mode === "throttled") {
    // bench/run.ts points `endpoint` at its throttle proxy: every attempt has a `throttleRate`
    // chance of a ThrottlingException; the rest reach moto.
    const harness = new WaveHarness({ aws, region: MOTO_REGION });
    const sampler = new MemorySampler().start();
    const loaded = await harness.load(dir, "commit-1");
    phases["coldSync"] = await measure(harness, loaded.keys, { loadCpuMs: loaded.cpuMs, loadPath: loaded.path, sampler });
    // The throttling stops for the next phase (the proxy's only control path).
    await fetch(`${input.endpoint}${THROTTLE_RATE_PATH}0`, { method: "PUT" });
    phases["noopAfterThrottledSync"] = await measure(harness, loaded.keys);
    await harness.stop();
    destroyAwsClients(aws);
    await rm(dir, { recursive: true, force: true });
    return { scale, mode: input.mode, phases, peakRssMiB: peakRssMiB(), peakRssMiBAll: peakRssMiB(), heapUsedMiB: liveHeapMiB() };
  }

  reportLiveHeap("start");
  const harness = new WaveHarness({ aws, region: MOTO_REGION });
  const coldSampler = new MemorySampler().start();
  const cold = await harness.load(dir, "commit-1");
  reportLiveHeap("load");
  if (cold.problems.length > 0) throw new Error(`fleet manifests have errors: ${cold.problems.map((p) => p.message).join("; ")}`);
  phases["coldSync"] = await measure(
    harness,
    cold.keys,
    { loadCpuMs: cold.cpuMs, loadPath: cold.path, sampler: coldSampler },
    undefined,
    "coldSync",
  );
  phases["noop"] = await measure(harness, cold.keys, {}, undefined, "noop");
  await changeOneImage(dir, scale, "2.0.0");
  const changeSampler = new MemorySampler().start();
  const changed = await harness.load(dir, "commit-2");
  phases["oneChange"] = await measure(
    harness,
    changed.keys,
    { loadCpuMs: changed.cpuMs, loadPath: changed.path, sampler: changeSampler },
    undefined,
    "oneChange",
  );
  const peakRss = peakRssMiB();
  const snapshotDir = process.env["BENCH_HEAP_SNAPSHOT_DIR"];
  if (snapshotDir)
    console.error(`[bench] heap snapshot: ${writeHeapSnapshot(path.join(snapshotDir, `after-one-change-${scale.services}.heapsnapshot`))}`);
  const heapUsedMiB = liveHeapMiB();
  if (input.mode === "memory") {
    await harness.stop();
    destroyAwsClients(aws);
    await rm(dir, { recursive: true, force: true });
    return { scale, mode: input.mode, phases, peakRssMiB: peakRss, peakRssMiBAll: peakRss, heapUsedMiB };
  }

  // A restart: empty caches, everything in place.
  const restartSampler = new MemorySampler().start();
  const restarted = new WaveHarness({ aws, region: MOTO_REGION });
  const reloaded = await restarted.load(dir, "commit-2");
  phases["restart"] = await measure(restarted, reloaded.keys, {
    loadCpuMs: reloaded.cpuMs,
    loadPath: reloaded.path,
    sampler: restartSampler,
  });
  await restarted.stop();

  // The same resyncs paced by the client-side rate limiter (default fraction, full buckets).
  limiter.enabled = true;
  phases["noopRateLimited"] = await measure(harness, changed.keys, {}, limiter);
  await changeOneImage(dir, scale, "3.0.0");
  const againSampler = new MemorySampler().start();
  const changedAgain = await harness.load(dir, "commit-3");
  phases["oneChangeRateLimited"] = await measure(
    harness,
    changedAgain.keys,
    { loadCpuMs: changedAgain.cpuMs, loadPath: changedAgain.path, sampler: againSampler },
    limiter,
  );
  limiter.enabled = false;
  await harness.stop();

  // The one-shot path (`ecs-gitops apply`): its own clients and an empty cache on every run.
  const oneShotStarted = performance.now();
  const oneShotSampler = new MemorySampler().start();
  const cpu = process.cpuUsage();
  const plan = await planOnce({
    path: dir,
    region: MOTO_REGION,
    endpoint: input.endpoint,
    accountIdHeader: accountId,
    owner: "ecs-gitops",
    rateLimit: false,
  });
  const outcomes = await applyOnce(plan);
  const used = process.cpuUsage(cpu);
  phases["oneShotNoop"] = {
    wallMs: Math.round(performance.now() - oneShotStarted),
    calls: callsBetween({ reads: 0, writes: 0, attempts: 0, errors: 0, throttles: 0, byOperation: {} }, plan.calls.snapshot()),
    attempts: plan.calls.snapshot().attempts,
    throttles: plan.calls.snapshot().throttles,
    waves: 1,
    retries: 0,
    failed: outcomes.filter((o) => o.outcome === "failed" || o.outcome === "blocked").length,
    notSynced: outcomes.filter((o) => o.outcome !== "unchanged").length,
    processCpuMs: round((used.user + used.system) / 1000),
    peakRssMiB: oneShotSampler.stop("oneShotNoop"),
  };
  destroyAwsClients(plan.aws);

  destroyAwsClients(aws);
  await rm(dir, { recursive: true, force: true });
  return { scale, mode: input.mode, phases, peakRssMiB: peakRss, peakRssMiBAll: peakRssMiB(), heapUsedMiB };
}

main().then(
  async (output) => {
    await writeFile(outputFile, JSON.stringify(output, null, 2));
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
