import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ReconcileSightings } from "../../../src/controller/reconcile-sightings.js";
import type { ReconcilerReader } from "../../../src/controller/reconciler-options.js";
import type { SnapshotReader } from "../../../src/engine/read-plan.js";
import type { AppliedWrite } from "../../../src/engine/applier.js";
import type { LiveSnapshot } from "../../../src/resources/live-snapshot.js";
import type { PlannedCall } from "../../../src/resources/types.js";
import type { AwsClients } from "../../../src/aws/index.js";
import type { JsonObject } from "../../../src/json.js";

const WEB = "Service/shop/web";
const API = "Service/shop/api";

/** A reader answering one snapshot, and remembering what the reconciler told it. */
function readerOf(services: LiveSnapshot["services"]) {
  const told: string[] = [];
  const snapshot: LiveSnapshot = { accountId: "123456789012", revisions: new Map(), latestKnown: new Set(), services, rules: new Map() };
  const reader: ReconcilerReader & SnapshotReader = {
    snapshot: () => Promise.resolve(snapshot),
    readAgain: (_m, s) => Promise.resolve(s),
    recordWrites: (writes) => told.push(...writes.map((w) => w.call.operation)),
    forgetCached: () => told.push("forgetCached"),
  };
  return { reader, told };
}

describe("ReconcileSightings", () => {
  it("keeps each service a snapshot read for the given age, forgets one our write touched, and tells listeners every write", async () => {
    let now = 1_000;
    const sightings = new ReconcileSightings(() => now);
    const { reader, told } = readerOf(
      new Map([
        [WEB, { serviceName: "web", status: "ACTIVE" }],
        [API, undefined],
      ]),
    );
    const heard: PlannedCall[] = [];
    sightings.onWrite((call) => heard.push(call));
    const watched = sightings.watch(reader);
    await watched.snapshot([], { defaultCluster: undefined });
    expect(sightings.seen(WEB, 500)).toEqual({ serviceName: "web", status: "ACTIVE", deployments: [] });
    // Missing when read: nothing to reuse.
    expect(sightings.seen(API, 500)).toBeUndefined();
    now += 501;
    expect(sightings.seen(WEB, 500)).toBeUndefined();
    expect(sightings.seen(WEB, 501)).toBeDefined();

    const register: PlannedCall = { operation: "ecs:RegisterTaskDefinition", input: { family: "web" } };
    const update: PlannedCall = { operation: "ecs:UpdateService", input: { cluster: "shop", service: "web" } };
    const writes: AppliedWrite[] = [
      { key: "TaskDefinition/web", call: register, output: {} },
      { key: WEB, call: update, failed: true },
    ];
    watched.recordWrites(writes);
    expect(sightings.seen(WEB, 10_000)).toBeUndefined();
    expect(heard).toEqual([register, update]);
    expect(told).toEqual(["ecs:RegisterTaskDefinition", "ecs:UpdateService"]);
  });

  it("keeps of a whole service description only what the prune pass reads: name, ARN, status, tags and the revisions it runs", async () => {
    const described = JSON.parse(
      readFileSync(new URL("../../fixtures/aws/svc-describe-fargate-tutorial.json", import.meta.url), "utf8"),
    ) as {
      services: JsonObject[];
    };
    const tags = [{ key: "ecs-gitops/owner", value: "team-a" }];
    const live: JsonObject = { ...described.services[0]!, tags };
    const sightings = new ReconcileSightings(() => 0);
    await sightings.watch(readerOf(new Map([[WEB, live]])).reader).snapshot([], { defaultCluster: undefined });
    const seen = sightings.seen(WEB, 1)!;
    const deployments = (live["deployments"] as JsonObject[]).map((d) => ({ taskDefinition: d["taskDefinition"] }));
    expect(deployments.length).toBeGreaterThan(0);
    expect(seen).toEqual({
      serviceName: live["serviceName"],
      serviceArn: live["serviceArn"],
      status: live["status"],
      taskDefinition: live["taskDefinition"],
      tags,
      deployments,
    });
    // Events, network, load balancers and the rest stay with the wave's snapshot, not for two resync periods.
    expect(JSON.stringify(seen).length * 3).toBeLessThan(JSON.stringify(live).length);
  });

  it("forgets everything when the reader is told AWS did not answer", async () => {
    const sightings = new ReconcileSightings(() => 0);
    const { reader, told } = readerOf(new Map([[WEB, { serviceName: "web", status: "ACTIVE" }]]));
    const watched = sightings.watch(reader);
    await watched.snapshot([], { defaultCluster: undefined });
    watched.forgetCached();
    expect(sightings.seen(WEB, 10_000)).toBeUndefined();
    expect(told).toEqual(["forgetCached"]);
  });

  it("keeps each bus's rule listing made through its clients for the given age, until an EventBridge write of ours", async () => {
    let now = 0;
    const sightings = new ReconcileSightings(() => now);
    const aws = sightings.clientsFor({} as AwsClients);
    const rules = [{ Name: "nightly", Arn: "arn:aws:events:us-east-1:123456789012:rule/nightly" }];
    // Noted from the time the listing started, not when it ended.
    const slow = async () => {
      now += 100;
      return rules;
    };
    expect(await aws.listRulesVia?.("default", slow)).toBe(rules);
    expect(sightings.rulesListed("default", 100)).toBe(rules);
    expect(sightings.rulesListed("default", 99)).toBeUndefined();
    expect(sightings.rulesListed("jobs", 10_000)).toBeUndefined();
    // A listing that failed notes nothing.
    await expect(aws.listRulesVia?.("jobs", () => Promise.reject(new Error("throttled")))).rejects.toThrow("throttled");
    expect(sightings.rulesListed("jobs", 10_000)).toBeUndefined();

    const { reader } = readerOf(new Map());
    const watched = sightings.watch(reader);
    watched.recordWrites([{ key: WEB, call: { operation: "ecs:UpdateService", input: {} }, output: {} }]);
    expect(sightings.rulesListed("default", 10_000)).toBe(rules);
    // A rule made (or deleted) by us on any bus: no listing stands for what is there.
    watched.recordWrites([{ key: "ScheduledRule/jobs/r", call: { operation: "events:PutRule", input: {} }, failed: true }]);
    expect(sightings.rulesListed("default", 10_000)).toBeUndefined();
    await aws.listRulesVia?.("default", () => Promise.resolve(rules));
    sightings.written({ operation: "events:DeleteRule", input: {} });
    expect(sightings.rulesListed("default", 10_000)).toBeUndefined();
    await aws.listRulesVia?.("default", () => Promise.resolve(rules));
    watched.forgetCached();
    expect(sightings.rulesListed("default", 10_000)).toBeUndefined();
  });

  it("keeps no listing that was in flight when an EventBridge write of ours (or forgetCached) landed", async () => {
    const sightings = new ReconcileSightings(() => 0);
    const aws = sightings.clientsFor({} as AwsClients);
    const { reader } = readerOf(new Map());
    const watched = sightings.watch(reader);
    const rules = [{ Name: "orphan", Arn: "arn:aws:events:us-east-1:123456789012:rule/orphan" }];
    /** A listing whose pages are read, and which ends only when the test says so. */
    const inFlight = (bus: string) => {
      let end!: () => void;
      const pages = new Promise<typeof rules>((resolve) => (end = () => resolve(rules)));
      return { done: aws.listRulesVia!(bus, () => pages), end };
    };

    // Our DeleteRule lands on another bus while the listing of "jobs" is in flight.
    const racing = inFlight("jobs");
    sightings.written({ operation: "events:DeleteRule", input: { Name: "orphan", EventBusName: "nightly" } });
    racing.end();
    expect(await racing.done).toBe(rules);
    expect(sightings.rulesListed("jobs", 10_000)).toBeUndefined();

    // A failed PutRule told through the reader counts the same (it may have landed).
    const second = inFlight("default");
    watched.recordWrites([{ key: "ScheduledRule/default/r", call: { operation: "events:PutRule", input: {} }, failed: true }]);
    second.end();
    await second.done;
    expect(sightings.rulesListed("default", 10_000)).toBeUndefined();

    // AWS did not answer: the reader forgets, and a listing in flight then is not kept either.
    const third = inFlight("default");
    watched.forgetCached();
    third.end();
    await third.done;
    expect(sightings.rulesListed("default", 10_000)).toBeUndefined();

    // A write of another service, or one that landed before the listing started, leaves it standing.
    sightings.written({ operation: "events:PutTargets", input: {} });
    const after = inFlight("default");
    sightings.written({ operation: "ecs:UpdateService", input: {} });
    after.end();
    await after.done;
    expect(sightings.rulesListed("default", 10_000)).toBe(rules);
  });
});
