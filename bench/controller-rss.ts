/**
 * `npm run bench:controller`: the peak RSS of the real controller at 1,000 services / 1,000
 * families / 300 rules. Builds the bin (dist/cli/main.js), puts the fleet in a real git repository,
 * starts its own moto_server and runs `ecs-gitops run` as the bin script runs it (its shebang's
 * node flags, prune on, pacing off as for any emulator), then samples the child's VmRSS from
 * /proc (and its VmHWM, reset at each phase) through: the cold sync, no-op resync ticks, a
 * one-image commit, a commit of many changed files (loaded in full in the worker), and a restart.
 * Prints each phase's peak RSS, V8 heap and AWS calls; writes bench/results/<date>-controller-rss-<n>.json.
 *
 *   npm run bench:controller                   # 1,000 / 1,000 / 300
 *   npm run bench:controller -- --scale=100    # 100 / 100 / 30, a quick check
 */
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { awsCallsOf, countsBetween, reconcilesOf } from "../test/e2e/controller-calls.js";
import { ControllerProcess, GitRemote, metricSum, parsePrometheus, tempDir } from "../test/e2e/controller-harness.js";
import { fleetAccount } from "../test/e2e/fleet-account.js";
import { startMoto } from "../test/e2e/moto.js";
import { compileBench } from "./compile.js";
import { changeImages, changeOneImage, FLEET_100, FLEET_1000 } from "./fleet.js";
import type { CallCounts, FleetScale } from "./fleet.js";
import { binNodeFlags } from "./node-flags.js";
import { ProcPeakSampler } from "./proc-memory.js";
import type { ProcPhasePeak } from "./proc-memory.js";

const ROOT = path.join(import.meta.dirname, "..");
const BIN = path.join(ROOT, "dist", "cli", "main.js");
const MiB = 2 ** 20;
/** Resync period: short enough that the no-op phase sees its ticks within minutes. */
const RESYNC_S = 40;
/** The many-files commit: this many task definitions get a new image (~1 KiB each, past the incremental load's 64 KiB). */
const MANY = 100;
const PHASE_TIMEOUT_MS = 20 * 60_000;
/**
 * `BENCH_HEAP_SNAPSHOT_DIR=dir`: the controller writes a heap snapshot there (SIGUSR2) the first
 * time in each phase its heap in use passes `BENCH_HEAP_SNAPSHOT_MIB` (default 60): what it holds
 * near its peak. Writing one takes seconds and memory of its own: not for the figures.
 */
const SNAPSHOT_DIR = process.env["BENCH_HEAP_SNAPSHOT_DIR"];
const SNAPSHOT_MIB = Number(process.env["BENCH_HEAP_SNAPSHOT_MIB"] ?? 60);
/** `BENCH_CONTROLLER_NODE_ARGS="--flag …"`: node flags to try on top of the bin script's (a trial, not the shipped figure). */
const DIAGNOSTIC_FLAGS = [
  ...(SNAPSHOT_DIR === undefined ? [] : ["--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${SNAPSHOT_DIR}`]),
  ...(process.env["BENCH_CONTROLLER_NODE_ARGS"] ?? "").split(" ").filter((flag) => flag !== ""),
];

type PhaseRow = ProcPhasePeak & {
  phase: string;
  wallMs: number;
  /** The highest V8 heap in use (main thread) and memory outside it seen in /metrics during the phase, MiB. */
  heapUsedMiB: number;
  heapSpacesMiB: Record<string, number>;
  externalMiB: number;
  calls: CallCounts;
  totalCalls: number;
  loadAverage: number;
};

function parseScale(argv: readonly string[]): FleetScale {
  const arg = argv.find((a) => a.startsWith("--scale="));
  if (arg === undefined || arg === "--scale=1000") return FLEET_1000;
  if (arg === "--scale=100") return FLEET_100;
  throw new Error(`${arg}: known scales are 1000 and 100`);
}

/** prom-client's nodejs_heap_space_size_total_bytes by space, MiB (what V8 has committed for each). */
function heapSpaces(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const sample of parsePrometheus(text).samples)
    if (sample.name === "nodejs_heap_space_size_total_bytes" && sample.labels["space"] !== undefined)
      out[sample.labels["space"]] = Math.round((sample.value / MiB) * 10) / 10;
  return out;
}

const sum = (calls: CallCounts) => Object.values(calls).reduce((a, b) => a + b, 0);
const synced = (text: string) => metricSum(text, "ecs_gitops_resources", { sync: "Synced" });

/** One controller process and what a phase waits for; peaks per phase from /proc and /metrics. */
class Measured {
  readonly rows: PhaseRow[] = [];
  #sampler: ProcPeakSampler;
  #phaseStart = performance.now();
  #callsAtStart: CallCounts = {};
  #heap = 0;
  /** V8's heap by space (MiB committed) at the sample where the heap in use was highest. */
  #spaces: Record<string, number> = {};
  #external = 0;
  #snapshotTaken = false;

  constructor(
    readonly controller: ControllerProcess,
    readonly keys: number,
  ) {
    // The process has just started: its lifetime peak is the first phase's, start-up included.
    this.#sampler = new ProcPeakSampler(controller.child.pid!, 50, { resetFirst: false });
  }

  async metrics(): Promise<string> {
    const text = await this.controller.metrics();
    const used = metricSum(text, "nodejs_heap_size_used_bytes");
    if (used > this.#heap) [this.#heap, this.#spaces] = [used, heapSpaces(text)];
    if (SNAPSHOT_DIR !== undefined && !this.#snapshotTaken && this.#heap > SNAPSHOT_MIB * MiB) {
      this.#snapshotTaken = true;
      this.controller.child.kill("SIGUSR2");
    }
    this.#external = Math.max(this.#external, metricSum(text, "nodejs_external_memory_bytes"));
    return text;
  }

  /**
   * Polls /metrics every second until `done` holds and no AWS call was made for 3 s (the prune
   * pass and any tick that started are over), then ends the phase.
   */
  async phase(name: string, done: (text: string, since: CallCounts) => boolean): Promise<PhaseRow> {
    const deadline = performance.now() + PHASE_TIMEOUT_MS;
    let quietSince: number | undefined;
    let lastTotal = -1;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const text = await this.metrics().catch(() => undefined);
      if (text === undefined) continue;
      const since = countsBetween(this.#callsAtStart, awsCallsOf(text));
      const total = sum(since);
      if (total !== lastTotal) [quietSince, lastTotal] = [performance.now(), total];
      if (done(text, since) && performance.now() - (quietSince ?? 0) >= 3_000) break;
      if (performance.now() > deadline)
        throw new Error(`${name}: not done after ${PHASE_TIMEOUT_MS / 60_000} min\n${this.controller.tail(20)}`);
    }
    const text = await this.metrics();
    const calls = countsBetween(this.#callsAtStart, awsCallsOf(text));
    const row: PhaseRow = {
      phase: name,
      ...this.#sampler.next(),
      wallMs: Math.round(performance.now() - this.#phaseStart),
      heapUsedMiB: Math.round(this.#heap / MiB),
      heapSpacesMiB: this.#spaces,
      externalMiB: Math.round(this.#external / MiB),
      calls,
      totalCalls: sum(calls),
      loadAverage: Math.round(os.loadavg()[0]! * 10) / 10,
    };
    this.rows.push(row);
    console.log(
      `[bench] ${name}: peak RSS ${row.hwmMiB ?? "?"} MiB (VmHWM; sampled ${row.sampledMiB}), heap ${row.heapUsedMiB} MiB, ` +
        `external ${row.externalMiB} MiB, ${row.totalCalls} calls, ${(row.wallMs / 1000).toFixed(1)} s, load ${row.loadAverage}` +
        `\n        V8 committed at the heap's peak: ${Object.entries(row.heapSpacesMiB)
          .map(([space, mib]) => `${space.replace(/_space$/, "")} ${mib}`)
          .join(", ")}`,
    );
    this.#begin(awsCallsOf(text));
    return row;
  }

  /** Phases from now on start here (after a commit is pushed, the push's time counts for the next phase). */
  #begin(calls: CallCounts): void {
    this.#callsAtStart = calls;
    this.#phaseStart = performance.now();
    this.#heap = 0;
    this.#spaces = {};
    this.#external = 0;
    this.#snapshotTaken = false;
  }

  stop(): void {
    this.#sampler.stop();
  }
}

async function startController(remote: GitRemote, endpoint: string, accountId: string, workDir: string): Promise<ControllerProcess> {
  return ControllerProcess.start({
    repo: remote.url,
    endpoint,
    accountId,
    workDir,
    interval: "2s",
    resync: `${RESYNC_S}s`,
    script: BIN,
    nodeFlags: [...binNodeFlags(), ...DIAGNOSTIC_FLAGS],
    extraArgs: ["--prune"],
    startTimeoutMs: 120_000,
  });
}

/** Every key Synced, at the pushed commit, with at least `writes` of each named write since the phase started. */
function converged(m: Measured, sha: string | undefined, writes: CallCounts = {}) {
  return (text: string, since: CallCounts) =>
    synced(text) === m.keys &&
    (sha === undefined || metricSum(text, "ecs_gitops_current_commit_info", { sha }) === 1) &&
    Object.entries(writes).every(([operation, n]) => (since[operation] ?? 0) >= n);
}

async function main(): Promise<void> {
  const scale = parseScale(process.argv.slice(2));
  const keys = scale.services + scale.families + scale.rules;
  console.log(`[bench] building the bin (tsc -p tsconfig.build.json)…`);
  await compileBench(path.join(ROOT, "tsconfig.build.json"));
  const moto = await startMoto();
  const scratch = await tempDir("controller-rss");
  const loadAtStart = os.loadavg()[0]!;
  let measured: Measured | undefined;
  try {
    const { accountId, dir } = await fleetAccount(moto.endpoint, scale, "controller-rss-fleet");
    const remote = await GitRemote.create(path.join(scratch, "repo"), dir);
    const workDir = path.join(scratch, "work");
    console.log(`[bench] ${keys} resources; starting ${path.relative(ROOT, BIN)} with ${binNodeFlags().join(" ")}…`);
    measured = new Measured(await startController(remote, moto.endpoint, accountId, workDir), keys);
    const m = measured;
    // The first commit's prune pass lists every family: the cold sync ends after it.
    await m.phase(
      "coldSync",
      (text, since) => converged(m, undefined)(text, since) && (since["ecs:ListTaskDefinitions"] ?? 0) >= scale.families,
    );
    const ticksFrom = reconcilesOf(await m.metrics());
    await m.phase("noopTicks", (text, since) => converged(m, undefined)(text, since) && reconcilesOf(text) >= ticksFrom + 2 * keys);
    await changeOneImage(remote.work, scale, "1.1.0");
    const one = await remote.push("one new image");
    await m.phase("oneImage", converged(m, one.sha, { "ecs:RegisterTaskDefinition": 1, "ecs:UpdateService": 1 }));
    await changeImages(remote.work, 0, MANY, "1.2.0");
    const many = await remote.push(`${MANY} new images`);
    await m.phase("manyFiles", converged(m, many.sha, { "ecs:RegisterTaskDefinition": MANY, "ecs:UpdateService": MANY }));
    m.stop();
    await m.controller.signal("SIGTERM");
    const rows = m.rows;
    measured = new Measured(await startController(remote, moto.endpoint, accountId, workDir), keys);
    const r = measured;
    await r.phase("restart", (text, since) => converged(r, many.sha)(text, since) && reconcilesOf(text) >= keys);
    rows.push(...r.rows);
    r.stop();
    await r.controller.signal("SIGTERM");
    measured = undefined;
    report(scale, rows, loadAtStart);
    await writeResults(scale, rows, loadAtStart);
  } finally {
    measured?.stop();
    if (measured?.controller.isRunning) await measured.controller.signal("SIGKILL");
    await moto.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

function report(scale: FleetScale, rows: readonly PhaseRow[], loadAtStart: number): void {
  const fleet = `${scale.services} / ${scale.families} / ${scale.rules}`;
  console.log(`\nthe controller as shipped at ${fleet} (load average ${loadAtStart.toFixed(1)} at start):`);
  console.log("phase        peak RSS (VmHWM)  sampled  heap used  external  calls  wall");
  for (const r of rows)
    console.log(
      `${r.phase.padEnd(12)} ${String(r.hwmMiB ?? "?").padStart(12)} MiB ${String(r.sampledMiB).padStart(7)} ` +
        `${String(r.heapUsedMiB).padStart(10)} ${String(r.externalMiB).padStart(9)} ${String(r.totalCalls).padStart(6)} ` +
        `${(r.wallMs / 1000).toFixed(1).padStart(6)} s`,
    );
  const peak = Math.max(...rows.map((r) => r.hwmMiB ?? r.sampledMiB));
  console.log(`peak over every phase: ${peak} MiB (target ≤ 128 MiB)`);
}

async function writeResults(scale: FleetScale, rows: readonly PhaseRow[], loadAtStart: number): Promise<void> {
  const dir = path.join(import.meta.dirname, "results");
  await mkdir(dir, { recursive: true });
  const date = new Date().toISOString().slice(0, 10);
  let n = 1;
  while (existsSync(path.join(dir, `${date}-${scale.services}-controller-rss-${n}.json`))) n += 1;
  const file = path.join(dir, `${date}-${scale.services}-controller-rss-${n}.json`);
  const document = {
    date: new Date().toISOString(),
    node: process.version,
    scale,
    binNodeFlags: binNodeFlags(),
    ...(DIAGNOSTIC_FLAGS.length > 0 ? { extraNodeFlags: DIAGNOSTIC_FLAGS } : {}),
    loadAtStart,
    phases: rows,
  };
  await writeFile(file, JSON.stringify(document, null, 2) + "\n");
  console.log(`[bench] wrote ${path.relative(process.cwd(), file)}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
