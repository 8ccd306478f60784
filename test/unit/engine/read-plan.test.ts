import { describe, expect, it } from "vitest";
import type { LiveSnapshot, PlanResult } from "../../../src/engine/planner.js";
import { readAndPlan } from "../../../src/engine/read-plan.js";
import type { SnapshotReader } from "../../../src/engine/read-plan.js";

const SNAPSHOT: LiveSnapshot = {
  accountId: undefined,
  revisions: new Map(),
  latestKnown: new Set(),
  services: new Map(),
  rules: new Map(),
};
const SETTINGS = { owner: "ecs-gitops", revision: "c1", region: "eu-west-1", defaultCluster: undefined, ignoreRules: [] };

function reader(): SnapshotReader & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    snapshot: () => Promise.resolve((calls.push("snapshot"), SNAPSHOT)),
    readAgain: (_manifests, snapshot, keys) =>
      Promise.resolve((calls.push(`readAgain ${keys.join(",")}`), { ...snapshot, latestKnown: new Set(keys) })),
  };
}

describe("readAndPlan", () => {
  it("reads once when the plan needs nothing more", async () => {
    const r = reader();
    const plan = (): PlanResult => ({ actions: [], readAgain: [], resolved: new Map() });
    await readAndPlan(r, [], SETTINGS, plan);
    expect(r.calls).toEqual(["snapshot"]);
  });

  it("reads the latest revisions the first plan asks for, then plans again on the fuller snapshot", async () => {
    const r = reader();
    const seen: LiveSnapshot[] = [];
    const plan = (_m: unknown, live: LiveSnapshot): PlanResult => (
      seen.push(live),
      { actions: [], readAgain: live.latestKnown.has("web") ? [] : ["web"], resolved: new Map() }
    );
    const { snapshot } = await readAndPlan(r, [], SETTINGS, plan);
    expect(r.calls).toEqual(["snapshot", "readAgain web"]);
    expect(seen).toHaveLength(2);
    expect(snapshot.latestKnown.has("web")).toBe(true);
  });

  it("reads again at most twice: a kind whose plan keeps asking is planned on what was read", async () => {
    const r = reader();
    let plans = 0;
    const plan = (): PlanResult => ((plans += 1), { actions: [], readAgain: ["TaskDefinition/web"], resolved: new Map() });
    await readAndPlan(r, [], SETTINGS, plan);
    expect(r.calls).toEqual(["snapshot", "readAgain TaskDefinition/web", "readAgain TaskDefinition/web"]);
    expect(plans).toBe(3);
  });
});
