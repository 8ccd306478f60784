import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { AlertDispatcher } from "../../../src/alerts/dispatcher.js";
import type { AwsClients } from "../../../src/aws/index.js";
import type { ApplyResult } from "../../../src/engine/applier.js";
import type { LiveSnapshot } from "../../../src/engine/planner.js";
import { Reconciler } from "../../../src/controller/reconciler.js";
import type { ReconcilerReader, ReconcilerSettings } from "../../../src/controller/reconciler.js";
import { EcsGitopsError } from "../../../src/errors.js";
import type { JsonObject } from "../../../src/json.js";
import type { Manifest } from "../../../src/manifests/types.js";
import { DriftTracker } from "../../../src/state/drift.js";
import { createMetrics } from "../../../src/state/metrics.js";
import { ResourceRecords } from "../../../src/state/records.js";
import type { SerializedRecords } from "../../../src/state/record-store.js";
import { parseRecords } from "../../../src/state/record-store.js";
import { StatusStore } from "../../../src/state/status.js";
import { manifestSpecHash } from "../../../src/resources/common/spec-hash.js";
import { SPEC_HASH_TAG } from "../../../src/resources/types.js";
import type { Action } from "../../../src/resources/types.js";
import { captureLog } from "../alerts/capture-log.js";
import { manifestOf } from "../resources/builders.js";
import { pluginFor } from "../../../src/resources/registry.js";
import { ControllerLeasing } from "../../../src/lease/leasing.js";
import { MemoryTable } from "../lease/memory-table.js";

/*
 * The reconciler with its resource records: what /status shows is computed from the record, and
 * a record restored after a restart (as records.json holds it) is what the policy reads.
 */

const JOBS = manifestOf("Service", "jobs", { cluster: "batch", taskDefinition: "jobs", desiredCount: 4 });
const IMAGE = (image: string) => manifestOf("TaskDefinition", "jobs", { family: "jobs", containerDefinitions: [{ name: "jobs", image }] });
const T0 = Date.parse("2026-05-06T07:08:09.000Z");

const SETTINGS: ReconcilerSettings = {
  owner: "ecs-gitops",
  region: "us-east-2",
  defaultCluster: "batch",
  ignoreRules: [],
  mode: "sync",
  automated: true,
  selfHeal: false,
  resyncMs: 300_000,
  progressPollMs: 4_000,
};

/** A steady live service; `tagged`: carries the spec-hash tag of `specOf` (the manifest as last applied). */
function live(specOf: Manifest | undefined): JsonObject {
  return {
    serviceArn: "arn:aws:ecs:us-east-2:111122223333:service/batch/jobs",
    status: "ACTIVE",
    desiredCount: 4,
    runningCount: 4,
    deployments: [{ status: "PRIMARY", rolloutState: "COMPLETED", desiredCount: 4, runningCount: 4 }],
    tags: specOf === undefined ? [] : [{ key: SPEC_HASH_TAG, value: manifestSpecHash(specOf) }],
  };
}

const UPDATE: Action = {
  type: "update",
  key: JOBS.key,
  kind: "Service",
  changes: [{ path: "/desiredCount", desired: 4, live: 6 }],
  calls: [{ operation: "ecs:UpdateService", input: { cluster: "batch", service: "jobs", desiredCount: 4 } }],
};
const NOOP: Action = { type: "noop", key: JOBS.key, kind: "Service", changes: [], calls: [] };
/** The plan when the service runs `live` and git (through its task definition) names `desired`. */
const revisionMove = (desired: string, live: string): Action => ({ ...UPDATE, changes: [{ path: "/taskDefinition", desired, live }] });

/** One controller process: its reconciler, status and records; `plan` and `service` are what the next look finds. */
function process(records: ResourceRecords, clock: { ms: number }) {
  const world = { plan: NOOP, service: live(JOBS), failWith: undefined as EcsGitopsError | undefined, applied: 0 };
  const reader: ReconcilerReader = {
    snapshot: (): Promise<LiveSnapshot> =>
      world.failWith
        ? Promise.reject(world.failWith)
        : Promise.resolve({
            accountId: "111122223333",
            revisions: new Map(),
            latestKnown: new Set(),
            services: new Map([[JOBS.key, world.service]]),
            rules: new Map(),
          }),
    readAgain: (_m, snapshot) => Promise.resolve(snapshot),
    recordWrites: () => undefined,
    forgetCached: () => undefined,
  };
  const apply = (actions: readonly Action[]): Promise<ApplyResult> => {
    world.applied += 1;
    const calls = actions.flatMap((a) => (a.type === "blocked" ? [] : a.calls));
    return Promise.resolve({
      outcomes: actions.map((a) => ({ key: a.key, kind: a.kind, outcome: "applied", type: a.type, calls: calls.map((c) => c.operation) })),
      writes: calls.map((call) => ({ key: JOBS.key, call, output: {} })),
    } as ApplyResult);
  };
  const { log } = captureLog();
  const status = new StatusStore({ source: { url: "repo", branch: "main", path: "." } });
  const reconciler = new Reconciler({
    aws: {} as AwsClients,
    reader,
    plan: (manifests) => ({ actions: manifests.map(() => world.plan), readAgain: [], resolved: new Map() }),
    apply,
    status,
    drift: new DriftTracker({ records }),
    alerts: new AlertDispatcher({ sinks: [], log }),
    metrics: createMetrics(new Registry(), { defaultMetrics: false }),
    log,
    settings: SETTINGS,
    waveDelayMs: 1,
    now: () => new Date(clock.ms),
  });
  const at = (commit: string, manifest: Manifest = JOBS, definition = IMAGE("jobs:1")) =>
    reconciler.setDesired({
      commit,
      lastGoodCommit: commit,
      manifests: new Map([manifest, definition].map((m) => [m.key, m])),
      commitOf: new Map([manifest, definition].map((m) => [m.key, commit])),
      problems: [],
      brokenFiles: [],
    });
  /** The next look finds `plan` at `commit`: one reconcile of the service. */
  const reconcileAt = async (commit: string, plan: Action, manifest?: Manifest, definition?: Manifest) => {
    world.plan = plan;
    at(commit, manifest, definition);
    await reconciler.reconcile(JOBS.key);
  };
  return { reconciler, status, world, at, reconcileAt };
}

/** A restart: the records as records.json would hand them to the next process. */
function restarted(saved: SerializedRecords): ResourceRecords {
  return new ResourceRecords({ restored: parseRecords(JSON.parse(JSON.stringify(saved)))!.records });
}

describe("Reconciler with resource records", () => {
  it("shows on /status what the record holds, as the status store showed it before records existed", async () => {
    const clock = { ms: T0 };
    const p = process(new ResourceRecords(), clock);
    const view = () => structuredClone(p.status.get(JOBS.key));
    p.at("c1");
    // 1. First look, in sync: in force as of c1, never applied by us.
    await p.reconciler.reconcile(JOBS.key);
    const healthy = { key: JOBS.key, kind: "Service", name: "jobs", sync: "Synced", health: "Healthy", message: "4/4 tasks running" };
    expect(view()).toEqual({ ...healthy, lastAppliedRevision: "c1" });
    // 2. Git moves (the tag carries another hash): deployed, applied at c2 at the injected time.
    clock.ms += 60_000;
    const moved = { ...JOBS, spec: { ...JOBS.spec, desiredCount: 5 } };
    p.world.plan = UPDATE;
    p.at("c2", moved);
    await p.reconciler.reconcile(JOBS.key);
    const applied = { lastAppliedRevision: "c2", lastAppliedAt: new Date(T0 + 60_000).toISOString() };
    expect(view()).toMatchObject({ sync: "Synced", ...applied });
    expect(view()?.lastError).toBeUndefined();
    // 3. In sync again: the applied fields stay.
    p.world.plan = NOOP;
    p.world.service = live(moved);
    clock.ms += 60_000;
    await p.reconciler.reconcile(JOBS.key);
    expect(view()).toEqual({ ...healthy, ...applied });
    // 4. Drift with self-heal off: reported, the applied fields stay.
    p.world.plan = UPDATE;
    await p.reconciler.reconcile(JOBS.key);
    expect(view()).toMatchObject({ sync: "OutOfSync", message: "drift: /desiredCount", ...applied });
    expect(p.world.applied).toBe(1);
    // 5. A failed read: Unknown with the error, the applied fields stay.
    p.world.failWith = new EcsGitopsError("AccessDenied", "no ecs:DescribeServices", { where: JOBS.key });
    await p.reconciler.reconcile(JOBS.key);
    expect(view()).toMatchObject({ sync: "Unknown", lastError: { code: "AccessDenied" }, ...applied });
  });

  it("after a restart, the persisted last applied commit tells drift from a deploy where no tag can", async () => {
    const clock = { ms: T0 };
    const first = process(new ResourceRecords(), clock);
    // A service without the spec-hash tag (it never took one, e.g. tags refused): only the commit tells.
    first.world.service = live(undefined);
    first.at("c5");
    await first.reconciler.reconcile(JOBS.key);
    const before = first.status.get(JOBS.key)?.lastAppliedRevision;

    // Restarted with the records the first process saved; git unchanged; someone scales it by hand.
    const saved = new ResourceRecords();
    saved.update(JOBS.key, { lastAppliedCommit: "c5" });
    const second = process(restarted(saved.serialize()), clock);
    second.world.service = live(undefined);
    second.world.plan = UPDATE;
    second.at("c5");
    await second.reconciler.reconcile(JOBS.key);
    expect(second.world.applied).toBe(0);
    expect(second.status.get(JOBS.key)).toMatchObject({ sync: "OutOfSync", message: "drift: /desiredCount", lastAppliedRevision: before });

    // Without the record (a fresh process with nothing persisted), the same look would deploy: the old behaviour.
    const forgetful = process(new ResourceRecords(), clock);
    forgetful.world.service = live(undefined);
    forgetful.world.plan = UPDATE;
    forgetful.at("c5");
    await forgetful.reconciler.reconcile(JOBS.key);
    expect(forgetful.world.applied).toBe(1);
  });

  it("the record's families and applied fields outlive the process; memory-only fields do not", async () => {
    const clock = { ms: T0 };
    const records = new ResourceRecords();
    const p = process(records, clock);
    p.world.plan = UPDATE;
    p.world.service = live({ ...JOBS, spec: { ...JOBS.spec, desiredCount: 9 } });
    p.at("c8");
    await p.reconciler.reconcile(JOBS.key);
    const after = restarted(records.serialize()).get(JOBS.key);
    expect(after).toEqual({
      lastAppliedCommit: "c8",
      lastAppliedAt: new Date(T0).toISOString(),
      seenLiveHash: manifestSpecHash(JOBS),
      families: { jobs: pluginFor(IMAGE("jobs:1")).specHash(IMAGE("jobs:1")) },
    });
    expect(records.get(JOBS.key).appliedAt).toBe(T0);
  });

  it("after a restart, a task definition git reverted meanwhile deploys its service, where a move by hand is drift", async () => {
    const clock = { ms: T0 };
    const records = new ResourceRecords();
    await process(records, clock).reconcileAt("c1", NOOP, JOBS, IMAGE("jobs:bad"));
    const moved = revisionMove("jobs:1", "jobs:2");

    // Down meanwhile: git reverts the image (the service's own spec, and so its tag, unchanged).
    const reverted = process(restarted(records.serialize()), clock);
    await reverted.reconcileAt("c2", moved, JOBS, IMAGE("jobs:good"));
    expect(reverted.world.applied).toBe(1);
    expect(reverted.status.get(JOBS.key)).toMatchObject({ sync: "Synced", lastAppliedRevision: "c2" });

    // The same revision move with git unchanged since the record: drift, self-heal off, not applied.
    const byHand = process(restarted(records.serialize()), clock);
    await byHand.reconcileAt("c1", moved, JOBS, IMAGE("jobs:bad"));
    expect(byHand.world.applied).toBe(0);
    expect(byHand.status.get(JOBS.key)).toMatchObject({ sync: "OutOfSync", message: "drift: /taskDefinition" });
  });

  it("a replica that gets its shard back after another replica held it takes a hand move for drift, not for git's change", async () => {
    const clock = { ms: T0 };
    // Replica a applies c1 (image jobs:1), then loses the shard to b. While b holds it, git changes
    // the image (c2, deployed by b) and someone moves the service to another revision by hand.
    const records = new ResourceRecords();
    await process(records, clock).reconcileAt("c1", NOOP, JOBS, IMAGE("jobs:1"));
    expect(records.get(JOBS.key).families).toBeDefined();
    const handMove = revisionMove("jobs:2", "jobs:7");

    /** a gets the shard back (from b, or from its own hold) and reconciles c2; the controller's hook as wired. */
    const regain = async (previousHolder: string) => {
      const kept = restarted(records.serialize());
      const table = new MemoryTable();
      table.rows.set("shard#0", { leaseKey: "shard#0", owner: previousHolder, version: "v9" });
      const lease = { t: 0 };
      const leasing = new ControllerLeasing(
        { table: "leases", durationMs: 3_000, shards: 1, shardBy: "cluster", replicaId: "a" },
        { region: undefined, endpoint: undefined, accountIdHeader: undefined },
        captureLog().log,
        { table, now: () => lease.t },
      );
      leasing.onShardsAcquired(({ foreign }) => kept.forgetFamilies((key) => foreign.has(leasing.shardOf(key))));
      leasing.setDesired(new Map([JOBS, IMAGE("jobs:2")].map((m) => [m.key, m])), "batch");
      for (; !leasing.owns(JOBS.key) && lease.t < 12_000; lease.t += 500) await leasing.tick();
      expect(leasing.owns(JOBS.key)).toBe(true);
      const p = process(kept, clock);
      await p.reconcileAt("c2", handMove, JOBS, IMAGE("jobs:2"));
      return p;
    };

    // Taken back from b: the family hashes are forgotten, so the hand move is drift (self-heal off): reported, not written.
    const fromB = await regain("b");
    expect(fromB.world.applied).toBe(0);
    expect(fromB.status.get(JOBS.key)).toMatchObject({ sync: "OutOfSync", message: "drift: /taskDefinition" });

    // Without the forget (its own hold: the records are current as far as a can know), the stale
    // hashes say git changed the family since a's apply, and the hand move is deployed over.
    const fromItself = await regain("a");
    expect(fromItself.world.applied).toBe(1);
  });
});
