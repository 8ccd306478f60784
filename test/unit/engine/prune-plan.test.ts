import { describe, expect, it } from "vitest";
import { planPrune } from "../../../src/engine/prune/plan.js";
import type { PrunePlanContext } from "../../../src/engine/prune/plan.js";
import type { Inventory } from "../../../src/engine/prune/types.js";
import type { PruneLive } from "../../../src/resources/kind-prune.js";
import type { ServicePruneDetail } from "../../../src/resources/service/prune.js";
import type { FamilyPruneDetail, PruneRevision } from "../../../src/resources/task-definition/prune.js";
import type { Kind } from "../../../src/manifests/types.js";
import { manifestOf } from "../resources/builders.js";

const REPO = "github.com/acme/deploy";
const ours = (file: string, extra: Record<string, string> = {}) => ({
  "ecs-gitops:owner": "ecs-gitops",
  "ecs-gitops:source": `${REPO}//${file}`,
  ...extra,
});
const arn = (family: string, revision: number) => `arn:aws:ecs:us-east-1:123456789012:task-definition/${family}:${revision}`;
const service = (name: string, tags: Record<string, string>, runs: string[] = []): PruneLive<ServicePruneDetail> => ({
  key: `Service/shop/${name}`,
  name,
  arn: `arn:aws:ecs:us-east-1:123456789012:service/shop/${name}`,
  tags,
  state: "live",
  runs,
  detail: { cluster: "shop", name },
});
const revisions = (family: string, count: number, tags: Record<string, string>): PruneRevision[] =>
  Array.from({ length: count }, (_, i) => ({ arn: arn(family, i + 1), revision: i + 1, tags }));
const family = (name: string, revs: PruneRevision[]): PruneLive<FamilyPruneDetail> => ({
  key: `TaskDefinition/${name}`,
  name,
  tags: {},
  state: "live",
  runs: [],
  detail: { revisions: revs },
});
const ctx = (overrides: Partial<PrunePlanContext> = {}): PrunePlanContext => ({
  owner: "ecs-gitops",
  repo: REPO,
  enabled: true,
  maxDeletes: 5,
  revisionHistoryLimit: 10,
  allowMassDelete: false,
  ...overrides,
});
const svc = (name: string) => manifestOf("Service", name, { cluster: "shop", taskDefinition: name }, { file: `${name}/service.yaml` });
const td = (name: string) => manifestOf("TaskDefinition", name, {}, { file: `${name}/task-definition.yaml` });

/** Four services of ours (a, b, c, old), one of someone else's, and their families. */
function inventory(): Inventory {
  return new Map<Kind, PruneLive[]>([
    [
      "Service",
      [
        ...["a", "b", "c"].map((n) => service(n, ours(`${n}/service.yaml`), [arn(n, 1)])),
        service("old", ours("old/service.yaml"), [arn("old", 2)]),
        service("theirs", { team: "x" }, [arn("old", 1)]),
      ],
    ],
    ["ScheduledRule", []],
    [
      "TaskDefinition",
      [
        family("a", revisions("a", 1, ours("a/task-definition.yaml"))),
        family("old", revisions("old", 3, ours("old/task-definition.yaml"))),
      ],
    ],
  ]);
}
const manifests = [svc("a"), svc("b"), svc("c"), td("a")];

describe("planPrune", () => {
  it("deletes our orphans (service, then family), never what another owner runs or tagged", () => {
    const plan = planPrune(inventory(), manifests, ctx());
    expect(plan.orphans.map((o) => o.key)).toEqual(["Service/shop/old", "TaskDefinition/old"]);
    expect(plan.actions.map((a) => [a.key, a.calls.map((c) => c.operation)])).toEqual([
      ["Service/shop/old", ["ecs:UpdateService", "ecs:DeleteService"]],
      // Revision 1 runs in someone else's service: kept. Revision 2 goes with the service that ran it.
      ["TaskDefinition/old", ["ecs:DeregisterTaskDefinition", "ecs:DeregisterTaskDefinition"]],
    ]);
    expect(plan.actions[1]?.calls.map((c) => c.input["taskDefinition"])).toEqual([arn("old", 2), arn("old", 3)]);
    expect(plan.blocked).toBeUndefined();
  });

  it("keeps a resource whose tag says ecs-gitops:prune false, and counts it as kept", () => {
    const inv = inventory();
    inv.get("Service")![3]!.tags["ecs-gitops:prune"] = "false";
    const plan = planPrune(inv, manifests, ctx());
    expect(plan.orphans.find((o) => o.key === "Service/shop/old")?.kept).toContain("false");
    expect(plan.actions.map((a) => a.key)).toEqual(["TaskDefinition/old"]);
    // Its revision is in use by a service that stays.
    expect(plan.actions[0]?.calls.map((c) => c.input["taskDefinition"])).toEqual([arn("old", 3)]);
  });

  it("another repository's resource with our owner is not an orphan", () => {
    const inv = inventory();
    inv.get("Service")![3]!.tags["ecs-gitops:source"] = "github.com/acme/other//old/service.yaml";
    expect(planPrune(inv, manifests, ctx()).orphans.map((o) => o.key)).toEqual(["TaskDefinition/old"]);
  });

  it.each([
    ["more than maxDeletes", ctx({ maxDeletes: 1 }), /maxDeletes \(1\)/],
    ["more than half of what we own", ctx(), /more than half/],
    ["an empty commit", ctx({ emptyCommit: true }), /no manifests/],
  ])("blocks %s unless allowed once", (_, settings, reason) => {
    const few = settings.maxDeletes === 1 ? manifests : [svc("a")];
    const plan = planPrune(inventory(), few, settings);
    expect(plan.blocked?.reason).toMatch(reason);
    expect(planPrune(inventory(), few, { ...settings, allowMassDelete: true }).blocked).toBeUndefined();
    // Prune off: nothing runs, so nothing is blocked either.
    expect(planPrune(inventory(), few, { ...settings, enabled: false }).blocked).toBeUndefined();
  });

  it("keeps the newest revisionHistoryLimit revisions of a family that stays, and the one in use", () => {
    const inv = inventory();
    inv.get("TaskDefinition")![0] = family("a", revisions("a", 15, ours("a/task-definition.yaml")));
    const plan = planPrune(inv, manifests, ctx({ revisionHistoryLimit: 10 }));
    const trim = plan.actions.find((a) => a.key === "TaskDefinition/a")!;
    // Revision 1 runs in service a: it stays and takes one of the 10 places; 7..15 fill the rest.
    expect(trim.calls.map((c) => c.input["taskDefinition"])).toEqual([2, 3, 4, 5, 6].map((r) => arn("a", r)));
    expect(plan.deletes).toBe(2);
    // One fewer while this run registers a new revision.
    const registering = planPrune(inv, manifests, ctx({ revisionHistoryLimit: 10, registering: new Set(["a"]) }));
    expect(registering.actions.find((a) => a.key === "TaskDefinition/a")?.calls).toHaveLength(6);
  });

  it("says a renamed resource is a create and a prune", () => {
    const renamed = manifestOf("Service", "old-2", { cluster: "shop", taskDefinition: "old" }, { file: "old/service.yaml" });
    const plan = planPrune(inventory(), [...manifests, renamed, td("old")], ctx());
    expect(plan.orphans.map((o) => [o.key, o.renamedTo])).toEqual([["Service/shop/old", "Service/shop/old-2"]]);
    expect(plan.actions[0]?.notes?.[0]).toMatch(/renamed: Service\/shop\/old-2 is created/);
  });

  it("a resource whose manifest only fails to load is held back, not an orphan", () => {
    const plan = planPrune(inventory(), manifests, ctx({ heldBackFiles: ["old/service.yaml"] }));
    expect(plan.orphans.map((o) => o.key)).toEqual(["TaskDefinition/old"]);
  });
});
