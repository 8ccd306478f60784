import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { AlertDispatcher } from "../../../src/alerts/dispatcher.js";
import type { AwsClients } from "../../../src/aws/index.js";
import type { AppliedWrite, ApplyOptions, ApplyOutcome, ApplyResult } from "../../../src/engine/applier.js";
import type { DesiredState } from "../../../src/engine/desired-state.js";
import type { LiveSnapshot, PlanResult } from "../../../src/engine/planner.js";
import { PRUNE_KEY } from "../../../src/controller/prune-pass.js";
import type { QueueResult } from "../../../src/controller/queue.js";
import { Reconciler } from "../../../src/controller/reconciler.js";
import type { ReconcilerSettings } from "../../../src/controller/reconciler.js";
import { EcsGitopsError } from "../../../src/errors.js";
import type { JsonObject } from "../../../src/json.js";
import type { Manifest, ResourceKey } from "../../../src/manifests/types.js";
import { DriftTracker } from "../../../src/state/drift.js";
import { createMetrics } from "../../../src/state/metrics.js";
import { StatusStore } from "../../../src/state/status.js";
import { arnPlaceholder } from "../../../src/resources/types.js";
import type { Action } from "../../../src/resources/types.js";
import { captureLog } from "../alerts/capture-log.js";
import { manifestOf } from "../resources/builders.js";

const FAMILY = manifestOf("TaskDefinition", "billing", { family: "billing", containerDefinitions: [] });
const SERVICE = manifestOf("Service", "billing", { cluster: "blue", taskDefinition: "billing", desiredCount: 3 });
const WORKER = manifestOf("Service", "worker", { cluster: "blue", taskDefinition: "arn:pinned", desiredCount: 1 });
const REGISTERED = "arn:aws:ecs:ap-south-1:210987654321:task-definition/billing:41";

const SETTINGS: ReconcilerSettings = {
  owner: "ecs-gitops",
  region: "ap-south-1",
  defaultCluster: "blue",
  ignoreRules: [],
  mode: "sync",
  automated: true,
  selfHeal: false,
  resyncMs: 900_000,
  progressPollMs: 7_000,
};

/** Nothing exists yet: git creates all three (the service names the family's revision this run registers). */
function creates(manifest: Manifest): Action {
  const input: JsonObject =
    manifest === FAMILY
      ? { family: "billing" }
      : { serviceName: manifest.name, taskDefinition: manifest === SERVICE ? arnPlaceholder(FAMILY.key) : "arn:pinned" };
  const operation = manifest === FAMILY ? "ecs:RegisterTaskDefinition" : "ecs:CreateService";
  return { type: "create", key: manifest.key, kind: manifest.kind, changes: [], calls: [{ operation, input }] };
}

type Deferred = { promise: Promise<void>; release: () => void };
function deferred(): Deferred {
  let release = () => {};
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

/**
 * The reader, planner and applier seams: reads are counted, every manifest plans a create, and
 * the applier resolves placeholders only from what it was told was registered (as applyPlan does).
 */
function setup(
  options: {
    actionsOf?: (m: Manifest) => Action;
    registration?: Deferred;
    prune?: boolean;
    upcoming?: () => ResourceKey[];
    random?: () => number;
    mayReconcile?: (key: ResourceKey) => boolean;
  } = {},
) {
  const reads: ResourceKey[][] = [];
  const events: string[] = [];
  const applied: { key: ResourceKey; input: JsonObject; registered: ApplyOptions["registered"] }[] = [];
  const actionsOf = options.actionsOf ?? creates;
  const reader = {
    snapshot: (manifests: readonly Manifest[]): Promise<LiveSnapshot> => {
      reads.push(manifests.map((m) => m.key));
      return Promise.resolve({
        accountId: "210987654321",
        revisions: new Map(),
        latestKnown: new Set(),
        services: new Map(),
        rules: new Map(),
      });
    },
    readAgain: (_m: unknown, snapshot: LiveSnapshot) => Promise.resolve(snapshot),
    recordWrites: () => {},
    forgetCached: () => {},
  };
  const apply = async (actions: readonly Action[], applyOptions?: ApplyOptions): Promise<ApplyResult> => {
    const outcomes: ApplyOutcome[] = [];
    const writes: AppliedWrite[] = [];
    for (const action of actions) {
      if (action.type === "noop" || action.type === "blocked") continue;
      const call = action.calls[0]!;
      if (call.operation === "ecs:RegisterTaskDefinition") await options.registration?.promise;
      const revision = call.input["taskDefinition"];
      const input =
        revision === arnPlaceholder(FAMILY.key)
          ? { ...call.input, taskDefinition: applyOptions?.registered?.get(FAMILY.key) ?? revision }
          : call.input;
      applied.push({ key: action.key, input, registered: applyOptions?.registered });
      events.push(`applied ${action.key}`);
      const registeredArn = call.operation === "ecs:RegisterTaskDefinition" ? { registeredArn: REGISTERED } : {};
      if (typeof input["taskDefinition"] === "string" && input["taskDefinition"].startsWith("${arn:")) {
        const error = new EcsGitopsError("DependencyNotReady", `${FAMILY.key} has no registered revision in this run`);
        outcomes.push({ key: action.key, kind: action.kind, outcome: "failed", calls: [], error });
        continue;
      }
      writes.push({ key: action.key, call: { ...call, input }, output: {} });
      outcomes.push({
        key: action.key,
        kind: action.kind,
        outcome: "applied",
        type: action.type,
        calls: [call.operation],
        ...registeredArn,
      });
    }
    return { outcomes, writes };
  };
  const { log } = captureLog();
  const drift = new DriftTracker({});
  const prune = {
    run: (desired: DesiredState): Promise<QueueResult> => {
      events.push(`prune ${desired.commit}`);
      return Promise.resolve({ requeueAfterMs: 60_000 });
    },
  };
  const reconciler = new Reconciler({
    aws: {} as AwsClients,
    reader,
    plan: (manifests): PlanResult => ({ actions: manifests.map(actionsOf), readAgain: [], resolved: new Map() }),
    apply,
    status: new StatusStore({ source: { url: "repo", branch: "main", path: "." } }),
    drift,
    alerts: new AlertDispatcher({ sinks: [], log }),
    metrics: createMetrics(new Registry(), { defaultMetrics: false }),
    log,
    settings: { ...SETTINGS, prune: options.prune },
    waveDelayMs: 1,
    upcoming: options.upcoming,
    mayReconcile: options.mayReconcile,
    ...(options.random ? { random: options.random } : {}),
    ...(options.prune ? { prune } : {}),
  });
  const manifests = [SERVICE, WORKER, FAMILY];
  const keys = reconciler.setDesired({
    commit: "c7",
    lastGoodCommit: "c7",
    manifests: new Map(manifests.map((m) => [m.key, m])),
    commitOf: new Map(manifests.map((m) => [m.key, "c7"])),
    problems: [],
    brokenFiles: [],
  });
  return { reconciler, reads, applied, events, keys };
}

/** Looked at again after the progress poll (7 s), on its shared tick. */
const POLLED = { requeueAfterMs: expect.toSatisfy((ms: number) => ms >= 7_000 && ms <= 7_875) };

const registrations = (applied: { key: ResourceKey }[]) => applied.filter((a) => a.key === FAMILY.key).length;

describe("Reconciler: reconcile(key) reconciles that key", () => {
  it("resolves each caller with its own key's result, from one shared read", async () => {
    const blocked = (m: Manifest): Action =>
      m === WORKER
        ? { type: "blocked", key: m.key, kind: m.kind, changes: [], code: "NotOwned", reason: "not ours", hint: "adopt it" }
        : creates(m);
    const t = setup({ actionsOf: blocked });
    const [family, worker] = await Promise.all([t.reconciler.reconcile(FAMILY.key), t.reconciler.reconcile(WORKER.key)]);
    expect(family).toEqual(POLLED);
    expect(worker).toEqual({ stalled: true });
    expect(t.reads).toHaveLength(1);
    expect(t.applied.map((a) => a.key)).toEqual([FAMILY.key]);
  });

  it("two concurrent reconciles of one key share one read and one write", async () => {
    const t = setup();
    const [first, second] = await Promise.all([t.reconciler.reconcile(FAMILY.key), t.reconciler.reconcile(FAMILY.key)]);
    expect(first).toEqual(second);
    expect(t.reads).toHaveLength(1);
    expect(registrations(t.applied)).toBe(1);
  });

  it("a service that needs a new revision waits for its family's reconcile in the same batch and uses what it registered", async () => {
    const registration = deferred();
    const t = setup({ registration });
    // The service is asked for first: its write must still follow the registration.
    const service = t.reconciler.reconcile(SERVICE.key);
    const family = t.reconciler.reconcile(FAMILY.key);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(t.events).toEqual([]);
    registration.release();
    expect(await Promise.all([service, family])).toEqual([POLLED, POLLED]);
    expect(t.reads).toHaveLength(1);
    expect(t.events).toEqual([`applied ${FAMILY.key}`, `applied ${SERVICE.key}`]);
    expect(t.applied.find((a) => a.key === SERVICE.key)?.input["taskDefinition"]).toBe(REGISTERED);
  });

  it("across batches: a service read while its family's registration is in flight shares that write, never registers again", async () => {
    const registration = deferred();
    const t = setup({ registration });
    const family = t.reconciler.reconcile(FAMILY.key);
    while (t.reads.length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    // The family's batch has read and is registering; the service's own batch plans the registration again.
    const service = t.reconciler.reconcile(SERVICE.key);
    while (t.reads.length === 1) await new Promise((resolve) => setTimeout(resolve, 2));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(t.events).toEqual([]);
    registration.release();
    expect(await service).toEqual(POLLED);
    await family;
    expect(t.reads).toHaveLength(2);
    expect(registrations(t.applied)).toBe(1);
    expect(t.events).toEqual([`applied ${FAMILY.key}`, `applied ${SERVICE.key}`]);
    expect(t.applied.find((a) => a.key === SERVICE.key)?.registered?.get(FAMILY.key)).toBe(REGISTERED);
  });

  it("a service whose family's key is still queued behind it reconciles the family itself and deploys what it registered", async () => {
    // A new commit finds the service's key already waiting (a progress poll), ahead of the family
    // the commit queued: the service starts first and its family's reconcile has not begun.
    const t = setup();
    expect(await t.reconciler.reconcile(SERVICE.key)).toEqual(POLLED);
    expect(t.events).toEqual([`applied ${FAMILY.key}`, `applied ${SERVICE.key}`]);
    expect(registrations(t.applied)).toBe(1);
    expect(t.applied.find((a) => a.key === SERVICE.key)?.input["taskDefinition"]).toBe(REGISTERED);
  });

  it("several services of one batch whose family is still queued: one of them starts it, every one waits and deploys it", async () => {
    const bothUseIt = (m: Manifest): Action => {
      const action = creates(m);
      if (m !== WORKER || action.type !== "create") return action;
      return {
        ...action,
        calls: [{ operation: "ecs:CreateService", input: { serviceName: "worker", taskDefinition: arnPlaceholder(FAMILY.key) } }],
      };
    };
    const t = setup({ actionsOf: bothUseIt });
    expect(await Promise.all([t.reconciler.reconcile(SERVICE.key), t.reconciler.reconcile(WORKER.key)])).toEqual([POLLED, POLLED]);
    expect(t.reads).toHaveLength(2);
    expect(registrations(t.applied)).toBe(1);
    for (const key of [SERVICE.key, WORKER.key]) expect(t.applied.find((a) => a.key === key)?.input["taskDefinition"]).toBe(REGISTERED);
  });

  it("never reconciles a family it may not reconcile now (another replica's shard): the service fails DependencyNotReady", async () => {
    const asked: ResourceKey[] = [];
    const t = setup({ mayReconcile: (key) => (asked.push(key), key !== FAMILY.key) });
    expect(await t.reconciler.reconcile(SERVICE.key)).toEqual({ retry: true });
    expect(asked).toEqual([FAMILY.key]);
    expect(registrations(t.applied)).toBe(0);
  });

  it("a revision registered before the service's read is not reused for a placeholder: the plan would have seen it", async () => {
    const t = setup();
    await t.reconciler.reconcile(FAMILY.key);
    // The scripted plan still asks for a registration the read did not see: the service fails, never deploys an old write's ARN.
    expect(await t.reconciler.reconcile(SERVICE.key)).toEqual({ retry: true });
    expect(t.applied.find((a) => a.key === SERVICE.key)?.registered?.size).toBe(0);
  });

  it("lists task definitions first and the prune pass last; prune runs after the writes started before it", async () => {
    const registration = deferred();
    const t = setup({ registration, prune: true });
    expect(t.keys).toEqual([FAMILY.key, SERVICE.key, WORKER.key, PRUNE_KEY]);
    const results = Promise.all(t.keys.map((key) => t.reconciler.reconcile(key)));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(t.events).toEqual([`applied ${WORKER.key}`]);
    registration.release();
    await results;
    expect(t.events).toEqual([`applied ${WORKER.key}`, `applied ${FAMILY.key}`, `applied ${SERVICE.key}`, "prune c7"]);
    expect(t.reads).toHaveLength(1);
  });

  it("reads the queued keys ahead with the running ones: they start later without reading again", async () => {
    let queued: ResourceKey[] = [SERVICE.key, WORKER.key];
    const t = setup({ upcoming: () => queued });
    const queuedAt = Date.now();
    await t.reconciler.reconcile(FAMILY.key, queuedAt);
    expect(t.reads).toEqual([[FAMILY.key, SERVICE.key, WORKER.key]]);
    queued = [];
    // Queued before that read: the slice read then is used; its family's registration is shared.
    expect(await t.reconciler.reconcile(SERVICE.key, queuedAt)).toEqual(POLLED);
    expect(t.reads).toHaveLength(1);
    expect(t.applied.find((a) => a.key === SERVICE.key)?.input["taskDefinition"]).toBe(REGISTERED);
    // Queued again after the read (a trigger the read did not see): read afresh.
    await t.reconciler.reconcile(WORKER.key, Date.now() + 1);
    expect(t.reads).toHaveLength(2);
    expect(registrations(t.applied)).toBe(1);
  });

  it("a slice read ahead is dropped with a new desired state, and never used by a caller outside the queue", async () => {
    const t = setup({ upcoming: () => [SERVICE.key, WORKER.key] });
    const queuedAt = Date.now();
    await t.reconciler.reconcile(FAMILY.key, queuedAt);
    await t.reconciler.reconcile(WORKER.key);
    expect(t.reads).toHaveLength(2);
    const desired = t.reconciler.desired!;
    t.reconciler.setDesired({ ...desired, commit: "c8" });
    await t.reconciler.reconcile(SERVICE.key, queuedAt);
    expect(t.reads).toHaveLength(3);
  });

  it("keys written one after the other poll their rollouts together: one read for the next look", async () => {
    const registration = deferred();
    // The grid's phase puts a tick 5 ms before now (plus a period): every job below finishes within
    // the eighth period (875 ms) after it, so all land on one tick. A random phase would split them
    // across a tick now and then, which says nothing about the grid.
    const started = Date.now();
    const period = SETTINGS.progressPollMs;
    const t = setup({ registration, random: () => ((((started - 5) % period) + period) % period) / period });
    const due: number[] = [];
    const finish = (job: Promise<QueueResult>) => job.then((r) => due.push(Date.now() + ("requeueAfterMs" in r ? r.requeueAfterMs! : NaN)));
    const jobs = [finish(t.reconciler.reconcile(FAMILY.key)), finish(t.reconciler.reconcile(WORKER.key))];
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The worker finished while the family still registers; the service (another batch) follows the family.
    jobs.push(finish(t.reconciler.reconcile(SERVICE.key)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    registration.release();
    await Promise.all(jobs);
    expect(t.reads).toHaveLength(2);
    expect(due.every((at) => Number.isFinite(at))).toBe(true);
    // On one grid tick; the jobs finished 100 ms and more apart, so without the grid they would differ
    // by that much. The slack covers the time between the reconciler's clock read and the test's,
    // which a loaded machine stretches past 20 ms.
    expect(Math.max(...due) - Math.min(...due)).toBeLessThanOrEqual(60);
  });
});
