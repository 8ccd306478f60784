import { DescribeClustersCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { ListRulesCommand, ListTagsForResourceCommand, ListTargetsByRuleCommand } from "@aws-sdk/client-eventbridge";
import type { MiddlewareStack } from "@smithy/types";
import PQueue from "p-queue";
import { createAwsClients, destroyAwsClients } from "../src/aws/index.js";
import type { AwsClients } from "../src/aws/index.js";
import { applyPlan } from "../src/engine/applier.js";
import { LiveReader } from "../src/engine/live-state.js";
import { readAndPlan } from "../src/engine/read-plan.js";
import { loadDesiredState } from "../src/resources/load.js";
import { MOTO_CREDENTIALS, MOTO_REGION } from "../test/e2e/moto.js";
import { clusterOf, clustersOf, familyName } from "./fleet.js";
import type { FleetScale } from "./fleet.js";

/** Per operation: median, p90 and sample count of single-call latencies (ms), as the SDK client sees them. */
export type Latency = { medianMs: number; p90Ms: number; samples: number };
export type Calibration = {
  /** Sequential calls (one in flight): the per-call cost the floor uses (writes: scratch account; reads: the measured one). */
  sequential: Record<string, Latency>;
  /** DescribeServices with 8 in flight: what moto sustains in parallel (ms per call). */
  parallel8MsPerCall: number;
};

/** Records the wall time of every logical call per operation (initialize step: outside retries). */
export class LatencyRecorder {
  readonly samples = new Map<string, number[]>();
  enabled = false;

  applyTo<I extends object, O extends object>(stack: MiddlewareStack<I, O>, service: "ecs" | "events"): void {
    stack.add(
      (next, context) => async (args) => {
        if (!this.enabled) return next(args);
        const started = performance.now();
        try {
          return await next(args);
        } finally {
          const op = `${service}:${(context.commandName ?? "Unknown").replace(/Command$/, "")}`;
          this.samples.set(op, [...(this.samples.get(op) ?? []), performance.now() - started]);
        }
      },
      { step: "initialize", priority: "low", name: "benchLatency", override: true },
    );
  }

  summary(): Record<string, Latency> {
    const out: Record<string, Latency> = {};
    for (const [op, samples] of [...this.samples].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const sorted = [...samples].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
      out[op] = { medianMs: round(at(0.5)), p90Ms: round(at(0.9)), samples: sorted.length };
    }
    return out;
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;

async function repeat(times: number, call: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < times; i += 1) await call(i);
}

function clientsFor(endpoint: string, accountId: string, recorder: LatencyRecorder): AwsClients {
  const aws = createAwsClients({
    endpoint,
    region: MOTO_REGION,
    credentials: MOTO_CREDENTIALS,
    accountIdHeader: accountId,
    rateLimit: false,
  });
  recorder.applyTo(aws.ecs.middlewareStack, "ecs");
  recorder.applyTo(aws.events.middlewareStack, "events");
  return aws;
}

/**
 * Write latencies, one call in flight: a sequential apply (concurrency 1) of a small fleet in a
 * scratch account, so each write has the exact shape the benchmark sends, then UpdateService
 * (the one-change update).
 */
export async function calibrateWrites(endpoint: string, scratch: { accountId: string; dir: string }): Promise<Record<string, Latency>> {
  const recorder = new LatencyRecorder();
  const aws = clientsFor(endpoint, scratch.accountId, recorder);
  try {
    const { manifests } = await loadDesiredState(scratch.dir);
    const reader = new LiveReader(aws, { readConcurrency: 1 });
    const settings = { owner: "ecs-gitops", revision: "calibration", region: MOTO_REGION, defaultCluster: undefined, ignoreRules: [] };
    const { result } = await readAndPlan(reader, manifests, settings);
    recorder.enabled = true;
    const { writes } = await applyPlan(aws, result.actions, { concurrency: 1 });
    reader.recordWrites(writes.filter((w) => "output" in w));
    await repeat(50, (k) =>
      aws.ecs.send(new UpdateServiceCommand({ cluster: "bench-0", service: familyName(k % 10), desiredCount: 1 + (k % 3) })),
    );
    return recorder.summary();
  } finally {
    destroyAwsClients(aws);
  }
}

/**
 * Read latencies against the measured (populated) account, one call in flight, so they cost what
 * the benchmark's reads cost; and DescribeServices with 8 in flight, for what moto sustains.
 */
export async function calibrateReads(endpoint: string, accountId: string, scale: FleetScale): Promise<Calibration> {
  const recorder = new LatencyRecorder();
  const aws = clientsFor(endpoint, accountId, recorder);
  try {
    const { ecs, events } = aws;
    const cluster = clusterOf(scale, 0);
    const inCluster = Array.from({ length: scale.services }, (_, i) => i).filter((i) => clusterOf(scale, i) === cluster);
    const batch = (k: number) => Array.from({ length: 10 }, (_, j) => familyName(inCluster[(k * 10 + j) % inCluster.length] ?? 0));
    const { Rules = [] } = await events.send(new ListRulesCommand({ Limit: 100 }));
    const ruleAt = (k: number) => Rules[k % Math.max(1, Rules.length)];
    const { services = [] } = await ecs.send(new DescribeServicesCommand({ cluster, services: batch(0) }));
    const taskDefinitions = services.map((s) => s.taskDefinition ?? familyName(0));
    recorder.enabled = true;
    await repeat(200, (k) => ecs.send(new DescribeServicesCommand({ cluster, services: batch(k), include: ["TAGS"] })));
    await repeat(50, () => events.send(new ListRulesCommand({ Limit: 100 })));
    await repeat(100, (k) => events.send(new ListTargetsByRuleCommand({ Rule: ruleAt(k)?.Name ?? "job-0000", Limit: 100 })));
    await repeat(50, (k) => events.send(new ListTagsForResourceCommand({ ResourceARN: ruleAt(k)?.Arn ?? "" })));
    await repeat(100, (k) =>
      ecs.send(
        new DescribeTaskDefinitionCommand({
          taskDefinition: taskDefinitions[k % taskDefinitions.length] ?? familyName(0),
          include: ["TAGS"],
        }),
      ),
    );
    await repeat(20, () => ecs.send(new DescribeClustersCommand({ clusters: clustersOf(scale), include: ["TAGS", "SETTINGS"] })));
    recorder.enabled = false;
    const parallel = new PQueue({ concurrency: 8 });
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 400 }, (_, k) =>
        parallel.add(() => ecs.send(new DescribeServicesCommand({ cluster, services: batch(k), include: ["TAGS"] }))),
      ),
    );
    const parallel8MsPerCall = round((performance.now() - started) / 400);
    return { sequential: recorder.summary(), parallel8MsPerCall };
  } finally {
    destroyAwsClients(aws);
  }
}

/** Σ calls × median sequential latency of that operation (ms). Operations never calibrated count 0 and are listed. */
export function floorMs(calls: Record<string, number>, latency: Record<string, Latency>): { floorMs: number; uncalibrated: string[] } {
  let total = 0;
  const uncalibrated: string[] = [];
  for (const [op, n] of Object.entries(calls)) {
    const median = latency[op]?.medianMs;
    if (median === undefined) uncalibrated.push(op);
    else total += n * median;
  }
  return { floorMs: round(total), uncalibrated };
}
