import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { AlertDispatcher } from "../../../src/alerts/dispatcher.js";
import type { AwsClients } from "../../../src/aws/index.js";
import type { ApplyResult } from "../../../src/engine/applier.js";
import type { LiveSnapshot, PlanResult } from "../../../src/engine/planner.js";
import { Reconciler } from "../../../src/controller/reconciler.js";
import type { ReconcilerOptions, ReconcilerReader } from "../../../src/controller/reconciler.js";
import { EcsGitopsError, REQUEUE, requeueAfter, requeueFor } from "../../../src/errors.js";
import type { ErrorCode } from "../../../src/errors.js";
import type { Manifest } from "../../../src/manifests/types.js";
import type { Action } from "../../../src/resources/types.js";
import { DriftTracker } from "../../../src/state/drift.js";
import { createMetrics } from "../../../src/state/metrics.js";
import { StatusStore } from "../../../src/state/status.js";
import { captureLog } from "../alerts/capture-log.js";
import { manifestOf } from "../resources/builders.js";

/*
 * Every way a reconcile ends without a result of its own goes through the one REQUEUE table
 * (errors.ts): a throw past the read (an applier or renderer bug) is shown on the key's status and
 * requeued by its code, an unexpected one as Internal (stalled), never retried blindly.
 */

const WORKER = manifestOf("Service", "worker", { cluster: "ops", taskDefinition: "worker", desiredCount: 3 });
const NOW = new Date("2026-03-04T05:06:07.000Z");
const UPDATE: Action = {
  type: "update",
  key: WORKER.key,
  kind: "Service",
  changes: [{ path: "/desiredCount", desired: 3, live: 1 }],
  calls: [{ operation: "ecs:UpdateService", input: { cluster: "ops", service: "worker", desiredCount: 3 } }],
};

type Seams = Pick<ReconcilerOptions, "apply" | "onPlanned"> & { plan?: (manifests: readonly Manifest[]) => PlanResult };

function reconcilerWith(seams: Seams) {
  const reader: ReconcilerReader = {
    snapshot: (): Promise<LiveSnapshot> =>
      Promise.resolve({ accountId: "210987654321", revisions: new Map(), latestKnown: new Set(), services: new Map(), rules: new Map() }),
    readAgain: (_m, snapshot) => Promise.resolve(snapshot),
    recordWrites: () => undefined,
    forgetCached: () => undefined,
  };
  const { log, lines } = captureLog();
  const status = new StatusStore({ source: { url: "repo", branch: "main", path: "." } });
  const reconciler = new Reconciler({
    aws: {} as AwsClients,
    reader,
    plan: seams.plan ?? ((manifests) => ({ actions: manifests.map(() => UPDATE), readAgain: [], resolved: new Map() })),
    apply: seams.apply,
    onPlanned: seams.onPlanned,
    status,
    drift: new DriftTracker({}),
    alerts: new AlertDispatcher({ sinks: [], log }),
    metrics: createMetrics(new Registry(), { defaultMetrics: false }),
    log,
    settings: {
      owner: "ecs-gitops",
      region: "eu-central-1",
      defaultCluster: "ops",
      ignoreRules: [],
      mode: "sync",
      automated: true,
      selfHeal: true,
      resyncMs: 120_000,
      progressPollMs: 3_000,
    },
    waveDelayMs: 1,
    now: () => NOW,
  });
  reconciler.setDesired({
    commit: "f00d",
    lastGoodCommit: "f00d",
    manifests: new Map([[WORKER.key, WORKER]]),
    commitOf: new Map([[WORKER.key, "f00d"]]),
    problems: [],
    brokenFiles: [],
  });
  return { reconciler, status, lines };
}

const lastErrorOf = (status: StatusStore) => status.get(WORKER.key)?.lastError;

describe("requeues outside a failed read or write follow the REQUEUE table", () => {
  it("a plan that throws shows lastError and stalls as Internal", async () => {
    const t = reconcilerWith({
      plan: () => {
        throw new TypeError("Cannot read properties of undefined (reading 'containerDefinitions')");
      },
    });
    expect(await t.reconciler.reconcile(WORKER.key)).toEqual({ stalled: true });
    expect(lastErrorOf(t.status)).toEqual({
      code: "Internal",
      message: expect.stringMatching(/containerDefinitions/),
      at: NOW.toISOString(),
    });
  });

  it("a renderer that throws after the plan shows lastError and stalls as Internal, with the stack logged", async () => {
    const t = reconcilerWith({
      onPlanned: () => {
        throw new RangeError("Invalid time value");
      },
    });
    expect(await t.reconciler.reconcile(WORKER.key)).toEqual({ stalled: true });
    expect(lastErrorOf(t.status)).toEqual({ code: "Internal", message: "Invalid time value", at: NOW.toISOString() });
    expect(t.status.get(WORKER.key)?.sync).toBe("Unknown");
    const thrown = t.lines.find((l) => l["msg"] === "reconcile threw");
    expect(thrown?.["key"]).toBe(WORKER.key);
    expect(String((thrown?.["err"] as { stack?: string } | undefined)?.stack)).toMatch(/RangeError: Invalid time value/);
  });

  it("an applier that throws a classified error is requeued by its code: Throttled backs off, NotOwned stalls", async () => {
    for (const [code, expected] of [
      ["Throttled", { retry: true }],
      ["NotOwned", { stalled: true }],
    ] as const) {
      const t = reconcilerWith({
        apply: (): Promise<ApplyResult> => Promise.reject(new EcsGitopsError(code, `${code} on UpdateService`, { where: WORKER.key })),
      });
      expect(await t.reconciler.reconcile(WORKER.key), code).toEqual(expected);
      expect(lastErrorOf(t.status)?.code, code).toBe(code);
    }
  });

  it("a plan that leaves the key out is read again (DependencyNotReady's entry), with no error shown", async () => {
    const t = reconcilerWith({ plan: () => ({ actions: [], readAgain: [], resolved: new Map() }) });
    expect(await t.reconciler.reconcile(WORKER.key)).toEqual({ retry: true });
    expect(lastErrorOf(t.status)).toBeUndefined();
  });

  it("requeueAfter / requeueFor read the table, a retryable error backs off whatever its code", () => {
    for (const code of Object.keys(REQUEUE) as ErrorCode[]) {
      const expected = REQUEUE[code] === "backoff" ? { retry: true } : { stalled: true };
      expect(requeueFor(code), code).toEqual(expected);
      expect(requeueAfter(new EcsGitopsError(code, "x", { retryable: false })), code).toEqual(expected);
    }
    expect(requeueAfter(new EcsGitopsError("Internal", "x", { retryable: true }))).toEqual({ retry: true });
  });
});
