import { applyOnce, planOnce } from "../src/engine/one-shot.js";
import type { AwsClients } from "../src/aws/index.js";
import { destroyAwsClients } from "../src/aws/index.js";
import { MOTO_REGION } from "../test/e2e/moto.js";
import { changeImages } from "./fleet.js";
import type { FleetScale } from "./fleet.js";
import { callsBetween, WaveHarness } from "./harness.js";
import { MemorySampler } from "./memory-log.js";
import type { PhaseResult } from "./scenario.js";

const EMPTY = { reads: 0, writes: 0, attempts: 0, errors: 0, throttles: 0, byOperation: {} };

export type DeployPhases = { phases: Record<string, PhaseResult>; peakRssMiB: Record<string, number> };

/**
 * Deploy a new image to every one of N services (N families, no rules), as a controller does it
 * (`run`, warm caches after its cold sync) and as the one-shot `ecs-gitops apply` does it (empty
 * caches), each with its calls, wall time and its own peak RSS (sampled during the phase).
 */
export async function deployScenario(
  aws: AwsClients,
  endpoint: string,
  account: { accountId: string; dir: string },
  scale: FleetScale,
): Promise<DeployPhases> {
  const peaks: Record<string, number> = {};
  const phases: Record<string, PhaseResult> = {};
  const harness = new WaveHarness({ aws, region: MOTO_REGION });
  try {
    const coldSampler = new MemorySampler().start();
    const cold = await harness.load(account.dir, "commit-1");
    const setup = await harness.sync(cold.keys);
    if (setup.failed.length > 0) throw new Error(`deploy scenario: the cold sync failed for ${setup.failed.join(", ")}`);
    peaks["coldSync"] = coldSampler.stop("coldSync");

    await changeImages(account.dir, 0, scale.services, "2.0.0");
    const runSampler = new MemorySampler().start();
    const changed = await harness.load(account.dir, "commit-2");
    const before = harness.calls();
    const cpu = process.cpuUsage();
    const run = await harness.sync(changed.keys);
    const used = process.cpuUsage(cpu);
    const after = harness.calls();
    phases["deployRun"] = {
      wallMs: Math.round(run.wallMs),
      calls: callsBetween(before, after),
      attempts: after.attempts - before.attempts,
      throttles: after.throttles - before.throttles,
      waves: run.waves,
      retries: run.retries,
      failed: run.failed.length,
      notSynced: run.notSynced.length,
      processCpuMs: Math.round((used.user + used.system) / 1000),
    };
    peaks["deployRun"] = runSampler.stop("deployRun");
  } finally {
    await harness.stop();
  }

  await changeImages(account.dir, 0, scale.services, "3.0.0");
  const oneShotSampler = new MemorySampler().start();
  const started = performance.now();
  const cpu = process.cpuUsage();
  const plan = await planOnce({
    path: account.dir,
    region: MOTO_REGION,
    endpoint,
    accountIdHeader: account.accountId,
    owner: "ecs-gitops",
    rateLimit: false,
  });
  try {
    const outcomes = await applyOnce(plan);
    const used = process.cpuUsage(cpu);
    const snapshot = plan.calls.snapshot();
    phases["deployOneShot"] = {
      wallMs: Math.round(performance.now() - started),
      calls: callsBetween(EMPTY, snapshot),
      attempts: snapshot.attempts,
      throttles: snapshot.throttles,
      waves: 1,
      retries: 0,
      failed: outcomes.filter((o) => o.outcome === "failed" || o.outcome === "blocked").length,
      notSynced: 0,
      processCpuMs: Math.round((used.user + used.system) / 1000),
    };
    peaks["deployOneShot"] = oneShotSampler.stop("deployOneShot");
  } finally {
    destroyAwsClients(plan.aws);
  }
  return { phases, peakRssMiB: peaks };
}
