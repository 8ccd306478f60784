import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { budgetOf, changeImages, changeOneImage, deployBudget, familyName } from "../../bench/fleet.js";
import type { FleetScale } from "../../bench/fleet.js";
import { callsBetween, WaveHarness } from "../../bench/harness.js";
import { destroyAwsClients } from "../../src/aws/index.js";
import type { AwsClients } from "../../src/aws/index.js";
import { applyOnce, planOnce } from "../../src/engine/one-shot.js";
import { editFile } from "./desired-repo.js";
import { ControllerProcess, GitRemote, killAllControllers, tempDir, waitFor } from "./controller-harness.js";
import { awsCallsOf, countsBetween, plusCounts, reconcilesOf } from "./controller-calls.js";
import { fleetAccount } from "./fleet-account.js";
import { motoClients } from "./moto-clients.js";
import { pruneInventoryBudget } from "../../bench/prune-budget.js";
import type { PrunePassKind } from "../../bench/prune-budget.js";
import { InventoryReader } from "../../src/engine/prune/inventory.js";
import type { InventoryReuse } from "../../src/engine/prune/inventory.js";
import { ReconcileSightings } from "../../src/controller/reconcile-sightings.js";
import { LiveReader } from "../../src/engine/live-state.js";
import { planPrune } from "../../src/engine/prune/plan.js";
import { scopeOf } from "../../src/engine/prune/scope.js";
import { loadDesiredState } from "../../src/resources/load.js";
import { MOTO_CREDENTIALS, MOTO_REGION } from "./moto.js";

const endpoint = inject("motoEndpoint");
process.env["AWS_ACCESS_KEY_ID"] ??= MOTO_CREDENTIALS.accessKeyId;
process.env["AWS_SECRET_ACCESS_KEY"] ??= MOTO_CREDENTIALS.secretAccessKey;
const SCALE: FleetScale = { services: 20, families: 20, rules: 6, clusters: 1 };
const DEPLOYED = 10;
const EMPTY_SNAPSHOT = { reads: 0, writes: 0, attempts: 0, errors: 0, throttles: 0, byOperation: {} };

/**
 * The AWS call budget (docs/scale.md), asserted exactly at a small scale: a regression that adds
 * a per-resource read (ListTagsForResource per rule, DescribeTaskDefinition per family …) to a
 * resync, or splits a resync into several waves, fails here.
 */
describe(`AWS call budget (S=${SCALE.services}, T=${SCALE.families}, R=${SCALE.rules})`, () => {
  let dir: string;
  let aws: AwsClients;
  let harness: WaveHarness;
  let keys: string[];
  let accountId: string;

  beforeAll(async () => {
    ({ accountId, dir } = await fleetAccount(endpoint, SCALE, "budget"));
    aws = motoClients(endpoint, accountId);
    harness = new WaveHarness({ aws, region: MOTO_REGION });
  });

  afterAll(async () => {
    await harness?.stop();
    if (aws) destroyAwsClients(aws);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function phase(run: () => Promise<{ waves: number; failed: string[]; notSynced: string[] }>) {
    const before = harness.calls();
    const result = await run();
    return { ...result, calls: callsBetween(before, harness.calls()) };
  }

  it("cold sync of an empty account: one wave, one lookup per family, every create, nothing else", async () => {
    const loaded = await harness.load(dir, "commit-1");
    expect(loaded.problems).toEqual([]);
    keys = loaded.keys;
    expect(keys).toHaveLength(SCALE.services + SCALE.families + SCALE.rules);
    const cold = await phase(() => harness.sync(keys));
    expect(cold.failed).toEqual([]);
    expect(cold.notSynced).toEqual([]);
    expect(cold.waves).toBe(1);
    expect(cold.calls).toEqual(budgetOf(SCALE, "coldSync"));
  });

  it("no-op resync: ⌈S/10⌉ DescribeServices, ⌈R/100⌉ ListRules, R ListTargetsByRule; no tags, no task definitions, no writes", async () => {
    const noop = await phase(() => harness.sync(keys));
    expect(noop.waves).toBe(1);
    expect(noop.calls).toEqual(budgetOf(SCALE, "noop"));
  });

  it("one image changed: the no-op reads plus one RegisterTaskDefinition and one UpdateService", async () => {
    await changeOneImage(dir, SCALE, "2.0.0");
    const loaded = await harness.load(dir, "commit-2");
    const change = await phase(() => harness.sync(loaded.keys));
    expect(change.failed).toEqual([]);
    expect(change.calls).toEqual(budgetOf(SCALE, "oneChange"));
    // Our own writes refreshed the caches: the next resync is a plain no-op again.
    const after = await phase(() => harness.sync(loaded.keys));
    expect(after.calls).toEqual(budgetOf(SCALE, "noop"));
  });

  it("one rule changed: the no-op reads, its ownership read right before the write, one PutRule and its spec-hash tag", async () => {
    await editFile(dir, "jobs/job-0000.yaml", (text) =>
      text.replace("description: Synthetic job 0", "description: Synthetic job 0, moved"),
    );
    const loaded = await harness.load(dir, "commit-3");
    const change = await phase(() => harness.sync(loaded.keys));
    expect(change.failed).toEqual([]);
    expect(change.calls).toEqual({
      ...budgetOf(SCALE, "noop"),
      "events:ListTagsForResource": 1,
      "events:PutRule": 1,
      "events:TagResource": 1,
    });
    // The check costs only on the write path: the next resync is a plain no-op again.
    const after = await phase(() => harness.sync(loaded.keys));
    expect(after.calls).toEqual(budgetOf(SCALE, "noop"));
  });

  it("deploy a new image to N services, warm (`run`): N RegisterTaskDefinition + N UpdateService + the no-op reads", async () => {
    // Families 6…15: no rule runs them (rule j runs family j), so each change is one service's.
    await changeImages(dir, SCALE.rules, DEPLOYED, "4.0.0");
    const loaded = await harness.load(dir, "commit-4");
    const deploy = await phase(() => harness.sync(loaded.keys));
    expect(deploy.failed).toEqual([]);
    expect(deploy.waves).toBe(1);
    expect(deploy.calls).toEqual(deployBudget(SCALE, DEPLOYED, "run"));
  });

  it(
    "restart with everything in place: the no-op reads plus one " + "DescribeTaskDefinition per family and the rule tags, no writes",
    async () => {
      const restarted = new WaveHarness({ aws, region: MOTO_REGION });
      try {
        const loaded = await restarted.load(dir, "commit-3");
        const before = restarted.calls();
        const run = await restarted.sync(loaded.keys);
        expect(run.failed).toEqual([]);
        expect(run.notSynced).toEqual([]);
        expect(callsBetween(before, restarted.calls())).toEqual(budgetOf(SCALE, "restart"));
        const again = restarted.calls();
        await restarted.sync(loaded.keys);
        expect(callsBetween(again, restarted.calls())).toEqual(budgetOf(SCALE, "noop"));
      } finally {
        await restarted.stop();
      }
    },
  );

  it("deploy a new image to N services, one-shot `apply`: one DescribeTaskDefinition per family, not two per changed one", async () => {
    await changeImages(dir, SCALE.rules, DEPLOYED, "5.0.0");
    expect(await applyFrom(dir, accountId)).toEqual(deployBudget(SCALE, DEPLOYED, "oneShot"));
  });

  it(
    "prune inventory: fresh, every service described and the rules listed; in the controller's passes only the services " +
      "its reconcile did not read, no rule listing it made, and the families listed at a new commit, not on a plain tick",
    async () => {
      const loaded = await loadDesiredState(dir);
      const named = new Set(loaded.manifests.map((m) => m.key));
      // What the reconcile read this period (the controller hands its sightings to the pass).
      const sightings = new ReconcileSightings();
      const snapshot = await new LiveReader(sightings.clientsFor(aws)).snapshot(loaded.manifests, { defaultCluster: undefined });
      const seen = (key: string) => snapshot.services.get(key) ?? undefined;
      const rulesListed = (bus: string) => sightings.rulesListed(bus, 60_000);
      const reader = new InventoryReader(aws);
      const passes: [PrunePassKind, InventoryReuse | undefined][] = [
        ["fresh", undefined],
        ["newCommit", { seen, rulesListed, newCommit: true }],
        ["tick", { seen, rulesListed, newCommit: false }],
        ["tick", { seen, rulesListed, newCommit: false }],
        ["fresh", undefined],
      ];
      for (const [kind, reuse] of passes) {
        const before = aws.calls.snapshot();
        const inventory = await reader.read(scopeOf(loaded.manifests, undefined), named, () => 10, reuse);
        expect({ kind, calls: callsBetween(before, aws.calls.snapshot()) }).toEqual({ kind, calls: pruneInventoryBudget(SCALE, kind) });
        expect(
          planPrune(inventory, loaded.manifests, {
            owner: "ecs-gitops",
            enabled: true,
            maxDeletes: 5,
            revisionHistoryLimit: 10,
            allowMassDelete: false,
          }).orphans,
        ).toEqual([]);
      }
    },
  );
});

/**
 * The same budget for `ecs-gitops run` itself (a child process with git, HTTP, status, records,
 * hooks, deploys and the dashboard feed), not only for the reconcile path the harness above and
 * the bench drive: a read the real controller adds per key or per resync fails here.
 *
 * Every service asks for 0 tasks: moto starts none, so with any other count a service stays
 * Progressing (docs/moto.md#no-deployment-lifecycle) and polls at the progress interval, off the
 * resync tick, as no steady service on AWS does.
 */
describe(`the real controller's call budget (S=${SCALE.services}, T=${SCALE.families}, R=${SCALE.rules})`, () => {
  afterAll(async () => {
    await killAllControllers();
  });

  it(
    "a start with the fleet in place costs the restart budget, each resync tick the no-op budget, each plus the prune inventory",
    { timeout: 180_000 },
    async (context) => {
      const { accountId, dir: content } = await fleetAccount(endpoint, SCALE, "budget-fleet");
      const root = await tempDir("budget-controller");
      for (let i = 0; i < SCALE.services; i += 1) {
        const file = path.join(content, "apps", familyName(i), "service.yaml");
        await writeFile(file, (await readFile(file, "utf8")).replace(/desiredCount: \d+/, "desiredCount: 0"));
      }
      // The fleet is put in place by a one-shot apply from a clone (same ecs-gitops:source as the
      // controller's), so the controller starts as after a restart: everything there, caches empty.
      const remote = await GitRemote.create(root, content);
      await applyFrom(remote.work, accountId);
      const keys = SCALE.services + SCALE.families + SCALE.rules;
      const controller = await ControllerProcess.start({
        repo: remote.url,
        endpoint,
        accountId,
        workDir: path.join(root, "controller"),
        interval: "1h",
        // Ticks fall at least half a period after the first sync (waves.ts): time to read the counters between them.
        resync: "8s",
        startTimeoutMs: 60_000,
      });
      context.onTestFailed(() => console.log(controller.tail()));
      const wait = { timeoutMs: 60_000, intervalMs: 100 };

      const first = await waitFor(
        "the first sync of every key",
        async () => {
          const text = await controller.metrics();
          // …and the first prune pass whole: it lists the families last, after the wave.
          const listed = (awsCallsOf(text)["ecs:ListTaskDefinitions"] ?? 0) >= SCALE.families;
          return reconcilesOf(text) === keys && listed && (await controller.isReady()) ? text : undefined;
        },
        wait,
      );
      // Besides the reconcile wave, the prune pass reads its inventory at a new commit and on every
      // resync tick, prune on or off (orphans are reported either way: docs/prune.md#read-budget):
      // at the first commit it lists the families, describes no service the wave read and lists no
      // bus the wave listed.
      expect(awsCallsOf(first)).toEqual(plusCounts(budgetOf(SCALE, "restart"), pruneInventoryBudget(SCALE, "newCommit")));

      // The prune pass keeps its own phase within the period: counted apart, each one (its
      // ListServices; the rules are the wave's) a tick's inventory, each resync tick over every key the no-op's.
      const noop = budgetOf(SCALE, "noop");
      const tick = pruneInventoryBudget(SCALE, "tick");
      let last: unknown;
      context.onTestFailed(() => console.log("calls since the first sync", JSON.stringify(last)));
      const since = (text: string) => countsBetween(awsCallsOf(first), awsCallsOf(text));
      const after = await waitFor(
        "a resync tick over every key and a whole prune pass",
        async () => {
          const text = await controller.metrics();
          const ticks = (reconcilesOf(text) - keys) / keys;
          const passes = (since(text)["ecs:ListServices"] ?? 0) / SCALE.clusters;
          const rules = ticks * (noop["events:ListRules"] ?? 0) + passes * (tick["events:ListRules"] ?? 0);
          const whole = since(text)["events:ListRules"] === rules;
          last = { ticks, passes, calls: since(text) };
          return Number.isInteger(ticks) && ticks >= 1 && passes >= 1 && whole ? { text, ticks, passes } : undefined;
        },
        wait,
      );
      expect(since(after.text)).toEqual(plusCounts(...repeat(noop, after.ticks), ...repeat(tick, after.passes)));
    },
  );
});

/** A one-shot `apply` of the manifests at `path` that must plan cleanly and apply everything; the AWS calls it made. */
async function applyFrom(path: string, accountId: string): Promise<Record<string, number>> {
  const plan = await planOnce({ path, region: MOTO_REGION, endpoint, accountIdHeader: accountId, owner: "ecs-gitops", rateLimit: false });
  try {
    expect(plan.problems).toEqual([]);
    const outcomes = await applyOnce(plan);
    expect(outcomes.filter((o) => o.outcome === "failed" || o.outcome === "blocked")).toEqual([]);
    return callsBetween(EMPTY_SNAPSHOT, plan.calls.snapshot());
  } finally {
    destroyAwsClients(plan.aws);
  }
}

function repeat<T>(value: T, times: number): T[] {
  return Array.from({ length: times }, () => value);
}
