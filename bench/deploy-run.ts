import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Latency } from "./calibrate.js";
import { calibrateReads, calibrateWrites, floorMs } from "./calibrate.js";
import { deployBudget, overBudget } from "./fleet.js";
import type { FleetScale } from "./fleet.js";
import type { PhaseResult, PreparedAccount, ScenarioInput, ScenarioOutput } from "./scenario.js";

export const DEFAULT_DEPLOY_SIZES = [10, 50, 200, 1000];

export type DeployRow = {
  services: number;
  path: "run" | "oneShot";
  wallMs: number;
  calls: number;
  callsPerService: number;
  floorMs: number;
  wallOverFloor: number;
  peakRssMiB: number | undefined;
  budgetProblems: string[];
  result: PhaseResult;
};

export type DeployRunner = {
  endpoint: string;
  prepareAccount: (endpoint: string, scale: FleetScale) => Promise<PreparedAccount>;
  runScenario: (input: ScenarioInput) => Promise<ScenarioOutput>;
};

const PHASES = { run: "deployRun", oneShot: "deployOneShot" } as const;
const sum = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);

/** The deploy-N-images scenario at each size, each in its own measured child and moto account. */
async function runDeploySizes(sizes: readonly number[], runner: DeployRunner, latency: Record<string, Latency>): Promise<DeployRow[]> {
  const rows: DeployRow[] = [];
  for (const n of sizes) {
    console.log(`[bench] deploy a new image to N=${n} services (run, then one-shot apply)…`);
    const scale: FleetScale = { services: n, families: n, rules: 0, clusters: 1 };
    const account = await runner.prepareAccount(runner.endpoint, scale);
    const output = await runner.runScenario({ endpoint: runner.endpoint, scale, mode: "deploy", account });
    for (const path of ["run", "oneShot"] as const) {
      const result = output.phases[PHASES[path]];
      if (result === undefined) throw new Error(`deploy scenario at N=${n} returned no ${PHASES[path]} phase`);
      const budget = deployBudget(scale, n, path);
      const problems = overBudget(result.calls, budget);
      if (result.failed > 0 || result.notSynced > 0) problems.push(`${result.failed} failed, ${result.notSynced} not Synced`);
      const floor = floorMs(budget, latency).floorMs;
      rows.push({
        services: n,
        path,
        wallMs: result.wallMs,
        calls: sum(result.calls),
        callsPerService: sum(result.calls) / n,
        floorMs: floor,
        wallOverFloor: result.wallMs / floor,
        peakRssMiB: result.peakRssMiB,
        budgetProblems: problems,
        result,
      });
    }
  }
  return rows;
}

function printDeployRows(rows: readonly DeployRow[]): void {
  console.log("\n=== deploy a new image to N services (N families, no rules) ===");
  console.log("    N  path       calls  calls/service  wall ms  floor ms  wall/floor  peak RSS MiB  budget");
  for (const r of rows) {
    console.log(
      `${String(r.services).padStart(5)}  ${r.path.padEnd(9)}  ${String(r.calls).padStart(5)} ` +
        ` ${r.callsPerService.toFixed(2).padStart(13)}  ${String(r.wallMs).padStart(7)} ` +
        ` ${r.floorMs.toFixed(0).padStart(8)}  ${`${r.wallOverFloor.toFixed(2)}×`.padStart(10)} ` +
        ` ${String(r.peakRssMiB ?? "–").padStart(12)}  ${r.budgetProblems.length === 0 ? "ok" : r.budgetProblems.join("; ")}`,
    );
  }
}

/**
 * Runs, prints and writes (`<results>/<date>-deploy.json`) the deploy-N-images table. Its floor
 * uses the scales' calibration, or a scratch account's when no scale ran. True if a budget was exceeded.
 */
export async function deployTable(
  sizes: readonly number[],
  runner: DeployRunner,
  known: Record<string, Latency> | undefined,
  resultsDir: string,
  nodeFlags: readonly string[],
): Promise<boolean> {
  let latency = known;
  if (latency === undefined) {
    const scratchScale: FleetScale = { services: 100, families: 100, rules: 50, clusters: 1 };
    const scratch = await runner.prepareAccount(runner.endpoint, scratchScale);
    const writes = await calibrateWrites(runner.endpoint, scratch);
    latency = { ...writes, ...(await calibrateReads(runner.endpoint, scratch.accountId, scratchScale)).sequential };
  }
  const rows = await runDeploySizes(sizes, runner, latency);
  printDeployRows(rows);
  const file = path.join(resultsDir, `${new Date().toISOString().slice(0, 10)}-deploy.json`);
  await mkdir(resultsDir, { recursive: true });
  const json = rows.map(({ result, ...row }) => ({ ...row, calls: result.calls }));
  await writeFile(
    file,
    JSON.stringify({ date: new Date().toISOString(), node: process.version, binNodeFlags: nodeFlags, rows: json }, null, 2),
  );
  console.log(`[bench] wrote ${path.relative(process.cwd(), file)}`);
  return rows.some((r) => r.budgetProblems.length > 0);
}
