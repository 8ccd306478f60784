import { describe, expect, it } from "vitest";
import { planAll, resolveReference } from "../../../src/engine/planner.js";
import type { LiveSnapshot, PlanSettings } from "../../../src/engine/planner.js";
import { planningSet, referencedFamilies } from "../../../src/engine/references.js";
import { specHash } from "../../../src/resources/task-definition/hash.js";
import { normalizeTaskDefinition } from "../../../src/resources/task-definition/normalize.js";
import type { LiveTaskDefinition } from "../../../src/resources/task-definition/plan.js";
import { arnPlaceholder, OWNER_TAG, SOURCE_TAG, SPEC_HASH_TAG } from "../../../src/resources/types.js";
import { manifestOf } from "../resources/builders.js";

const settings: PlanSettings = { owner: "ecs-gitops", revision: "c1", region: "us-east-1", defaultCluster: "shop", ignoreRules: [] };
const tdSpec = { containerDefinitions: [{ name: "web", image: "nginx:1", memory: 128 }] };
const web = manifestOf("TaskDefinition", "web", tdSpec);
const service = manifestOf("Service", "web", { cluster: "shop", taskDefinition: "web", desiredCount: 1, launchType: "EC2" });
const rule = manifestOf("ScheduledRule", "nightly", {
  scheduleExpression: "rate(1 day)",
  targets: [{ id: "t", cluster: "shop", taskDefinition: "web", roleArn: "arn:aws:iam::123456789012:role/r" }],
});

function revision(n: number, spec = tdSpec): LiveTaskDefinition {
  const arn = `arn:aws:ecs:us-east-1:123456789012:task-definition/web:${n}`;
  const tags = { [OWNER_TAG]: "ecs-gitops", [SOURCE_TAG]: "web.yaml", [SPEC_HASH_TAG]: specHash(normalizeTaskDefinition(spec)) };
  return { arn, revision: n, taskDefinition: { family: "web", revision: n, taskDefinitionArn: arn, ...spec }, tags };
}

function snapshot(overrides: Partial<LiveSnapshot> = {}): LiveSnapshot {
  return { accountId: "123456789012", revisions: new Map(), latestKnown: new Set(), services: new Map(), rules: new Map(), ...overrides };
}

describe("planAll", () => {
  it("writes nothing when the credentials reach another account than ecs-gitops.yaml names", () => {
    const live = snapshot({ latestKnown: new Set(["web"]) });
    const other = planAll([web, service, rule], live, { ...settings, expectedAccount: "210987654321" });
    expect(other.actions.map((a) => [a.key, a.type])).toEqual([
      [web.key, "blocked"],
      [service.key, "blocked"],
      [rule.key, "blocked"],
    ]);
    expect(other.actions[0]).toMatchObject({ reason: expect.stringContaining("account 123456789012") });
    const same = planAll([web, service, rule], live, { ...settings, expectedAccount: "123456789012" });
    expect(same.actions.map((a) => a.type)).toEqual(["create", "create", "create"]);
  });

  it("orders task definitions before the services and rules that use them", () => {
    const { actions } = planAll([rule, service, web], snapshot({ latestKnown: new Set(["web"]) }), settings);
    expect(actions.map((a) => a.kind)).toEqual(["TaskDefinition", "Service", "ScheduledRule"]);
  });

  it("hands a new revision to its service as a placeholder apply fills in", () => {
    const { actions } = planAll([web, service], snapshot({ latestKnown: new Set(["web"]) }), settings);
    const create = actions.find((a) => a.key === service.key);
    expect(create?.type).toBe("create");
    expect(create && "calls" in create ? create.calls[0]?.input["taskDefinition"] : undefined).toBe(arnPlaceholder(web.key));
  });

  it("asks for the latest revision before registering when only the in-use one was compared", () => {
    const stale = revision(3, { containerDefinitions: [{ name: "web", image: "nginx:0", memory: 128 }] });
    const { readAgain } = planAll([web], snapshot({ revisions: new Map([["web", [stale]]]) }), settings);
    expect(readAgain).toEqual([web.key]);
  });

  it("resolves a family to the matching in-use revision without registering", () => {
    const { actions, resolved, readAgain } = planAll([web], snapshot({ revisions: new Map([["web", [revision(7)]]]) }), settings);
    expect(actions[0]?.type).toBe("noop");
    expect(resolved.get("web")).toEqual({ state: "known", arn: revision(7).arn });
    expect(readAgain).toEqual([]);
  });

  it("applies a global ignore rule only to the resources it names", () => {
    const live = {
      serviceArn: "arn:aws:ecs:us-east-1:123456789012:service/shop/web",
      serviceName: "web",
      clusterArn: "arn:aws:ecs:us-east-1:123456789012:cluster/shop",
      status: "ACTIVE",
      taskDefinition: revision(7).arn,
      desiredCount: 5,
      launchType: "EC2",
      tags: [{ key: OWNER_TAG, value: "ecs-gitops" }],
    };
    const base = snapshot({ revisions: new Map([["web", [revision(7)]]]), services: new Map([[service.key, live]]) });
    const ignoring = planAll([web, service], base, {
      ...settings,
      ignoreRules: [{ kind: "Service", name: "web", paths: ["desiredCount"] }],
    });
    const other = planAll([web, service], base, { ...settings, ignoreRules: [{ kind: "Service", name: "api", paths: ["desiredCount"] }] });
    const changed = (actions: typeof ignoring.actions) => actions.find((a) => a.key === service.key)?.changes.map((c) => c.path) ?? [];
    expect(changed(ignoring.actions)).not.toContain("/desiredCount");
    expect(changed(other.actions)).toContain("/desiredCount");
  });
});

describe("a service's task definition ARN without a revision", () => {
  const family = "arn:aws:ecs:us-east-1:123456789012:task-definition/ledger";
  const ledger = manifestOf("Service", "ledger", { cluster: "shop", taskDefinition: family, desiredCount: 1, launchType: "EC2" });
  const taskDefinitionOf = (action: ReturnType<typeof planAll>["actions"][number] | undefined) =>
    action && "calls" in action ? action.calls[0]?.input["taskDefinition"] : undefined;

  it("resolves to the latest ACTIVE revision the snapshot read", () => {
    const { actions } = planAll([ledger], snapshot({ latestActive: new Map([["ledger", `${family}:4`]]) }), settings);
    expect(actions[0]?.type).toBe("create");
    expect(taskDefinitionOf(actions[0])).toBe(`${family}:4`);
  });

  it("is unresolved when the family has no ACTIVE revision or was not read", () => {
    expect(resolveReference(family, new Map(), "123456789012", "us-east-1", new Map([["ledger", undefined]]))).toMatchObject({
      state: "unresolved",
      reason: expect.stringMatching(/no ACTIVE revision/),
    });
    expect(resolveReference(family, new Map(), "123456789012", "us-east-1", new Map()).state).toBe("unresolved");
  });

  it("is kept as written for a rule target, which EventBridge resolves on every run", () => {
    expect(resolveReference(family, new Map(), "123456789012", "us-east-1")).toEqual({ state: "known", arn: family });
  });
});

describe("resolveReference", () => {
  it("keeps a full ARN, expands family:revision and refuses an unknown family", () => {
    const arn = "arn:aws:ecs:eu-west-1:111122223333:task-definition/x:4";
    expect(resolveReference(arn, new Map(), undefined, "us-east-1")).toEqual({ state: "known", arn });
    expect(resolveReference("x:4", new Map(), "123456789012", "us-east-1")).toEqual({
      state: "known",
      arn: "arn:aws:ecs:us-east-1:123456789012:task-definition/x:4",
    });
    expect(resolveReference("x:4", new Map(), undefined, "us-east-1").state).toBe("unresolved");
    expect(resolveReference("x", new Map(), "123456789012", "us-east-1").state).toBe("unresolved");
  });
});

describe("planningSet", () => {
  it("adds the task definitions a key uses and the other users of those task definitions", () => {
    const api = manifestOf("Service", "api", { cluster: "shop", taskDefinition: "api:3" });
    const all = new Map([web, service, rule, api].map((m) => [m.key, m]));
    expect(
      planningSet([service.key], all)
        .map((m) => m.key)
        .sort(),
    ).toEqual([rule.key, service.key, web.key].sort());
    expect(planningSet([api.key], all).map((m) => m.key)).toEqual([api.key]);
    expect(referencedFamilies(rule)).toEqual(["web"]);
    expect(referencedFamilies(api)).toEqual([]);
  });
});
