import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { AlertDispatcher } from "../../../src/alerts/dispatcher.js";
import type { AlertEvent } from "../../../src/alerts/types.js";
import type { AwsClients } from "../../../src/aws/index.js";
import type { AppliedWrite, ApplyOutcome, ApplyResult } from "../../../src/engine/applier.js";
import type { DesiredState } from "../../../src/engine/desired-state.js";
import { DriftTracker } from "../../../src/state/drift.js";
import { createMetrics } from "../../../src/state/metrics.js";
import type { LiveSnapshot, PlanResult } from "../../../src/engine/planner.js";
import { Reconciler } from "../../../src/controller/reconciler.js";
import type { ReconcilerReader, ReconcilerSettings } from "../../../src/controller/reconciler.js";
import { StatusStore } from "../../../src/state/status.js";
import { EcsGitopsError } from "../../../src/errors.js";
import type { JsonObject } from "../../../src/json.js";
import type { Manifest } from "../../../src/manifests/types.js";
import { manifestSpecHash } from "../../../src/resources/common/spec-hash.js";
import { SPEC_HASH_TAG } from "../../../src/resources/types.js";
import type { Action } from "../../../src/resources/types.js";
import { captureLog } from "../alerts/capture-log.js";
import { manifestOf } from "../resources/builders.js";

const WEB = manifestOf("Service", "web", { cluster: "prod", taskDefinition: "web", desiredCount: 2 });
const API = manifestOf("Service", "api", { cluster: "prod", taskDefinition: "api", desiredCount: 1 });
const T0 = Date.parse("2026-01-01T00:00:00.000Z");

const SETTINGS: ReconcilerSettings = {
  owner: "ecs-gitops",
  region: "eu-west-1",
  defaultCluster: "prod",
  ignoreRules: [],
  mode: "sync",
  automated: true,
  selfHeal: true,
  resyncMs: 600_000,
  progressPollMs: 5_000,
};

/** A live service as DescribeServices returns it: steady, tagged with the spec hash git gave it. */
function liveService(manifest: Manifest, patch: JsonObject = {}): JsonObject {
  return {
    serviceArn: `arn:aws:ecs:eu-west-1:123456789012:service/prod/${manifest.name}`,
    status: "ACTIVE",
    desiredCount: 2,
    runningCount: 2,
    deployments: [{ status: "PRIMARY", rolloutState: "COMPLETED", desiredCount: 2, runningCount: 2 }],
    tags: [{ key: SPEC_HASH_TAG, value: manifestSpecHash(manifest) }],
    ...patch,
  };
}

function drifted(manifest: Manifest): Action {
  const call = { operation: "ecs:UpdateService" as const, input: { cluster: "prod", service: manifest.name, desiredCount: 2 } };
  return { type: "update", key: manifest.key, kind: "Service", changes: [{ path: "/desiredCount", desired: 2, live: 5 }], calls: [call] };
}

function noop(manifest: Manifest): Action {
  return { type: "noop", key: manifest.key, kind: manifest.kind, changes: [], calls: [] };
}

/** The reader seam (counting reads, no AWS behind it) and the planner seam (scripted actions). */
class FakeReader implements ReconcilerReader {
  reads: (readonly Manifest[])[] = [];
  failWith: EcsGitopsError | undefined;
  forgotten = 0;
  constructor(
    private readonly actionsOf: (manifest: Manifest) => Action,
    private readonly services: Map<string, JsonObject>,
  ) {}

  snapshot(manifests: readonly Manifest[]): Promise<LiveSnapshot> {
    this.reads.push(manifests);
    if (this.failWith) return Promise.reject(this.failWith);
    return Promise.resolve({
      accountId: "123456789012",
      revisions: new Map(),
      latestKnown: new Set(),
      services: this.services,
      rules: new Map(),
    });
  }
  readAgain(_manifests: readonly Manifest[], snapshot: LiveSnapshot): Promise<LiveSnapshot> {
    return Promise.resolve(snapshot);
  }
  /** The planner seam: the scripted action of each manifest. */
  plan(manifests: readonly Manifest[]): PlanResult {
    return { actions: manifests.map((m) => this.actionsOf(m)), readAgain: [], resolved: new Map() };
  }
  recorded: AppliedWrite[] = [];
  recordWrites(writes: readonly AppliedWrite[]): void {
    this.recorded.push(...writes);
  }
  forgetCached(): void {
    this.forgotten += 1;
  }
}

function setup(options: {
  actionsOf: (m: Manifest) => Action;
  settings?: Partial<ReconcilerSettings>;
  maxHeals?: number;
  fail?: EcsGitopsError;
  random?: () => number;
}) {
  let clock = T0;
  const alerts: AlertEvent[] = [];
  const { log } = captureLog();
  const services = new Map([WEB, API].map((m) => [m.key, liveService(m)]));
  const reader = new FakeReader(options.actionsOf, services);
  const applied: Action[][] = [];
  const apply = (actions: readonly Action[]): Promise<ApplyResult> => {
    applied.push([...actions]);
    const writes: AppliedWrite[] = [];
    const outcomes = actions.map((a): ApplyOutcome => {
      const calls = a.type === "blocked" ? [] : a.calls;
      if (options.fail) {
        writes.push(...calls.map((call) => ({ key: a.key, call, failed: true as const })));
        return { key: a.key, kind: a.kind, outcome: "failed", calls: [], error: options.fail };
      }
      writes.push(...calls.map((call) => ({ key: a.key, call, output: { service: liveService(WEB) } })));
      return { key: a.key, kind: a.kind, outcome: "applied", type: a.type, calls: calls.map((c) => c.operation) };
    });
    return Promise.resolve({ outcomes, writes });
  };
  const status = new StatusStore({ source: { url: "repo", branch: "main", path: "." } });
  const drift = new DriftTracker({ maxHeals: options.maxHeals ?? 3, healWindowMs: 3_600_000 });
  const dispatcher = new AlertDispatcher({ sinks: [{ name: "capture", send: (e) => Promise.resolve(void alerts.push(e)) }], log });
  const reconciler = new Reconciler({
    aws: {} as AwsClients,
    reader,
    plan: (manifests) => reader.plan(manifests),
    apply,
    status,
    drift,
    alerts: dispatcher,
    metrics: createMetrics(new Registry(), { defaultMetrics: false }),
    log,
    settings: { ...SETTINGS, ...options.settings },
    waveDelayMs: 1,
    now: () => new Date(clock),
    random: options.random,
  });
  const desired: DesiredState = {
    commit: "c1",
    lastGoodCommit: "c1",
    manifests: new Map([WEB, API].map((m) => [m.key, m])),
    commitOf: new Map([WEB, API].map((m) => [m.key, "c1"])),
    problems: [],
    brokenFiles: [],
  };
  reconciler.setDesired(desired);
  const advance = (ms: number) => (clock += ms);
  return { reconciler, reader, applied, status, alerts, dispatcher, advance };
}

describe("Reconciler", () => {
  it("times its requeues by the injected clock and phase, not the system's (one clock)", async () => {
    // Phase 0.25 of a 10-minute period: ticks at :02:30, :12:30 … after T0 (a multiple of the period).
    const early = setup({ actionsOf: noop, random: () => 0.25 });
    expect(await early.reconciler.reconcile(WEB.key)).toEqual({ requeueAfterMs: 750_000 });
    early.advance(100_000);
    expect(await early.reconciler.reconcile(WEB.key)).toEqual({ requeueAfterMs: 650_000 });
    const late = setup({ actionsOf: noop, random: () => 0.75 });
    expect(await late.reconciler.reconcile(WEB.key)).toEqual({ requeueAfterMs: 450_000 });
  });

  it("reverts drift with self-heal on, using the one clock it is given for the alert times", async () => {
    const t = setup({ actionsOf: (m) => (m === WEB ? drifted(m) : noop(m)) });
    const result = await t.reconciler.reconcile(WEB.key);
    // Looked at again after the progress poll, on its shared tick (within an eighth of a period more).
    expect(result).toEqual({
      requeueAfterMs: expect.toSatisfy((ms: number) => ms >= SETTINGS.progressPollMs && ms <= SETTINGS.progressPollMs * 1.125),
    });
    expect(t.applied).toEqual([[drifted(WEB)]]);
    // The reader hears of the write only from the orchestrator, after apply returned it.
    expect(t.reader.recorded.map((w) => [w.key, w.call.operation, "output" in w])).toEqual([[WEB.key, "ecs:UpdateService", true]]);
    expect(t.status.get(WEB.key)).toMatchObject({ sync: "Synced", health: "Progressing", lastAppliedRevision: "c1" });
    await t.dispatcher.flush(1000);
    expect(t.alerts.map((a) => [a.type, a.action, a.firstSeen])).toEqual([["drift.opened", "healing", new Date(T0).toISOString()]]);
  });

  it("concurrent callers share one read, and each gets its own key's result", async () => {
    const t = setup({ actionsOf: (m) => (m === WEB ? drifted(m) : noop(m)), settings: { selfHeal: false } });
    const [web, api] = await Promise.all([t.reconciler.reconcile(WEB.key), t.reconciler.reconcile(API.key)]);
    expect(t.reader.reads).toHaveLength(1);
    expect(t.reader.reads[0]!.map((m) => m.key).sort()).toEqual([API.key, WEB.key]);
    expect(t.applied).toEqual([]);
    expect(t.status.get(WEB.key)).toMatchObject({ sync: "OutOfSync", message: "drift: /desiredCount" });
    expect(t.status.get(API.key)).toMatchObject({ sync: "Synced" });
    expect(web).toHaveProperty("requeueAfterMs");
    expect(api).toHaveProperty("requeueAfterMs");
  });

  it("suspends self-heal once the budget is spent, and only the injected clock refills it", async () => {
    const t = setup({ actionsOf: (m) => (m === WEB ? drifted(m) : noop(m)), maxHeals: 1 });
    await t.reconciler.reconcile(WEB.key);
    t.advance(60_000);
    await t.reconciler.reconcile(WEB.key);
    expect(t.applied).toHaveLength(1);
    expect(t.status.get(WEB.key)?.message).toMatch(/^drift: self-heal suspended \(someone is fighting the controller/);
    await t.dispatcher.flush(1000);
    expect(t.alerts.filter((a) => a.type === "drift.opened").map((a) => a.action)).toEqual(["healing", "heal-suspended"]);
  });

  it("waits in observe mode: a pending deploy is reported, never applied", async () => {
    const pending = (m: Manifest): Action => ({ ...drifted(m), changes: [{ path: "/desiredCount", desired: 3, live: 2 }] }) as Action;
    const t = setup({ actionsOf: pending, settings: { mode: "observe" } });
    // Git moved: the tag on AWS carries another spec hash.
    const newer = { ...WEB, spec: { ...WEB.spec, desiredCount: 3 } };
    t.reconciler.setDesired({
      commit: "c2",
      lastGoodCommit: "c2",
      manifests: new Map([[WEB.key, newer]]),
      commitOf: new Map([[WEB.key, "c2"]]),
      problems: [],
      brokenFiles: [],
    });
    await t.reconciler.reconcile(WEB.key);
    expect(t.applied).toEqual([]);
    expect(t.status.get(WEB.key)).toMatchObject({ sync: "OutOfSync", message: "observe mode: not applying" });
  });

  it("a family git changed without a registration (a revert reusing a revision) deploys its services, never drift", async () => {
    const revision = (m: Manifest): Action => ({
      type: "update",
      key: m.key,
      kind: "Service",
      changes: [{ path: "/taskDefinition", desired: "web:1", live: "web:2" }],
      calls: [{ operation: "ecs:UpdateService", input: { cluster: "prod", service: m.name, taskDefinition: "web:1" } }],
    });
    let moved = false;
    const t = setup({ actionsOf: (m) => (moved && m === WEB ? revision(m) : noop(m)), settings: { selfHeal: false } });
    const image = (tag: string) => manifestOf("TaskDefinition", "web", { containerDefinitions: [{ name: "app", image: `web:${tag}` }] });
    const at = (commit: string, definition: Manifest): DesiredState => ({
      commit,
      lastGoodCommit: commit,
      manifests: new Map([WEB, API, definition].map((m) => [m.key, m])),
      commitOf: new Map([WEB, API, definition].map((m) => [m.key, commit])),
      problems: [],
      brokenFiles: [],
    });
    t.reconciler.setDesired(at("c2", image("bad")));
    await t.reconciler.reconcile(WEB.key);
    expect(t.status.get(WEB.key)).toMatchObject({ sync: "Synced" });
    // git revert: the family's content goes back; an earlier revision has it, so nothing is registered.
    moved = true;
    t.reconciler.setDesired(at("c3", image("good")));
    await t.reconciler.reconcile(WEB.key);
    expect(t.applied).toEqual([[revision(WEB)]]);
    expect(t.status.get(WEB.key)).toMatchObject({ sync: "Synced", lastAppliedRevision: "c3" });
    // The same revision move made by hand, with git unchanged, stays drift (self-heal off: reported only).
    t.advance(60_000);
    await t.reconciler.reconcile(WEB.key);
    expect(t.applied).toHaveLength(1);
    expect(t.status.get(WEB.key)).toMatchObject({ sync: "OutOfSync" });
  });

  it("a failed read retries every key of the wave and keeps the caches when AWS answered", async () => {
    const t = setup({ actionsOf: (m) => drifted(m) });
    t.reader.failWith = new EcsGitopsError("Throttled", "Rate exceeded", { retryable: true });
    const results = await Promise.all([t.reconciler.reconcile(WEB.key), t.reconciler.reconcile(API.key)]);
    expect(results).toEqual([{ retry: true }, { retry: true }]);
    expect(t.status.get(WEB.key)).toMatchObject({ sync: "Unknown", lastError: { code: "Throttled" } });
    expect(t.reader.forgotten).toBe(0);
  });

  it("a failed write stalls a terminal error until the next commit", async () => {
    const t = setup({ actionsOf: (m) => drifted(m), fail: new EcsGitopsError("InvalidRequest", "bad parameter") });
    expect(await t.reconciler.reconcile(WEB.key)).toEqual({ stalled: true });
    expect(t.status.get(WEB.key)).toMatchObject({ sync: "Unknown", lastError: { code: "InvalidRequest", message: "bad parameter" } });
    // A failed write may still have landed: the reader is told, so its caches do not vouch for it.
    expect(t.reader.recorded.map((w) => [w.key, "failed" in w])).toEqual([[WEB.key, true]]);
  });

  it(
    "a resource it created and that was deleted by hand before the next " + "look is drift, never created again without self-heal",
    async () => {
      const create = (m: Manifest): Action => ({
        type: "create",
        key: m.key,
        kind: m.kind,
        changes: [],
        calls: [{ operation: "ecs:CreateService", input: { serviceName: m.name } }],
      });
      // Missing on every look: created by us on the first, deleted by hand before the second.
      const t = setup({ actionsOf: (m) => (m === WEB ? create(m) : noop(m)), settings: { selfHeal: false } });
      await t.reconciler.reconcile(WEB.key);
      await t.reconciler.reconcile(WEB.key);
      expect(t.applied.flat().map((a) => a.key)).toEqual([WEB.key]);
      expect(t.status.get(WEB.key)).toMatchObject({ sync: "OutOfSync", message: "drift: deleted outside git" });
    },
  );

  it("remembers a resource it saw live: gone with the same spec is drift, and forgets that when the key leaves git", async () => {
    let gone = false;
    const create = (m: Manifest): Action => ({
      type: "create",
      key: m.key,
      kind: m.kind,
      changes: [],
      calls: [{ operation: "ecs:CreateService", input: { serviceName: m.name } }],
    });
    const t = setup({ actionsOf: (m) => (gone && m === WEB ? create(m) : noop(m)), settings: { selfHeal: false } });
    await t.reconciler.reconcile(WEB.key);
    gone = true;
    await t.reconciler.reconcile(WEB.key);
    expect(t.applied).toEqual([]);
    expect(t.status.get(WEB.key)).toMatchObject({ sync: "OutOfSync", message: "drift: deleted outside git" });
    const withoutWeb = {
      commit: "c2",
      lastGoodCommit: "c2",
      manifests: new Map([[API.key, API]]),
      commitOf: new Map([[API.key, "c2"]]),
      problems: [],
      brokenFiles: [],
    };
    t.reconciler.setDesired(withoutWeb);
    await t.reconciler.reconcile(WEB.key);
    t.reconciler.setDesired({
      ...withoutWeb,
      manifests: new Map([
        [API.key, API],
        [WEB.key, WEB],
      ]),
      commitOf: new Map([
        [API.key, "c2"],
        [WEB.key, "c2"],
      ]),
    });
    await t.reconciler.reconcile(WEB.key);
    expect(t.applied.map((wave) => wave.map((a) => [a.type, a.key]))).toEqual([[["create", WEB.key]]]);
  });

  it.each([
    ["DependencyNotReady", { retry: true }],
    ["NotOwned", { stalled: true }],
    ["ImmutableField", { stalled: true }],
  ] as const)("a plan blocked with %s is requeued as the one requeue table says", async (code, expected) => {
    const t = setup({
      actionsOf: (m) => ({ type: "blocked", key: m.key, kind: m.kind, changes: [], code, reason: "blocked here", hint: "do this" }),
    });
    expect(await t.reconciler.reconcile(WEB.key)).toEqual(expected);
    expect(t.status.get(WEB.key)).toMatchObject({ sync: "OutOfSync", message: "blocked here", lastError: { code } });
  });

  it("a key that left git is forgotten, never deleted", async () => {
    const t = setup({ actionsOf: (m) => drifted(m) });
    await t.reconciler.reconcile(WEB.key);
    t.reconciler.setDesired({
      commit: "c2",
      lastGoodCommit: "c2",
      manifests: new Map([[API.key, API]]),
      commitOf: new Map([[API.key, "c2"]]),
      problems: [],
      brokenFiles: [],
    });
    expect(await t.reconciler.reconcile(WEB.key)).toEqual({ stalled: true });
    expect(t.status.get(WEB.key)).toBeUndefined();
    expect(t.applied).toHaveLength(1);
  });
});
