import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import type { AlertEvent } from "../../../src/alerts/types.js";
import { DeployTracker } from "../../../src/controller/deploys.js";
import type { AppliedWrite } from "../../../src/engine/applier.js";
import type { JsonObject } from "../../../src/json.js";
import type { LiveSnapshot } from "../../../src/resources/live-snapshot.js";
import { DeployHistory } from "../../../src/state/history.js";
import { ResourceRecords } from "../../../src/state/records.js";
import { statusOf } from "../../../src/state/record-projection.js";
import { manifestOf } from "../resources/builders.js";

const log = pino({ level: "silent" });
const manifest = manifestOf("Service", "api", { cluster: "prod", taskDefinition: "api" });
const KEY = manifest.key;
const TD = "arn:aws:ecs:eu-west-1:123456789012:task-definition/api:";
const T0 = new Date("2025-06-01T10:00:00.000Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

function service(deployments: JsonObject[], extra: JsonObject = {}): JsonObject {
  return {
    serviceName: "api",
    serviceArn: "arn:aws:ecs:eu-west-1:123456789012:service/prod/api",
    clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/prod",
    status: "ACTIVE",
    taskDefinition: `${TD}8`,
    deployments,
    events: [],
    tags: [],
    ...extra,
  };
}

const deployment = (id: string, fields: JsonObject): JsonObject => ({
  id,
  status: "PRIMARY",
  taskDefinition: `${TD}8`,
  desiredCount: 2,
  runningCount: 2,
  createdAt: T0.toISOString(),
  updatedAt: T0.toISOString(),
  ...fields,
});

const snapshotOf = (svc: JsonObject | undefined): LiveSnapshot => ({
  accountId: "123456789012",
  revisions: new Map(),
  latestKnown: new Set(),
  services: new Map([[KEY, svc]]),
  rules: new Map(),
});

const updateWrite = (svc: JsonObject, input: JsonObject = {}): AppliedWrite => ({
  key: KEY,
  call: { operation: "ecs:UpdateService", input: { cluster: "prod", service: "api", ...input } },
  output: { service: svc },
});

async function world() {
  const dir = await mkdtemp(path.join(tmpdir(), "deploys-"));
  const file = path.join(dir, "history.json");
  const history = new DeployHistory({ path: file, log });
  const records = new ResourceRecords();
  const alerts: AlertEvent[] = [];
  const tracker = new DeployTracker({ history, records, alerts: { emitAll: (events) => void alerts.push(...events) }, log });
  // The status the reconciler's projection shows once the tracker recorded its facts.
  const status = { get: (key: string) => statusOf(records.get(key)) };
  return { file, history, records, status, alerts, tracker };
}

describe("DeployTracker", () => {
  it("records a deploy, settles it as rolled back at a later look, and alerts once with commit, revision, duration and cause", async () => {
    const w = await world();
    const rolling = service([deployment("ecs-svc/new", { rolloutState: "IN_PROGRESS", runningCount: 0 })]);
    w.tracker.started([updateWrite(rolling)], () => ({ commit: "abc123", heal: false }), T0);
    expect(w.history.open(KEY)).toMatchObject({ deploymentId: "ecs-svc/new", record: { outcome: "inProgress", trigger: "commit" } });

    w.tracker.observe(manifest, snapshotOf(rolling), at(1));
    expect(w.alerts).toEqual([]);
    const rolledBack = service(
      [
        deployment("ecs-svc/old", { taskDefinition: `${TD}7`, createdAt: at(3).toISOString() }),
        deployment("ecs-svc/new", {
          status: "ACTIVE",
          rolloutState: "FAILED",
          rolloutStateReason: "circuit breaker",
          updatedAt: at(3).toISOString(),
        }),
      ],
      { events: [{ createdAt: at(2).toISOString(), message: "(service api) (task 1) failed ELB health checks." }] },
    );
    w.tracker.observe(manifest, snapshotOf(rolledBack), at(4));
    w.tracker.observe(manifest, snapshotOf(rolledBack), at(5));
    expect(w.alerts).toHaveLength(1);
    expect(w.alerts[0]).toMatchObject({
      type: "deploy.rolledBack",
      commit: "abc123",
      deploy: {
        revision: `${TD}8`,
        trigger: "commit",
        outcome: "rolledBack",
        durationS: 240,
        reason: expect.stringContaining("failed ELB health checks"),
      },
    });
    expect(w.history.list(KEY)[0]).toMatchObject({ outcome: "rolledBack", finishedAt: at(4).toISOString() });
  });

  it("marks heals and restarts as such, and times out a rollout that never settles", async () => {
    const w = await world();
    const rolling = service([deployment("d1", { rolloutState: "IN_PROGRESS", runningCount: 0 })]);
    w.tracker.started([updateWrite(rolling, { forceNewDeployment: true })], () => ({ commit: "c1", heal: false }), T0);
    expect(w.history.list(KEY)[0]?.trigger).toBe("restart");
    w.tracker.observe(manifest, snapshotOf(rolling), at(9));
    expect(w.alerts).toEqual([]);
    w.tracker.observe(manifest, snapshotOf(rolling), at(11));
    expect(w.alerts).toMatchObject([{ type: "deploy.failed", deploy: { outcome: "timedOut" } }]);
    w.tracker.started([updateWrite(rolling)], () => ({ commit: "c1", heal: true }), at(12));
    expect(w.history.list(KEY)[0]?.trigger).toBe("heal");
  });

  it("shows a rollback pin as Pinned and repeats rollback.active daily, not on every look", async () => {
    const w = await world();
    const pinned = service([deployment("d2", { rolloutState: "COMPLETED", taskDefinition: `${TD}7` })], {
      taskDefinition: `${TD}7`,
      tags: [{ key: "ecs-gitops:pinned-revision", value: `${TD}7` }],
    });
    w.records.update(KEY, { look: { sync: "Synced", health: "Healthy", showDrift: true } });
    for (const minutes of [0, 10, 60 * 23]) {
      w.tracker.observe(manifest, snapshotOf(pinned), at(minutes));
      w.tracker.afterRecord(manifest, snapshotOf(pinned), at(minutes), false);
    }
    expect(w.status.get(KEY)).toMatchObject({ sync: "Pinned", history: [{ trigger: "rollback", revision: `${TD}7` }] });
    expect(w.alerts.filter((a) => a.type === "rollback.active")).toHaveLength(1);
    w.tracker.afterRecord(manifest, snapshotOf(pinned), at(60 * 24 + 1), false);
    expect(w.alerts.filter((a) => a.type === "rollback.active")).toHaveLength(2);
    // The look that lifts the pin (git names the revision again) ends it.
    w.records.update(KEY, { look: { sync: "Synced", health: "Healthy", showDrift: true } });
    w.tracker.afterRecord(manifest, snapshotOf(pinned), at(60 * 48), true);
    expect(w.status.get(KEY)?.sync).toBe("Synced");
    expect(w.alerts.filter((a) => a.type === "rollback.active")).toHaveLength(2);
  });

  it("recovers the history from the service's deployments when there is none, with each revision's commit", async () => {
    const w = await world();
    const svc = service([deployment("d3", { rolloutState: "COMPLETED" })]);
    const snapshot = {
      ...snapshotOf(svc),
      revisions: new Map([["api", [{ arn: `${TD}8`, revision: 8, taskDefinition: {}, tags: { "ecs-gitops:revision": "f00d" } }]]]),
    };
    w.tracker.observe(manifest, snapshot, at(1));
    expect(w.history.list(KEY)).toEqual([
      {
        commit: "f00d",
        revision: `${TD}8`,
        startedAt: T0.toISOString(),
        finishedAt: T0.toISOString(),
        outcome: "succeeded",
        trigger: "commit",
      },
    ]);
    expect(w.alerts).toEqual([]);
  });
});

describe("DeployHistory", () => {
  it("keeps the last N per resource in its file, restores them, and drops entries that do not fit", async () => {
    const w = await world();
    const small = new DeployHistory({ path: w.file, limit: 3, log });
    for (let i = 1; i <= 5; i++) {
      small.start(KEY, { revision: `${TD}${i}`, startedAt: at(i).toISOString(), outcome: "inProgress", trigger: "commit" }, `d${i}`);
      small.finish(KEY, { outcome: "succeeded", finishedAt: at(i + 0.5).toISOString() });
    }
    await small.flush();
    const again = new DeployHistory({ path: w.file, limit: 3, log });
    await again.restore();
    expect(again.list(KEY).map((r) => r.revision)).toEqual([`${TD}5`, `${TD}4`, `${TD}3`]);

    const text = JSON.parse(await readFile(w.file, "utf8")) as { resources: Record<string, { records: unknown[] }> };
    text.resources[KEY]!.records.push({ revision: 3, outcome: "maybe" });
    await writeFile(w.file, JSON.stringify(text));
    const tolerant = new DeployHistory({ path: w.file, log });
    await tolerant.restore();
    expect(tolerant.list(KEY)).toHaveLength(3);
    await writeFile(w.file, "{not json");
    const corrupt = new DeployHistory({ path: w.file, log });
    await corrupt.restore();
    expect(corrupt.list(KEY)).toEqual([]);
  });

  it("closes a deploy still open when the next one starts, as replaced", async () => {
    const w = await world();
    w.history.start(KEY, { revision: `${TD}1`, startedAt: at(0).toISOString(), outcome: "inProgress", trigger: "commit" }, "d1");
    w.history.start(KEY, { revision: `${TD}2`, startedAt: at(1).toISOString(), outcome: "inProgress", trigger: "commit" }, "d2");
    expect(w.history.list(KEY)[1]).toMatchObject({ outcome: "failed", reason: "replaced by a later deploy" });
    expect(w.history.open(KEY)?.deploymentId).toBe("d2");
  });
});

describe("DeployTracker with CodeDeploy", () => {
  const REVISION = `${TD}9`;
  const createDeployment: AppliedWrite = {
    key: KEY,
    call: {
      operation: "codedeploy:CreateDeployment",
      input: {
        cluster: "prod",
        service: "api",
        appSpec: { version: 0, Resources: [{ TargetService: { Type: "AWS::ECS::Service", Properties: { TaskDefinition: REVISION } } }] },
      },
    },
    output: { deploymentId: "d-ABC123" },
  };
  const outcome = (status: string, terminal: boolean) => ({
    key: KEY,
    deploymentId: "d-ABC123",
    status,
    terminal,
    health: {
      health: terminal && status !== "Succeeded" ? ("Degraded" as const) : ("Progressing" as const),
      message: `deployment ${status}`,
    },
  });

  it(
    "records the deployment with the AppSpec's revision, ignores the " + "service's own deployments, and closes it by CodeDeploy's status",
    async () => {
      const w = await world();
      w.tracker.started([createDeployment], () => ({ commit: "c0ffee", heal: false }), T0);
      expect(w.history.open(KEY)).toMatchObject({
        deploymentId: "codedeploy:d-ABC123",
        record: { revision: REVISION, outcome: "inProgress" },
      });
      // ECS still shows the old task set's deployment as completed: that is not this deploy's outcome.
      w.tracker.observe(manifest, snapshotOf(service([deployment("ecs-svc/old", { rolloutState: "COMPLETED" })])), at(20));
      w.tracker.settleCodeDeploy(outcome("InProgress", false), at(2));
      expect(w.alerts).toEqual([]);
      w.tracker.settleCodeDeploy({ ...outcome("Failed", true), deploymentId: "d-OTHER" }, at(3));
      expect(w.alerts).toEqual([]);
      w.tracker.settleCodeDeploy(outcome("Failed", true), at(4));
      w.tracker.settleCodeDeploy(outcome("Failed", true), at(5));
      expect(w.alerts).toHaveLength(1);
      expect(w.alerts[0]).toMatchObject({
        type: "deploy.failed",
        key: KEY,
        commit: "c0ffee",
        deploy: { revision: REVISION, outcome: "failed", durationS: 240, reason: "deployment Failed" },
      });
      expect(w.history.list(KEY)[0]).toMatchObject({ outcome: "failed", finishedAt: at(4).toISOString() });
    },
  );

  it("a succeeded CodeDeploy deployment alerts deploy.succeeded", async () => {
    const w = await world();
    w.tracker.started([createDeployment], () => ({ commit: "c0ffee", heal: false }), T0);
    w.tracker.settleCodeDeploy(outcome("Succeeded", true), at(1));
    expect(w.alerts.map((a) => a.type)).toEqual(["deploy.succeeded"]);
  });
});
