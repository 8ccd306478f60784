import { describe, expect, it } from "vitest";
import { ReadAhead, readBatch } from "../../../src/controller/batch-read.js";
import type { KeyRead } from "../../../src/controller/batch-read.js";
import { keySlice } from "../../../src/controller/key-slice.js";
import type { ReconcilerOptions } from "../../../src/controller/reconciler-options.js";
import type { ResourceRecords } from "../../../src/state/records.js";
import type { DesiredState } from "../../../src/engine/desired-state.js";
import type { LiveSnapshot, PlanResult } from "../../../src/engine/planner.js";
import { identityOf } from "../../../src/engine/observed.js";
import { pluginOf } from "../../../src/resources/registry.js";
import type { Action } from "../../../src/resources/types.js";
import { manifestOf } from "../resources/builders.js";

const WEB = manifestOf("Service", "web", { cluster: "prod", taskDefinition: "web", desiredCount: 2 });
const API = manifestOf("Service", "api", { cluster: "prod", taskDefinition: "api", desiredCount: 1 });
const TAGS = [{ key: "ecs-gitops/owner", value: "team-a" }];
const liveService = (name: string) => ({
  serviceName: name,
  serviceArn: `arn:aws:ecs:eu-west-1:210987654321:service/prod/${name}`,
  status: "ACTIVE",
  desiredCount: 3,
  runningCount: 3,
  taskDefinition: `arn:aws:ecs:eu-west-1:210987654321:task-definition/${name}:4`,
  tags: TAGS,
  events: Array.from({ length: 50 }, (_, i) => ({ id: `${name}-${i}`, message: `(service ${name}) has reached a steady state.` })),
});

const SNAPSHOT: LiveSnapshot = {
  accountId: "210987654321",
  revisions: new Map(),
  latestKnown: new Set(["web"]),
  services: new Map([
    [WEB.key, liveService("web")],
    [API.key, liveService("api")],
  ]),
  rules: new Map([["ScheduledRule/default/nightly", undefined]]),
  schedules: new Map([["Schedule/default/hourly", undefined]]),
};
const update = (key: string): Action => ({
  type: "update",
  key,
  kind: "Service",
  changes: [{ path: "desiredCount", field: "desiredCount", desired: 2, live: 3 }],
  calls: [{ operation: "ecs:UpdateService", input: { cluster: "prod", service: key, desiredCount: 2 } }],
});
const RESULT: PlanResult = {
  actions: [update(WEB.key), update(API.key)],
  readAgain: [API.key],
  resolved: new Map([["web", { state: "known", arn: "arn:aws:ecs:eu-west-1:210987654321:task-definition/web:4" }]]),
};

describe("one key's slice of a batched read", () => {
  it("holds its own live resource and action, none of the other keys' descriptions or call inputs", () => {
    const { result, snapshot } = keySlice(WEB.key, RESULT.actions[0], RESULT, SNAPSHOT);
    expect([...snapshot.services.keys()]).toEqual([WEB.key]);
    expect(snapshot.rules.size).toBe(0);
    expect(snapshot.schedules?.size).toBe(0);
    expect(snapshot.scalableTargets).toBeUndefined();
    expect(result.actions).toEqual([RESULT.actions[0]]);
    expect(result.readAgain).toEqual([]);
    // Families and account: shared, small, and what the policy resolves references with.
    expect(result.resolved).toBe(RESULT.resolved);
    expect(snapshot.revisions).toBe(SNAPSHOT.revisions);
    expect(snapshot.latestKnown).toBe(SNAPSHOT.latestKnown);
    expect(snapshot.accountId).toBe("210987654321");
  });

  it("answers every lookup the key's reconcile makes as the whole snapshot does", () => {
    const { snapshot } = keySlice(WEB.key, RESULT.actions[0], RESULT, SNAPSHOT);
    const plugin = pluginOf("Service");
    expect(plugin.tags(WEB, snapshot)).toEqual(plugin.tags(WEB, SNAPSHOT));
    expect(plugin.health(WEB, snapshot)).toEqual(plugin.health(WEB, SNAPSHOT));
    expect(plugin.runtime(WEB.key, snapshot)).toEqual(plugin.runtime(WEB.key, SNAPSHOT));
    expect(plugin.rolledBack(WEB, snapshot)).toEqual(plugin.rolledBack(WEB, SNAPSHOT));
    expect(identityOf(WEB, snapshot)).toEqual(identityOf(WEB, SNAPSHOT));
    expect(plugin.tags(WEB, snapshot)).toBeDefined();
  });

  it("keeps a key read and found missing as missing, not as unread", () => {
    const missing: LiveSnapshot = { ...SNAPSHOT, services: new Map([[WEB.key, undefined]]) };
    const { snapshot } = keySlice(WEB.key, undefined, RESULT, missing);
    expect(snapshot.services.has(WEB.key)).toBe(true);
    expect(snapshot.services.get(WEB.key)).toBeUndefined();
  });
});

describe("a batched read", () => {
  it("hands the batch's key and each key read ahead its own slice only", async () => {
    const o = {
      reader: { snapshot: () => Promise.resolve(SNAPSHOT), readAgain: () => Promise.resolve(SNAPSHOT) },
      plan: () => RESULT,
      settings: { owner: "team-a", region: "eu-west-1", ignoreRules: [] },
      log: { warn: () => undefined, info: () => undefined },
    } as unknown as ReconcilerOptions;
    const records = { noteRevision: () => false } as unknown as ResourceRecords;
    const manifests = new Map([
      [WEB.key, WEB],
      [API.key, API],
    ]);
    const desired: DesiredState = { commit: "c9", lastGoodCommit: "c9", manifests, commitOf: new Map(), problems: [], brokenFiles: [] };
    const { slices, ahead } = await readBatch([WEB.key], { o, records, desired, now: new Date(), upcoming: [API.key] });
    const [web] = slices;
    const api = ahead.get(API.key);
    if (web?.type !== "planned" || api?.type !== "planned") throw new Error("expected planned slices");
    expect([...web.snapshot.services.keys()]).toEqual([WEB.key]);
    expect(web.result.actions.map((a) => a.key)).toEqual([WEB.key]);
    expect([...api.snapshot.services.keys()]).toEqual([API.key]);
    expect(api.action).toBe(RESULT.actions[1]);
    expect(api.result.actions).toEqual([RESULT.actions[1]]);
  });
});

describe("a slice read ahead", () => {
  const desired: DesiredState = {
    commit: "c9",
    lastGoodCommit: "c9",
    manifests: new Map(),
    commitOf: new Map(),
    problems: [],
    brokenFiles: [],
  };
  const at = Date.parse("2031-03-14T09:26:53.000Z");
  const slice = (seq: number): KeyRead => ({ type: "gone", desired, now: new Date(at), at, seq, started: 0 });

  it("is let go when its key starts, used or stale, and the others wait", () => {
    const ahead = new ReadAhead();
    ahead.keep(
      new Map([
        [WEB.key, slice(Number.MAX_SAFE_INTEGER)],
        [API.key, slice(Number.MAX_SAFE_INTEGER)],
      ]),
    );
    expect(ahead.take(WEB.key, desired, at - 1, 60_000, at + 1)).toBeDefined();
    expect(ahead.holds(WEB.key)).toBe(false);
    expect(ahead.holds(API.key)).toBe(true);
    // Stale (too old): not used, and not kept either.
    expect(ahead.take(API.key, desired, at - 1, 60_000, at + 60_001)).toBeUndefined();
    expect(ahead.holds(API.key)).toBe(false);
  });
});
