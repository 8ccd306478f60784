import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AlertEvent } from "../../../src/alerts/types.js";
import type { Change } from "../../../src/diff/structural.js";
import {
  classifyDifference,
  DriftTracker,
  driftFingerprint,
  FIGHTING_REASON,
  handMadeRevisions,
  kindAndName,
} from "../../../src/state/drift.js";
import type { DriftObservation } from "../../../src/state/drift.js";
import { openRecords } from "../../../src/state/record-store.js";
import { registerRecordGauges } from "../../../src/state/record-metrics.js";
import { Registry } from "prom-client";
import { ResourceRecords } from "../../../src/state/records.js";
import { parseResourceKey } from "../../../src/manifests/identity.js";
import type { LiveSnapshot } from "../../../src/engine/planner.js";
import type { LiveTaskDefinition } from "../../../src/resources/task-definition/plan.js";
import { captureLog } from "../alerts/capture-log.js";

const KEY = "Service/prod/web";
const COMMIT = "c1";
const T0 = Date.parse("2025-01-01T00:00:00.000Z");
const MINUTE = 60_000;
const at = (minutes: number) => new Date(T0 + minutes * MINUTE);
const scaled: Change[] = [{ path: "/desiredCount", desired: 3, live: 5 }];

function obs(minutes: number, changes: readonly Change[], patch: Partial<DriftObservation> = {}): DriftObservation {
  return {
    kind: "Service",
    name: "web",
    arn: "arn:aws:ecs:eu-west-1:1:service/prod/web",
    commit: COMMIT,
    changes,
    now: at(minutes),
    ...patch,
  };
}

const types = (events: AlertEvent[]) => events.map((e) => e.type);

describe("classifyDifference", () => {
  it.each([
    [{ desiredCommit: "c1", lastAppliedCommit: "c1", hasDifferences: false }, "in-sync"],
    [{ desiredCommit: "c2", lastAppliedCommit: "c1", hasDifferences: false }, "in-sync"],
    [{ desiredCommit: "c1", lastAppliedCommit: "c1", hasDifferences: true }, "drift"],
    [{ desiredCommit: "c2", lastAppliedCommit: "c1", hasDifferences: true }, "pending"],
    [{ desiredCommit: "c1", lastAppliedCommit: undefined, hasDifferences: true }, "pending"],
    // Spec hashes, when known, beat commits: an unrelated commit must not hide drift ...
    [{ desiredCommit: "c2", lastAppliedCommit: "c1", hasDifferences: true, desiredSpecHash: "h", lastAppliedSpecHash: "h" }, "drift"],
    // ... and a changed spec is pending even if the commit tag says otherwise.
    [{ desiredCommit: "c1", lastAppliedCommit: "c1", hasDifferences: true, desiredSpecHash: "h2", lastAppliedSpecHash: "h1" }, "pending"],
    [{ desiredCommit: "c2", lastAppliedCommit: "c1", hasDifferences: true, desiredSpecHash: "h" }, "pending"],
  ] as const)("classifies %o as %s", (input, expected) => {
    expect(classifyDifference(input)).toBe(expected);
  });
});

describe("driftFingerprint", () => {
  it("ignores change order and live values, but not paths, desired values or the key", () => {
    const a: Change[] = [
      { path: "/a", desired: 1, live: 2 },
      { path: "/b", desired: "x", live: undefined },
    ];
    const base = driftFingerprint(KEY, a);
    expect(driftFingerprint(KEY, [...a].reverse())).toBe(base);
    expect(
      driftFingerprint(
        KEY,
        a.map((c) => ({ ...c, live: 99 })),
      ),
    ).toBe(base);
    expect(driftFingerprint(KEY, [{ path: "/a", desired: 2, live: 2 }, a[1] as Change])).not.toBe(base);
    expect(driftFingerprint(KEY, [a[0] as Change])).not.toBe(base);
    expect(driftFingerprint("Service/prod/api", a)).not.toBe(base);
  });
});

describe("kindAndName", () => {
  it("reads kind and name from every key shape", () => {
    expect(kindAndName("TaskDefinition/web")).toEqual({ kind: "TaskDefinition", name: "web" });
    expect(kindAndName("Service/prod/web")).toEqual({ kind: "Service", name: "web" });
    expect(kindAndName("ScheduledRule/default/nightly")).toEqual({ kind: "ScheduledRule", name: "nightly" });
    expect(() => kindAndName("Bucket/x")).toThrow(expect.objectContaining({ code: "Internal" }));
  });
});

describe("DriftTracker drift episodes", () => {
  it("opens exactly once over many resync cycles of the same drift, with what changed", () => {
    const tracker = new DriftTracker();
    const events = [0, 5, 10, 15, 20, 25].flatMap((m) => tracker.observe(KEY, obs(m, scaled)));
    expect(events).toEqual([
      {
        type: "drift.opened",
        key: KEY,
        kind: "Service",
        name: "web",
        arn: "arn:aws:ecs:eu-west-1:1:service/prod/web",
        commit: COMMIT,
        fields: scaled,
        firstSeen: at(0).toISOString(),
        at: at(0).toISOString(),
        action: "reported",
      },
    ]);
  });

  it("resolves exactly once, keeping the first-seen time and what had drifted", () => {
    const tracker = new DriftTracker();
    tracker.observe(KEY, obs(0, scaled));
    const events = [5, 10, 15].flatMap((m) => tracker.observe(KEY, obs(m, [])));
    expect(events).toEqual([
      {
        type: "drift.resolved",
        key: KEY,
        kind: "Service",
        name: "web",
        arn: "arn:aws:ecs:eu-west-1:1:service/prod/web",
        commit: COMMIT,
        fields: scaled,
        firstSeen: at(0).toISOString(),
        at: at(5).toISOString(),
        resolution: "manual",
      },
    ]);
  });

  it("says nothing for a resource that never drifted", () => {
    const tracker = new DriftTracker();
    expect([0, 5].flatMap((m) => tracker.observe(KEY, obs(m, [])))).toEqual([]);
  });

  it.each([
    ["healed when the controller reverted it", (t: DriftTracker) => t.recordHeal(KEY, at(1)), {}, "healed"],
    ["git when a new commit made it moot", () => undefined, { commit: "c2" }, "git"],
    ["manual otherwise", () => undefined, {}, "manual"],
    ["whatever the caller says", () => undefined, { resolution: "deleted" as const }, "deleted"],
  ])("resolves as %s", (_name, between, patch, resolution) => {
    const tracker = new DriftTracker();
    tracker.observe(KEY, obs(0, scaled, { selfHeal: true }));
    between(tracker);
    expect(tracker.observe(KEY, obs(5, [], patch))[0]?.resolution).toBe(resolution);
  });

  it("re-reports an open episode once when the drift spreads to a new field, not when a live value moves", () => {
    const tracker = new DriftTracker();
    tracker.observe(KEY, obs(0, scaled));
    expect(tracker.observe(KEY, obs(5, [{ path: "/desiredCount", desired: 3, live: 9 }]))).toEqual([]);
    const wider = [...scaled, { path: "/enableExecuteCommand", desired: false, live: true }];
    const events = tracker.observe(KEY, obs(10, wider));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "drift.opened", update: "fields", firstSeen: at(0).toISOString(), fields: wider });
    expect(tracker.observe(KEY, obs(15, wider))).toEqual([]);
    expect(tracker.observe(KEY, obs(20, scaled))).toEqual([]); // narrowing: still the same episode
    expect(tracker.driftStatus(KEY)?.fields).toEqual(scaled);
  });

  it("masks secret-looking values even in whole-list changes", () => {
    const tracker = new DriftTracker();
    const changes: Change[] = [
      { path: "/containerDefinitions/0/environment", desired: [{ name: "API_TOKEN", value: "tok-123" }], live: [] },
    ];
    const text = JSON.stringify(tracker.observe(KEY, obs(0, changes)));
    expect(text).not.toContain("tok-123");
    expect(text).toContain("(masked)");
  });

  it("closes open episodes as deleted when the resource leaves git", () => {
    const tracker = new DriftTracker();
    tracker.observe(KEY, obs(0, scaled));
    tracker.syncFailed(KEY, { code: "AccessDenied", message: "denied" }, at(0));
    const events = tracker.forget(KEY, at(5));
    expect(events.map((e) => [e.type, e.resolution])).toEqual([
      ["drift.resolved", "deleted"],
      ["sync.recovered", "deleted"],
    ]);
    expect(tracker.openKeys()).toEqual([]);
    expect(tracker.forget(KEY, at(6))).toEqual([]);
  });
});

describe("DriftTracker self-heal budget", () => {
  it("heals the same drift 3 times, then suspends healing and says so once", () => {
    const tracker = new DriftTracker({ maxHeals: 3, healWindowMs: 60 * MINUTE });
    for (let round = 0; round < 3; round++) {
      const opened = tracker.observe(KEY, obs(round * 10, scaled, { selfHeal: true }));
      expect(opened[0]?.action).toBe("healing");
      expect(tracker.recordHeal(KEY, at(round * 10))).toEqual({ allowed: true });
      expect(tracker.observe(KEY, obs(round * 10 + 5, [], { selfHeal: true }))[0]).toMatchObject({
        type: "drift.resolved",
        resolution: "healed",
        action: "healed",
      });
    }
    const fourth = tracker.observe(KEY, obs(30, scaled, { selfHeal: true }));
    expect(fourth).toHaveLength(1);
    expect(fourth[0]).toMatchObject({ type: "drift.opened", action: "heal-suspended" });
    const decision = tracker.recordHeal(KEY, at(30));
    expect(decision.allowed).toBe(false);
    expect(decision.reason?.startsWith(FIGHTING_REASON)).toBe(true);
    expect(tracker.isHealSuspended(KEY)).toBe(true);
    expect([35, 40, 45].flatMap((m) => tracker.observe(KEY, obs(m, scaled, { selfHeal: true })))).toEqual([]);
    expect(tracker.driftStatus(KEY)?.action).toBe("heal-suspended");
  });

  it("healBudget tells, before the drift is observed, what recordHeal answers after, and spends nothing", () => {
    const tracker = new DriftTracker({ maxHeals: 2, healWindowMs: 60 * MINUTE });
    const other: Change[] = [{ path: "/cpu", desired: "256", live: "512" }];
    expect(tracker.healBudget(KEY, [], at(0))).toEqual({ allowed: false, reason: "no drift is open for this resource" });
    const predicted: boolean[] = [];
    const answered: boolean[] = [];
    for (const [minute, changes] of [
      [0, scaled],
      [5, scaled],
      [10, other],
      [15, scaled],
      [20, other],
      [30, other],
      [95, scaled],
    ] as const) {
      const before = tracker.healBudget(KEY, changes, at(minute));
      expect(tracker.healBudget(KEY, changes, at(minute))).toEqual(before);
      tracker.observe(KEY, obs(minute, changes, { selfHeal: true }));
      const decision = tracker.recordHeal(KEY, at(minute));
      expect(decision).toEqual(before);
      predicted.push(before.allowed);
      answered.push(decision.allowed);
    }
    expect(answered).toEqual(predicted);
    expect(answered).toContain(false);
  });

  it("suspends within one episode when the drift is back at every resync, with one update alert", () => {
    const tracker = new DriftTracker({ maxHeals: 3 });
    const events: AlertEvent[] = [];
    const decisions: boolean[] = [];
    for (let cycle = 0; cycle < 6; cycle++) {
      events.push(...tracker.observe(KEY, obs(cycle * 5, scaled, { selfHeal: true })));
      decisions.push(tracker.recordHeal(KEY, at(cycle * 5)).allowed);
    }
    expect(decisions).toEqual([true, true, true, false, false, false]);
    expect(events.map((e) => [e.type, e.action, e.update])).toEqual([
      ["drift.opened", "healing", undefined],
      ["drift.opened", "heal-suspended", "heal-suspended"],
    ]);
  });

  it("announces a suspension found by recordHeal at the next observe, once", () => {
    const tracker = new DriftTracker({ maxHeals: 1 });
    tracker.observe(KEY, obs(0, scaled));
    expect(tracker.recordHeal(KEY, at(0)).allowed).toBe(true);
    expect(tracker.recordHeal(KEY, at(5)).allowed).toBe(false);
    expect(tracker.observe(KEY, obs(10, scaled)).map((e) => e.update)).toEqual(["heal-suspended"]);
    expect(tracker.observe(KEY, obs(15, scaled))).toEqual([]);
  });

  it("forgets heals older than the window", () => {
    const tracker = new DriftTracker({ maxHeals: 1, healWindowMs: 60 * MINUTE });
    tracker.observe(KEY, obs(0, scaled, { selfHeal: true }));
    expect(tracker.recordHeal(KEY, at(0)).allowed).toBe(true);
    tracker.observe(KEY, obs(5, []));
    expect(tracker.observe(KEY, obs(61, scaled, { selfHeal: true }))[0]?.action).toBe("healing");
    expect(tracker.recordHeal(KEY, at(61)).allowed).toBe(true);
  });

  it("counts a different drift on the same resource separately", () => {
    const tracker = new DriftTracker({ maxHeals: 1 });
    tracker.observe(KEY, obs(0, scaled, { selfHeal: true }));
    tracker.recordHeal(KEY, at(0));
    tracker.observe(KEY, obs(5, []));
    tracker.observe(KEY, obs(10, [{ path: "/enableExecuteCommand", desired: false, live: true }], { selfHeal: true }));
    expect(tracker.recordHeal(KEY, at(10)).allowed).toBe(true);
  });

  it("does not spend the budget on a revert that failed, and says the heal failed", () => {
    const tracker = new DriftTracker({ maxHeals: 1 });
    tracker.observe(KEY, obs(0, scaled, { selfHeal: true }));
    expect(tracker.recordHeal(KEY, at(0)).allowed).toBe(true);
    const failed = tracker.syncFailed(KEY, { code: "AccessDenied", message: "ecs:UpdateService denied" }, at(1));
    expect(failed[0]).toMatchObject({ type: "sync.failed", action: "heal-failed", error: { code: "AccessDenied" } });
    expect(tracker.recordHeal(KEY, at(5)).allowed).toBe(true);
  });

  it("allows no heal when no drift is open", () => {
    expect(new DriftTracker().recordHeal(KEY, at(0)).allowed).toBe(false);
  });

  it("heals again after resumeHeal", () => {
    const tracker = new DriftTracker({ maxHeals: 1 });
    tracker.observe(KEY, obs(0, scaled));
    tracker.recordHeal(KEY, at(0));
    expect(tracker.recordHeal(KEY, at(1)).allowed).toBe(false);
    tracker.resumeHeal(KEY);
    expect(tracker.isHealSuspended(KEY)).toBe(false);
    expect(tracker.recordHeal(KEY, at(2)).allowed).toBe(true);
  });
});

describe("DriftTracker sync failures", () => {
  const denied = { code: "AccessDenied", message: "ecs:UpdateService denied" };

  it("alerts sync.failed once per episode and sync.recovered once when it clears", () => {
    const tracker = new DriftTracker();
    const events = [
      ...[0, 1, 2, 3, 4].flatMap((m) =>
        tracker.syncFailed(KEY, m < 3 ? denied : { code: "Throttled", message: "slow down" }, at(m), { commit: COMMIT }),
      ),
      ...[5, 6].flatMap((m) => tracker.syncSucceeded(KEY, at(m))),
    ];
    expect(events).toEqual([
      {
        type: "sync.failed",
        key: KEY,
        kind: "Service",
        name: "web",
        commit: COMMIT,
        firstSeen: at(0).toISOString(),
        at: at(0).toISOString(),
        error: denied,
      },
      {
        type: "sync.recovered",
        key: KEY,
        kind: "Service",
        name: "web",
        commit: COMMIT,
        firstSeen: at(0).toISOString(),
        at: at(5).toISOString(),
      },
    ]);
  });

  it("opens a new episode when it fails again after recovering", () => {
    const tracker = new DriftTracker();
    tracker.syncFailed(KEY, denied, at(0));
    tracker.syncSucceeded(KEY, at(1));
    expect(types(tracker.syncFailed(KEY, denied, at(2)))).toEqual(["sync.failed"]);
  });
});

describe("DriftTracker persistence", () => {
  let dir: string;
  /** Every tracker a test started: their saves end before the folder goes (a save in flight would refill it). */
  const started: DriftTracker[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ecs-gitops-drift-"));
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((tracker) => tracker.flush()));
    await rm(dir, { recursive: true, force: true });
  });

  /** A controller start: the episodes live in the resource records (records.json at `path`). */
  async function restarted(path: string, log = captureLog().log, maxHeals?: number): Promise<DriftTracker> {
    const tracker = new DriftTracker({ records: await openRecords(path, { log }), log, ...(maxHeals === undefined ? {} : { maxHeals }) });
    started.push(tracker);
    return tracker;
  }

  it("does not re-alert an open episode after a restart, and resolves it once later", async () => {
    const path = join(dir, "records.json");
    const first = await restarted(path);
    expect(types(first.observe(KEY, obs(0, scaled)))).toEqual(["drift.opened"]);
    expect(types(first.syncFailed("TaskDefinition/web", { code: "InvalidRequest", message: "bad" }, at(0)))).toEqual(["sync.failed"]);
    await first.flush();

    const second = await restarted(path);
    expect(second.openKeys()).toEqual([KEY, "TaskDefinition/web"]);
    expect([5, 10, 15, 20, 25].flatMap((m) => second.observe(KEY, obs(m, scaled)))).toEqual([]);
    expect(second.syncFailed("TaskDefinition/web", { code: "InvalidRequest", message: "bad" }, at(5))).toEqual([]);
    const resolved = second.observe(KEY, obs(30, []));
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({ type: "drift.resolved", firstSeen: at(0).toISOString() });
    expect(second.observe(KEY, obs(35, []))).toEqual([]);
  });

  it("resolves once an episode that ended while the controller was down", async () => {
    const path = join(dir, "records.json");
    const first = await restarted(path);
    first.observe(KEY, obs(0, scaled));
    await first.flush();
    const second = await restarted(path);
    expect(types([5, 10].flatMap((m) => second.observe(KEY, obs(m, []))))).toEqual(["drift.resolved"]);
    await second.flush();
    const third = await restarted(path);
    expect(third.openKeys()).toEqual([]);
  });

  it("keeps the heal budget and a suspension across restarts", async () => {
    const path = join(dir, "records.json");
    const first = await restarted(path, undefined, 1);
    first.observe(KEY, obs(0, scaled, { selfHeal: true }));
    first.recordHeal(KEY, at(0));
    first.recordHeal(KEY, at(1));
    expect(first.isHealSuspended(KEY)).toBe(true);
    await first.flush();
    const second = await restarted(path, undefined, 1);
    expect(second.isHealSuspended(KEY)).toBe(true);
    expect(second.recordHeal(KEY, at(2)).allowed).toBe(false);
  });

  it("stores paths and fingerprints but no field values", async () => {
    const path = join(dir, "records.json");
    const tracker = await restarted(path);
    tracker.observe(KEY, obs(0, [{ path: "/containerDefinitions/0/image", desired: "web:good-tag", live: "web:hand-pushed" }]));
    await tracker.flush();
    const text = await readFile(path, "utf8");
    expect(text).toContain("/containerDefinitions/0/image");
    expect(text).not.toContain("hand-pushed");
    expect(text).not.toContain("good-tag");
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it.each([
    ["corrupt", "{not json"],
    ["of another version", JSON.stringify({ version: 99, records: [] })],
  ])("starts empty with a warning when the record is %s", async (_name, content) => {
    const path = join(dir, "records.json");
    await writeFile(path, content);
    const { log, lines } = captureLog();
    const tracker = await restarted(path, log);
    expect(lines.some((l) => l.level === 40 && l.msg.startsWith("resource records corrupt"))).toBe(true);
    expect(types(tracker.observe(KEY, obs(0, scaled)))).toEqual(["drift.opened"]);
  });

  it("starts empty when there is no record yet", async () => {
    const tracker = await restarted(join(dir, "missing", "records.json"));
    expect(tracker.openKeys()).toEqual([]);
    tracker.observe(KEY, obs(0, scaled));
    await tracker.flush();
    expect((await restarted(join(dir, "missing", "records.json"))).openKeys()).toEqual([KEY]);
  });

  it("keeps the valid entries of a record with a malformed one", async () => {
    const path = join(dir, "records.json");
    const good = {
      kind: "Service",
      name: "web",
      commit: COMMIT,
      fingerprint: "f",
      firstSeen: at(0).toISOString(),
      reportedPaths: ["/desiredCount"],
      healing: false,
      healSuspended: false,
      suspensionReported: false,
    };
    const records = [
      { key: KEY, driftEpisode: good },
      { key: "Service/prod/api", driftEpisode: { ...good, kind: "Lambda" }, lastAppliedCommit: "c0" },
      { key: 42 },
    ];
    await writeFile(path, JSON.stringify({ version: 2, records }));
    const tracker = await restarted(path);
    expect(tracker.openKeys()).toEqual([KEY]);
    expect(tracker.observe(KEY, obs(5, scaled))).toEqual([]);
  });

  it("keeps working when the store cannot save, and warns", async () => {
    const { log, lines } = captureLog();
    const records = new ResourceRecords({ store: { save: async () => Promise.reject(new Error("disk full")) }, log });
    const tracker = new DriftTracker({ records, log });
    expect(types(tracker.observe(KEY, obs(0, scaled)))).toEqual(["drift.opened"]);
    await tracker.flush();
    expect(lines.some((l) => l.level === 40 && l["err"] !== undefined)).toBe(true);
    expect(tracker.observe(KEY, obs(5, scaled))).toEqual([]);
  });

  it("shows the episodes restored after a restart in the gauges at once, with no alert sent", async () => {
    const path = join(dir, "records.json");
    const first = await restarted(path);
    first.observe(KEY, obs(0, scaled));
    first.syncFailed("TaskDefinition/web", { code: "InvalidRequest", message: "bad" }, at(0));
    await first.flush();
    const second = await restarted(path);
    const registry = new Registry();
    registerRecordGauges(registry, second.records);
    const values = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values.map((v) => ({ ...v.labels }));
    expect(await values("ecs_gitops_drift_active")).toEqual([{ kind: "Service", name: "web" }]);
    expect(await values("ecs_gitops_sync_failing")).toEqual([{ kind: "TaskDefinition", name: "web" }]);
  });
});

describe("handMadeRevisions", () => {
  const arn = (family: string, revision: number) => `arn:aws:ecs:eu-west-1:1:task-definition/${family}:${revision}`;
  const ours = { "ecs-gitops:owner": "ecs-gitops", "ecs-gitops:spec-hash": "h" };
  const revision = (family: string, n: number, tags: Record<string, string> = {}): LiveTaskDefinition => ({
    arn: arn(family, n),
    revision: n,
    taskDefinition: { family },
    tags,
  });
  function snapshot(
    revisions: LiveTaskDefinition[],
    options: { latestKnown?: string[]; serviceUses?: string; ruleUses?: string } = {},
  ): LiveSnapshot {
    const byFamily = new Map<string, LiveTaskDefinition[]>();
    for (const r of revisions)
      byFamily.set(String(r.taskDefinition["family"]), [...(byFamily.get(String(r.taskDefinition["family"])) ?? []), r]);
    return {
      accountId: "1",
      revisions: byFamily,
      latestKnown: new Set(options.latestKnown ?? [...byFamily.keys()]),
      services: new Map([["Service/prod/web", options.serviceUses === undefined ? undefined : { taskDefinition: options.serviceUses }]]),
      rules: new Map([
        [
          "ScheduledRule/default/nightly",
          options.ruleUses === undefined
            ? undefined
            : { rule: {}, tags: [], targets: [{ EcsParameters: { TaskDefinitionArn: options.ruleUses } }] },
        ],
      ]),
    };
  }

  it("notes the latest revision when it is newer than the one in use and not ours", () => {
    const live = snapshot([revision("web", 1, ours), revision("web", 2)], { serviceUses: arn("web", 1) });
    expect(handMadeRevisions(live, "ecs-gitops")).toEqual([{ family: "web", arn: arn("web", 2), revision: 2, newestManaged: 1 }]);
  });

  it("counts a rule target's revision as in use", () => {
    const live = snapshot([revision("report", 3, ours), revision("report", 4)], { ruleUses: arn("report", 3) });
    expect(handMadeRevisions(live, "ecs-gitops")).toMatchObject([{ family: "report", revision: 4, newestManaged: 3 }]);
  });

  it.each([
    [
      "the hand-made revision is in use (that is the service's drift, not a note)",
      snapshot([revision("web", 1, ours), revision("web", 2)], { serviceUses: arn("web", 2) }),
    ],
    ["the latest revision is ours", snapshot([revision("web", 1), revision("web", 2, ours)], { serviceUses: arn("web", 1) })],
    [
      "the family's latest revision was not read",
      snapshot([revision("web", 1, ours), revision("web", 2)], { serviceUses: arn("web", 1), latestKnown: [] }),
    ],
    ["nothing of the family is in use or ours (a foreign family is blocked elsewhere)", snapshot([revision("web", 2)])],
    ["another owner's revision is older than ours", snapshot([revision("web", 1), revision("web", 2, ours)])],
  ])("notes nothing when %s", (_why, live) => {
    expect(handMadeRevisions(live, "ecs-gitops")).toEqual([]);
  });

  it("judges ownership by the owner tag of this controller", () => {
    const live = snapshot([revision("web", 1, ours), revision("web", 2, { "ecs-gitops:owner": "other-team" })], {
      serviceUses: arn("web", 1),
    });
    expect(handMadeRevisions(live, "ecs-gitops")).toMatchObject([{ revision: 2 }]);
    expect(handMadeRevisions(live, "other-team")).toEqual([]);
  });
});

describe("parseResourceKey", () => {
  it("is the one key parser: scope when the key has one, Internal on anything not built by resourceKey", () => {
    expect(parseResourceKey("TaskDefinition/web")).toEqual({ kind: "TaskDefinition", scope: undefined, name: "web" });
    expect(parseResourceKey("Service/prod/web")).toEqual({ kind: "Service", scope: "prod", name: "web" });
    expect(parseResourceKey("ScheduledRule/orders-bus/nightly")).toEqual({ kind: "ScheduledRule", scope: "orders-bus", name: "nightly" });
    for (const bad of ["Deployment/prod/web", "Service", "Service/prod/", ""])
      expect(() => parseResourceKey(bad)).toThrow(expect.objectContaining({ code: "Internal", where: bad }));
  });
});
