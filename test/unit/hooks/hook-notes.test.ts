import { describe, expect, it } from "vitest";
import { renderPlan } from "../../../src/plan/render.js";
import { refuseHookedDeploys } from "../../../src/engine/hooks/one-shot-guard.js";
import { planService } from "../../../src/resources/service/plan.js";
import { manifestOf, planContext, resolverOf } from "../resources/builders.js";

const TD7 = "arn:aws:ecs:us-east-1:123456789012:task-definition/api:7";
const TD8 = "arn:aws:ecs:us-east-1:123456789012:task-definition/api:8";
const api = () => {
  const manifest = manifestOf("Service", "api", { cluster: "main", taskDefinition: "api", desiredCount: 2 });
  manifest.hooks = { preDeploy: [{ name: "migrate" }, { name: "warm-cache", blocking: false }], postDeploy: [{ name: "smoke" }] };
  return manifest;
};
const live = (taskDefinition: string, desiredCount = 2) => ({
  serviceName: "api",
  serviceArn: "arn:aws:ecs:us-east-1:123456789012:service/main/api",
  clusterArn: "arn:aws:ecs:us-east-1:123456789012:cluster/main",
  status: "ACTIVE",
  taskDefinition,
  desiredCount,
  launchType: "EC2",
  tags: [
    { key: "ecs-gitops:owner", value: "ecs-gitops" },
    { key: "ecs-gitops:source", value: "api.yaml" },
  ],
});

describe("diff names the hooks a deploy will run", () => {
  it("a new revision: preDeploy then postDeploy hooks, in the plan's notes and the printed diff", () => {
    const action = planService(api(), live(TD7), planContext({ resolveTaskDefinition: resolverOf({ api: TD8 }) }));
    expect(action.type).toBe("update");
    const notes = "notes" in action ? action.notes : undefined;
    expect(notes).toContain("preDeploy hooks run before the deploy, which waits for them: migrate, warm-cache (non-blocking)");
    expect(notes).toContain("postDeploy hooks run after the deploy is sent: smoke (non-blocking)");
    expect(renderPlan([action], { color: false })).toContain("note: preDeploy hooks run before the deploy");
  });

  it("a change that keeps the revision (desiredCount) runs none", () => {
    const action = planService(api(), live(TD8, 5), planContext({ resolveTaskDefinition: resolverOf({ api: TD8 }) }));
    expect(action.type).toBe("update");
    expect(JSON.stringify("notes" in action ? (action.notes ?? []) : [])).not.toContain("hooks run");
  });
});

describe("ecs-gitops apply runs no hooks", () => {
  it("refuses a new revision gated by a blocking preDeploy hook, and lets a change that keeps the revision through", () => {
    const manifest = api();
    const deploy = planService(manifest, live(TD7), planContext({ resolveTaskDefinition: resolverOf({ api: TD8 }) }));
    const scale = planService(manifest, live(TD8, 5), planContext({ resolveTaskDefinition: resolverOf({ api: TD8 }) }));
    const [refused, kept] = refuseHookedDeploys([deploy, scale], [manifest]);
    expect(refused).toMatchObject({ type: "blocked", reason: expect.stringContaining("preDeploy hooks (migrate)") });
    expect(kept).toBe(scale);
    const unhooked = { ...manifest };
    delete unhooked.hooks;
    expect(refuseHookedDeploys([deploy], [unhooked])[0]).toBe(deploy);
  });
});
