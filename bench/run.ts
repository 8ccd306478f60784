/**
 * `npm run bench`: the AWS call budget and wall time of ecs-gitops at 1,000 and 100 services
 * against its own moto_server. Prints a table, writes bench/results/<date>-<services>.json, and
 * exits non-zero when a call budget is exceeded (or a resource failed). Not a timed test: wall
 * times are reported against a floor measured in the same run, never asserted.
 *
 *   npm run bench                       # S=1000 and S=100, each with the 30 %-throttled cold sync
 *   npm run bench -- --scales=100       # one scale
 *   npm run bench -- --no-throttle      # skip the throttled runs
 *   npm run bench -- --deploy-sizes=10,50   # deploy-N-images sizes (default 10,50,200,1000; empty: none)
 *   npm run bench -- --scales= --deploy-sizes=10,50,200,1000   # only the deploy table
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { CreateClusterCommand, ECSClient } from "@aws-sdk/client-ecs";
import { applyMotoAccountHeader } from "../src/aws/account-header.js";
import { defaultNetwork, MOTO_CREDENTIALS, MOTO_REGION, newAccountId, startMoto } from "../test/e2e/moto.js";
import type { Calibration } from "./calibrate.js";
import { BENCH_BUILD, compileBench } from "./compile.js";
import { countDuplicates } from "./duplicates.js";
import { binNodeFlags } from "./node-flags.js";
import { DEFAULT_DEPLOY_SIZES, deployTable } from "./deploy-run.js";
import type { Duplicates } from "./duplicates.js";
import { calibrateReads, calibrateWrites, floorMs } from "./calibrate.js";
import { startThrottleProxy } from "./throttle-proxy.js";
import { budgetOf, clustersOf, FLEET_100, FLEET_1000, overBudget, writeFleet } from "./fleet.js";
import type { CallCounts, FleetScale } from "./fleet.js";
import type { PhaseResult, PreparedAccount, ScenarioInput, ScenarioOutput } from "./scenario.js";

const HERE = import.meta.dirname;
const SCALES: Record<string, FleetScale> = { "1000": FLEET_1000, "100": FLEET_100 };
const THROTTLE_RATE = 0.3;
/** The controller is measured as the bin script runs it (its shebang's node flags); once more with none, to compare. */
const BIN_FLAGS = binNodeFlags();

type Args = { scales: FleetScale[]; throttle: boolean; deploySizes: number[] };

function parseArgs(argv: readonly string[]): Args {
  let scales = [FLEET_1000, FLEET_100];
  let throttle = true;
  let deploySizes = DEFAULT_DEPLOY_SIZES;
  const list = (arg: string) =>
    arg
      .slice(arg.indexOf("=") + 1)
      .split(",")
      .filter((s) => s.trim() !== "");
  for (const arg of argv) {
    if (arg.startsWith("--deploy-sizes=")) {
      deploySizes = list(arg).map((s) => {
        const n = Number(s);
        if (!Number.isInteger(n) || n < 1) throw new Error(`--deploy-sizes: "${s}" is not a positive whole number`);
        return n;
      });
    } else if (arg.startsWith("--scales=")) {
      scales = list(arg).map((s) => {
        const scale = SCALES[s.trim()];
        if (!scale) throw new Error(`unknown scale "${s}" (known: ${Object.keys(SCALES).join(", ")})`);
        return scale;
      });
    } else if (arg === "--no-throttle") throttle = false;
    else throw new Error(`unknown argument ${arg}`);
  }
  return { scales, throttle, deploySizes };
}

const CHILD = path.join(BENCH_BUILD, "bench", "scenario.js");

/** Extra node flags for the measured child, e.g. `BENCH_CHILD_NODE_ARGS="--cpu-prof"` when profiling. */
function childNodeArgs(): string[] {
  return (process.env["BENCH_CHILD_NODE_ARGS"] ?? "").split(" ").filter((arg) => arg !== "");
}

/** A fresh moto account with the fleet's clusters, and the fleet's manifests in a temp dir. */
async function prepareAccount(endpoint: string, scale: FleetScale): Promise<PreparedAccount> {
  const accountId = newAccountId();
  const network = await defaultNetwork(endpoint, accountId);
  const ecs = new ECSClient({ endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS });
  applyMotoAccountHeader(ecs.middlewareStack, accountId);
  try {
    for (const cluster of clustersOf(scale)) await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  } finally {
    ecs.destroy();
  }
  const dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-bench-"));
  await writeFleet(dir, scale, network);
  return { accountId, dir };
}

async function runScenario(input: ScenarioInput, nodeArgs: readonly string[] = []): Promise<ScenarioOutput> {
  const dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-bench-out-"));
  const out = path.join(dir, "result.json");
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, ["--expose-gc", ...nodeArgs, ...childNodeArgs(), CHILD, JSON.stringify(input), out], {
        stdio: ["ignore", "inherit", "inherit"],
      });
      child.once("error", reject);
      child.once("exit", (exitCode) => resolve(exitCode));
    });
    if (code !== 0) throw new Error(`scenario ${input.mode} at S=${input.scale.services} exited with ${String(code)}`);
    return JSON.parse(await readFile(out, "utf8")) as ScenarioOutput;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

type Row = {
  phase: string;
  wallMs: number;
  calls: CallCounts;
  budget: CallCounts | undefined;
  budgetProblems: string[];
  floorMs: number | undefined;
  ratio: number | undefined;
  result: PhaseResult;
};

const BUDGETS: Record<string, { phase: "noop" | "oneChange" | "coldSync" | "restart"; upperBound?: string[] } | undefined> = {
  coldSync: { phase: "coldSync" },
  noop: { phase: "noop" },
  oneChange: { phase: "oneChange" },
  restart: { phase: "restart", upperBound: ["ecs:DescribeTaskDefinition"] },
  noopRateLimited: { phase: "noop" },
  oneChangeRateLimited: { phase: "oneChange" },
  noopAfterThrottledSync: { phase: "noop" },
  oneShotNoop: { phase: "restart", upperBound: ["ecs:DescribeTaskDefinition", "ecs:DescribeClusters"] },
  throttledColdSync: undefined,
};

function rowsOf(output: ScenarioOutput, calibration: Calibration, prefix = ""): Row[] {
  return Object.entries(output.phases).map(([name, result]) => {
    const phase = prefix === "" ? name : `${prefix}${name[0]?.toUpperCase()}${name.slice(1)}`;
    const spec = BUDGETS[phase];
    const budget = spec ? budgetOf(output.scale, spec.phase) : undefined;
    const budgetProblems = budget ? overBudget(result.calls, budget, { upperBound: spec?.upperBound ?? [] }) : [];
    const floor = budget ? floorMs(budget, calibration.sequential).floorMs : undefined;
    if (result.failed > 0 || result.notSynced > 0) budgetProblems.push(`${result.failed} failed, ${result.notSynced} not Synced`);
    return {
      phase,
      wallMs: result.wallMs,
      calls: result.calls,
      budget,
      budgetProblems,
      floorMs: floor,
      ratio: floor ? result.wallMs / floor : undefined,
      result,
    };
  });
}

const sum = (calls: CallCounts) => Object.values(calls).reduce((a, b) => a + b, 0);
const fmt = (n: number | undefined, digits = 0) => (n === undefined ? "–" : n.toFixed(digits));

function printScale(scale: FleetScale, rows: Row[], main: ScenarioOutput, tuned: ScenarioOutput, calibration: Calibration): void {
  const resources = scale.services + scale.families + scale.rules;
  console.log(
    `\n=== S=${scale.services} services (${scale.clusters} clusters), T=${scale.families} ` +
      `families, R=${scale.rules} rules: ${resources} resources ===`,
  );
  const header = [
    "phase",
    "calls",
    "budget",
    "ok",
    "wall ms",
    "floor ms",
    "wall/floor",
    "waves",
    "retries",
    "load CPU ms",
    "plan CPU ms",
    "process CPU ms",
    "peak RSS MiB",
  ];
  const lines = rows.map((r) => [
    r.phase,
    String(sum(r.calls)),
    r.budget ? String(sum(r.budget)) : "–",
    r.budget ? (r.budgetProblems.length === 0 ? "yes" : "NO") : r.budgetProblems.length === 0 ? "–" : "NO",
    String(r.wallMs),
    fmt(r.floorMs),
    r.ratio === undefined ? "–" : `${r.ratio.toFixed(2)}×`,
    String(r.result.waves),
    String(r.result.retries),
    fmt(r.result.loadCpuMs),
    fmt(r.result.planCpuMs),
    fmt(r.result.processCpuMs),
    fmt(r.result.peakRssMiB),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  console.log(line(header));
  for (const l of lines) console.log(line(l));
  console.log("\ncalls by operation:");
  for (const r of rows) {
    const ops = Object.entries(r.calls)
      .map(([op, n]) => `${op}=${n}`)
      .join(" ");
    console.log(
      `  ${r.phase.padEnd(widths[0] ?? 0)}  ${ops}` +
        `${r.result.throttles > 0 ? `  (attempts ${r.result.attempts}, throttled ${r.result.throttles})` : ""}`,
    );
    for (const problem of r.budgetProblems) console.log(`  ${"".padEnd(widths[0] ?? 0)}  BUDGET: ${problem}`);
    if (r.result.rateLimited) {
      const waits = Object.entries(r.result.rateLimited)
        .map(([c, s]) => `${c} ${s.requests} req, ${s.delayed} delayed ${Math.round(s.waitedMs / 1000)} s total`)
        .join("; ");
      console.log(`  ${"".padEnd(widths[0] ?? 0)}  rate limiter: ${waits}`);
    }
  }
  const seq = calibration.sequential;
  console.log(
    `\nmoto single-call latency, median ms (sequential): ${Object.entries(seq)
      .map(([op, l]) => `${op.replace(/^(ecs|events):/, "")} ${l.medianMs}`)
      .join(", ")}`,
  );
  console.log(`moto DescribeServices with 8 in flight: ${calibration.parallel8MsPerCall} ms per call`);
  const noop = main.phases["noop"];
  const planPerResourceUs = noop?.planCpuMs === undefined ? undefined : (noop.planCpuMs * 1000) / resources;
  console.log(
    `peak RSS (cold sync, no-op, one change): ${main.peakRssMiB} MiB as the ` +
      `bin script runs it (${BIN_FLAGS.join(" ")}), ${tuned.peakRssMiB} MiB with ` +
      `plain \`node\`; live heap ${main.heapUsedMiB} MiB; ${main.peakRssMiBAll} ` +
      `MiB with the restart and one-shot phases in the same process`,
  );
  console.log(
    `planning CPU per resource (no-op): ${fmt(planPerResourceUs, 1)} µs vs ` +
      `one DescribeServices round trip ${seq["ecs:DescribeServices"]?.medianMs ?? "?"} ` +
      `ms`,
  );
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  await compileBench();
  const moto = await startMoto();
  let failed = false;
  let latency: Calibration["sequential"] | undefined;
  try {
    for (const scale of args.scales) {
      console.log(
        `\n[bench] S=${scale.services}: controller run (cold sync, no-op, one ` +
          `change, restart, rate-limited resyncs, one-shot, calibration)…`,
      );
      const scratchScale: FleetScale = { services: 100, families: 100, rules: 50, clusters: 1 };
      const writeLatency = await calibrateWrites(moto.endpoint, await prepareAccount(moto.endpoint, scratchScale));
      const account = await prepareAccount(moto.endpoint, scale);
      const main = await runScenario({ endpoint: moto.endpoint, scale, mode: "main", account }, BIN_FLAGS);
      const reads = await calibrateReads(moto.endpoint, account.accountId, scale);
      const calibration: Calibration = {
        sequential: { ...writeLatency, ...reads.sequential },
        parallel8MsPerCall: reads.parallel8MsPerCall,
      };
      latency = calibration.sequential;
      console.log(`[bench] S=${scale.services}: cold sync, no-op and one change again without the bin script's node flags (peak RSS)…`);
      const tuned = await runScenario(
        { endpoint: moto.endpoint, scale, mode: "memory", account: await prepareAccount(moto.endpoint, scale) },
        [],
      );
      const rows = rowsOf(main, calibration);
      let throttled: ScenarioOutput | undefined;
      let duplicates: Duplicates | undefined;
      if (args.throttle) {
        console.log(`[bench] S=${scale.services}: cold sync with ${THROTTLE_RATE * 100} % of attempts throttled…`);
        const throttledAccount = await prepareAccount(moto.endpoint, scale);
        // The throttling is injected in this process: the measured one holds only the controller.
        const proxy = await startThrottleProxy(moto.endpoint, THROTTLE_RATE);
        try {
          throttled = await runScenario(
            {
              endpoint: proxy.endpoint,
              scale,
              mode: "throttled",
              account: throttledAccount,
              throttleRate: THROTTLE_RATE,
            },
            BIN_FLAGS,
          );
        } finally {
          await proxy.stop();
        }
        const throttledRows = rowsOf(throttled, calibration, "throttled");
        const coldRow = throttledRows.find((r) => r.phase === "throttledColdSync");
        if (coldRow) {
          duplicates = await countDuplicates(moto.endpoint, throttledAccount.accountId, scale, coldRow.result);
          coldRow.budgetProblems.push(...duplicates.problems);
        }
        rows.push(...throttledRows);
      }
      printScale(scale, rows, main, tuned, calibration);
      const cold = main.phases["coldSync"];
      const throttledCold = throttled?.phases["coldSync"];
      if (cold && throttledCold) {
        console.log(
          `throttled cold sync: ${throttledCold.failed} failed resources, ${throttledCold.notSynced} ` +
            `not Synced, ${throttledCold.throttles} throttled attempts, ${throttledCold.retries} ` +
            `resource retries, ` +
            (duplicates
              ? `${duplicates.revisions} revisions / ${duplicates.services} services in moto, ` +
                `${duplicates.registrationsReached} RegisterTaskDefinition / ${duplicates.createsReached} CreateService reached it, `
              : "") +
            `+${throttledCold.wallMs - cold.wallMs} ` +
            `ms (${(throttledCold.wallMs / cold.wallMs).toFixed(2)}× the unthrottled ` +
            `cold sync)`,
        );
      }
      const problems = rows.flatMap((r) => r.budgetProblems.map((p) => `${r.phase}: ${p}`));
      if (problems.length > 0) failed = true;
      const date = new Date().toISOString().slice(0, 10);
      const file = path.join(HERE, "results", `${date}-${scale.services}.json`);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(
        file,
        JSON.stringify(
          {
            date: new Date().toISOString(),
            node: process.version,
            scale,
            throttleRate: args.throttle ? THROTTLE_RATE : undefined,
            phases: Object.fromEntries(
              rows.map((r) => [
                r.phase,
                { ...r.result, budget: r.budget, budgetProblems: r.budgetProblems, floorMs: r.floorMs, wallOverFloor: r.ratio },
              ]),
            ),
            peakRssMiB: main.peakRssMiB,
            binNodeFlags: BIN_FLAGS,
            peakRssMiBWithoutFlags: tuned.peakRssMiB,
            peakRssMiBAll: main.peakRssMiBAll,
            heapUsedMiB: main.heapUsedMiB,
            calibration,
            throttledDuplicates: duplicates,
          },
          null,
          2,
        ),
      );
      console.log(`[bench] wrote ${path.relative(process.cwd(), file)}`);
    }
    if (args.deploySizes.length > 0) {
      const runner = { endpoint: moto.endpoint, prepareAccount, runScenario: (input: ScenarioInput) => runScenario(input, BIN_FLAGS) };
      failed = (await deployTable(args.deploySizes, runner, latency, path.join(HERE, "results"), BIN_FLAGS)) || failed;
    }
  } finally {
    await moto.stop();
  }
  console.log(
    `\n[bench] done in ${Math.round((Date.now() - started) / 1000)} s${failed ? ": CALL BUDGET EXCEEDED (see BUDGET lines)" : ""}`,
  );
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
