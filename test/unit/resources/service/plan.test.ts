import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../../../src/json.js";
import { planService } from "../../../../src/resources/service/plan.js";
import { manifestSpecHash } from "../../../../src/resources/common/spec-hash.js";
import { arnPlaceholder, OWNER_TAG, REVISION_TAG, SOURCE_TAG, SPEC_HASH_TAG } from "../../../../src/resources/types.js";
import type { Action, PlannedCall } from "../../../../src/resources/types.js";
import { planContext, resolverOf } from "../builders.js";
import { live, ownedTags, SERVICE_ARN, spec, TD3, TD4, web } from "./web-service.js";

const ctx = planContext({ resolveTaskDefinition: resolverOf({ web: TD3 }) });

function calls(action: Action): PlannedCall[] {
  return action.type === "blocked" ? [] : action.calls;
}

function only(action: Action, operation: PlannedCall["operation"]): JsonObject {
  const found = calls(action).filter((c) => c.operation === operation);
  expect(found).toHaveLength(1);
  return found[0]?.input ?? {};
}

describe("planService: create", () => {
  it("creates with the spec as written, the resolved task definition, ownership and spec-hash tags", () => {
    const manifest = web(spec({ propagateTags: "SERVICE" }), { labels: { team: "shop" } });
    const action = planService(manifest, undefined, ctx);
    expect(action.type).toBe("create");
    expect(calls(action)).toEqual([
      {
        operation: "ecs:CreateService",
        input: {
          ...spec({ propagateTags: "SERVICE" }),
          serviceName: "web",
          cluster: "prod",
          taskDefinition: TD3,
          tags: [
            { key: OWNER_TAG, value: "ecs-gitops" },
            { key: REVISION_TAG, value: "abc123" },
            { key: SOURCE_TAG, value: "web.yaml" },
            { key: SPEC_HASH_TAG, value: manifestSpecHash(manifest) },
            { key: "team", value: "shop" },
          ],
        },
      },
    ]);
    expect(action.changes.map((c) => c.path)).toContain("/desiredCount");
    expect(action.changes).toContainEqual({ path: `/tags/${SPEC_HASH_TAG}`, desired: manifestSpecHash(manifest), live: undefined });
  });

  it("adds no server default to CreateService and falls back to the default cluster", () => {
    const input = only(
      planService(
        web(spec({ cluster: undefined })),
        undefined,
        planContext({ defaultCluster: "staging", resolveTaskDefinition: resolverOf({ web: TD3 }) }),
      ),
      "ecs:CreateService",
    );
    expect(input["cluster"]).toBe("staging");
    for (const field of ["propagateTags", "enableECSManagedTags", "platformVersion", "deploymentConfiguration", "schedulingStrategy"])
      expect(input).not.toHaveProperty(field);
  });

  it("creates against a task definition registered in the same run through its placeholder", () => {
    const pending = planContext({ resolveTaskDefinition: resolverOf({}, { web: "TaskDefinition/web" }) });
    const action = planService(web(), undefined, pending);
    expect(only(action, "ecs:CreateService")["taskDefinition"]).toBe(arnPlaceholder("TaskDefinition/web"));
    expect(action.changes).toContainEqual({ path: "/taskDefinition", field: "taskDefinition", desired: "web:(new)", live: undefined });
  });

  it("blocks on a task definition reference that does not resolve", () => {
    const action = planService(web(), undefined, planContext());
    expect(action.type).toBe("blocked");
    if (action.type === "blocked") expect(action.reason).toContain('taskDefinition "web"');
  });
});

describe("planService: update", () => {
  it("plans nothing when nothing differs", () => {
    const action = planService(web(), live(), ctx);
    expect(action).toMatchObject({ type: "noop", changes: [], calls: [] });
  });

  it("sends one UpdateService with only the changed top-level fields, whole sub-objects for nested changes", () => {
    const manifest = web(spec({ desiredCount: 4, deploymentConfiguration: { maximumPercent: 150 } }));
    const action = planService(manifest, live(), ctx);
    expect(action.type).toBe("update");
    expect(only(action, "ecs:UpdateService")).toEqual({
      cluster: "prod",
      service: "web",
      desiredCount: 4,
      deploymentConfiguration: {
        maximumPercent: 150,
        minimumHealthyPercent: 100,
        deploymentCircuitBreaker: { enable: false, rollback: false },
        alarms: { alarmNames: [], enable: false, rollback: false },
        strategy: "ROLLING",
        bakeTimeInMinutes: 0,
      },
    });
    // Git changed the service: the new spec hash is tagged, and the revision tag rides along.
    expect(only(action, "ecs:TagResource")).toEqual({
      resourceArn: SERVICE_ARN,
      tags: [
        { key: REVISION_TAG, value: "abc123" },
        { key: SPEC_HASH_TAG, value: manifestSpecHash(manifest) },
      ],
    });
    expect(calls(action).map((c) => c.operation)).toEqual(["ecs:UpdateService", "ecs:TagResource"]);
  });

  it("deploys a new revision by ARN, or by placeholder when it is registered in the same run", () => {
    const known = planService(web(), live(), planContext({ resolveTaskDefinition: resolverOf({ web: TD4 }) }));
    expect(only(known, "ecs:UpdateService")).toEqual({ cluster: "prod", service: "web", taskDefinition: TD4 });
    expect(known.changes).toEqual([{ path: "/taskDefinition", field: "taskDefinition", desired: "web:4", live: "web:3" }]);
    const pending = planService(web(), live(), planContext({ resolveTaskDefinition: resolverOf({}, { web: "TaskDefinition/web" }) }));
    expect(only(pending, "ecs:UpdateService")["taskDefinition"]).toBe(arnPlaceholder("TaskDefinition/web"));
    expect(pending.changes).toEqual([{ path: "/taskDefinition", field: "taskDefinition", desired: "web:(new)", live: "web:3" }]);
  });

  it("removes load balancers, registries, placement, volumes and lattice with empty lists, Service Connect with {enabled:false}", () => {
    const withAll = live({
      loadBalancers: [{ targetGroupArn: "arn:tg/1", containerName: "web", containerPort: 80 }],
      serviceRegistries: [{ registryArn: "arn:sd/1" }],
      placementConstraints: [{ type: "distinctInstance" }],
      placementStrategy: [{ type: "spread", field: "instanceId" }],
      deployments: [
        {
          id: "ecs-svc/1",
          status: "PRIMARY",
          serviceConnectConfiguration: { enabled: true, namespace: "shop", services: [{ portName: "http" }] },
          volumeConfigurations: [{ name: "data", managedEBSVolume: { roleArn: "arn:aws:iam::123456789012:role/ebs" } }],
          vpcLatticeConfigurations: [{ portName: "http", roleArn: "arn:aws:iam::123456789012:role/l", targetGroupArn: "arn:tg/l" }],
        },
      ],
    });
    expect(only(planService(web(), withAll, ctx), "ecs:UpdateService")).toEqual({
      cluster: "prod",
      service: "web",
      loadBalancers: [],
      serviceRegistries: [],
      placementConstraints: [],
      placementStrategy: [],
      serviceConnectConfiguration: { enabled: false },
      volumeConfigurations: [],
      vpcLatticeConfigurations: [],
    });
  });

  it("moves a launch-type service to a capacity provider strategy in place", () => {
    const action = planService(
      web(spec({ launchType: undefined, capacityProviderStrategy: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }] })),
      live(),
      ctx,
    );
    expect(only(action, "ecs:UpdateService")).toEqual({
      cluster: "prod",
      service: "web",
      capacityProviderStrategy: [{ base: 0, weight: 1, capacityProvider: "FARGATE_SPOT" }],
    });
  });

  it("writes tag-only changes with Tag/UntagResource and no UpdateService", () => {
    // Applied from web() without labels; then a tag was added by hand and an AWS-managed one exists.
    const tagged = live({ tags: [...ownedTags(), { key: "old", value: "1" }, { key: "aws:cloudformation:stack-name", value: "s" }] });
    const manifest = web(spec(), { labels: { team: "shop" } });
    const action = planService(manifest, tagged, ctx);
    // Labels are part of the spec hash: a new label in git is a git change, so the hash is retagged.
    expect(calls(action)).toEqual([
      {
        operation: "ecs:TagResource",
        input: {
          resourceArn: SERVICE_ARN,
          tags: [
            { key: REVISION_TAG, value: "abc123" },
            { key: SPEC_HASH_TAG, value: manifestSpecHash(manifest) },
            { key: "team", value: "shop" },
          ],
        },
      },
      { operation: "ecs:UntagResource", input: { resourceArn: SERVICE_ARN, tagKeys: ["old"] } },
    ]);
    expect(action.changes).toEqual([
      { path: `/tags/${SPEC_HASH_TAG}`, desired: manifestSpecHash(manifest), live: manifestSpecHash(web()) },
      { path: "/tags/old", desired: undefined, live: "1" },
      { path: "/tags/team", desired: "shop", live: undefined },
    ]);
  });

  it("blocks tag writes on a service with an old short ARN when nothing else changes", () => {
    const action = planService(
      web(spec(), { labels: { team: "shop" } }),
      live({ serviceArn: "arn:aws:ecs:us-east-1:123456789012:service/web" }),
      ctx,
    );
    expect(action.type).toBe("blocked");
  });

  it.each([
    ["launchType", spec({ launchType: "EC2" }), "launchType"],
    ["schedulingStrategy", spec({ schedulingStrategy: "DAEMON", desiredCount: undefined }), "schedulingStrategy"],
    ["deploymentController", spec({ deploymentController: { type: "CODE_DEPLOY" } }), "deploymentController"],
    ["role", spec({ role: "ecsServiceRole" }), "role"],
  ])("blocks a create-only change of %s and says the service must be replaced", (_field, desired, field) => {
    const action = planService(web(desired), live(), ctx);
    expect(action.type).toBe("blocked");
    if (action.type !== "blocked") return;
    expect(action.reason).toContain(field);
    expect(action.reason).toMatch(/desired .* live /);
    expect(action.hint).toMatch(/replaced/);
    expect(action.hint).toContain("metadata.name");
    expect(action.changes.length).toBeGreaterThan(0);
  });

  it("blocks a service it does not own, and adopts it when told to", () => {
    const foreign = live({ tags: [{ key: "team", value: "shop" }] });
    const blocked = planService(web(), foreign, ctx);
    expect(blocked.type).toBe("blocked");
    if (blocked.type === "blocked") expect(blocked.hint).toContain('ecs-gitops/adopt: "true"');
    const adoptable = web(spec(), { annotations: { "ecs-gitops/adopt": "true" }, labels: { team: "shop" } });
    const adopted = planService(adoptable, foreign, ctx);
    expect(adopted.type).toBe("update");
    expect(only(adopted, "ecs:TagResource")["tags"]).toEqual([
      { key: OWNER_TAG, value: "ecs-gitops" },
      { key: REVISION_TAG, value: "abc123" },
      { key: SOURCE_TAG, value: "web.yaml" },
      { key: SPEC_HASH_TAG, value: manifestSpecHash(adoptable) },
    ]);
    expect(calls(adopted).map((c) => c.operation)).toEqual(["ecs:TagResource"]);
  });

  it("leaves desiredCount alone when the spec does not set it", () => {
    const manifest = web(spec({ desiredCount: undefined }));
    expect(planService(manifest, live({ desiredCount: 9 }, manifest), ctx)).toMatchObject({ type: "noop", changes: [] });
  });

  it("leaves desiredCount alone when it is in ignore-differences (annotation or global)", () => {
    const annotated = planService(
      web(spec({ desiredCount: 2 }), { annotations: { "ecs-gitops/ignore-differences": "desiredCount" } }),
      live({ desiredCount: 9 }),
      ctx,
    );
    expect(annotated).toMatchObject({ type: "noop", changes: [] });
    const global = planService(
      web(spec({ desiredCount: 2, healthCheckGracePeriodSeconds: 30 })),
      live({ desiredCount: 9 }),
      planContext({ ignoreDifferences: ["desiredCount"], resolveTaskDefinition: resolverOf({ web: TD3 }) }),
    );
    expect(only(global, "ecs:UpdateService")).toEqual({ cluster: "prod", service: "web", healthCheckGracePeriodSeconds: 30 });
    // healthCheckGracePeriodSeconds is new in git, so the spec hash moves with it.
    expect(global.changes.map((c) => c.path)).toEqual(["/healthCheckGracePeriodSeconds", `/tags/${SPEC_HASH_TAG}`]);
  });

  it("keeps the live value of an ignored nested field inside a sub-object it sends", () => {
    const manifest = web(spec({ deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 50 } }), {
      annotations: { "ecs-gitops/ignore-differences": "deploymentConfiguration.maximumPercent" },
    });
    const input = only(
      planService(manifest, live({ deploymentConfiguration: { maximumPercent: 300, minimumHealthyPercent: 100 } }), ctx),
      "ecs:UpdateService",
    );
    expect(input["deploymentConfiguration"]).toMatchObject({ maximumPercent: 300, minimumHealthyPercent: 50 });
  });

  it("ignores desiredCount for a DAEMON service", () => {
    const daemon = { schedulingStrategy: "DAEMON", launchType: "EC2", desiredCount: 1, networkConfiguration: undefined };
    const manifest = web(spec(daemon));
    const action = planService(
      manifest,
      live(
        {
          ...daemon,
          desiredCount: 5,
          platformVersion: undefined,
          networkConfiguration: undefined,
          deploymentConfiguration: { maximumPercent: 100, minimumHealthyPercent: 0 },
        },
        manifest,
      ),
      ctx,
    );
    expect(action).toMatchObject({ type: "noop", changes: [] });
  });

  it("under CODE_DEPLOY updates what UpdateService may change and blocks what CodeDeploy owns", () => {
    const codeDeploy = { deploymentController: { type: "CODE_DEPLOY" } };
    const liveCd = live({ ...codeDeploy, taskDefinition: TD4 });
    expect(only(planService(web(spec({ ...codeDeploy, desiredCount: 3 })), liveCd, ctx), "ecs:UpdateService")).toEqual({
      cluster: "prod",
      service: "web",
      desiredCount: 3,
    });
    const network = planService(
      web(spec({ ...codeDeploy, networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-b"], securityGroups: ["sg-1"] } } })),
      liveCd,
      ctx,
    );
    expect(network.type).toBe("blocked");
    if (network.type === "blocked") expect(network.hint).toContain("CodeDeploy");
  });
});

describe("planService: spec hash and revision tags", () => {
  const operations = (action: Action) => calls(action).map((c) => c.operation);

  it("updates the service and tags the new spec hash with the revision once when git changes the service", () => {
    const changed = web(spec({ desiredCount: 4 }));
    expect(manifestSpecHash(changed)).not.toBe(manifestSpecHash(web()));
    const action = planService(changed, live(), ctx);
    expect(calls(action)).toEqual([
      { operation: "ecs:UpdateService", input: { cluster: "prod", service: "web", desiredCount: 4 } },
      {
        operation: "ecs:TagResource",
        input: {
          resourceArn: SERVICE_ARN,
          tags: [
            { key: REVISION_TAG, value: "abc123" },
            { key: SPEC_HASH_TAG, value: manifestSpecHash(changed) },
          ],
        },
      },
    ]);
    expect(action.changes).toEqual([
      { path: "/desiredCount", field: "desiredCount", desired: 4, live: 2 },
      { path: `/tags/${SPEC_HASH_TAG}`, desired: manifestSpecHash(changed), live: manifestSpecHash(web()) },
    ]);
  });

  it("heals drift with UpdateService alone when the live spec hash matches git", () => {
    const action = planService(
      web(),
      live({
        desiredCount: 7,
        networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-z"], securityGroups: ["sg-1"], assignPublicIp: "DISABLED" } },
      }),
      ctx,
    );
    expect(action.type).toBe("update");
    expect(operations(action)).toEqual(["ecs:UpdateService"]);
    expect(only(action, "ecs:UpdateService")).toMatchObject({
      desiredCount: 2,
      networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-a"] } },
    });
    expect(action.changes.map((c) => c.path).filter((p) => p.startsWith("/tags/"))).toEqual([]);
  });

  it.each([
    ["a known newer revision", resolverOf({ web: TD4 }), TD4],
    ["a revision registered in the same run", resolverOf({}, { web: "TaskDefinition/web" }), arnPlaceholder("TaskDefinition/web")],
  ])("deploys %s of an unchanged service with UpdateService alone", (_name, resolveTaskDefinition, taskDefinition) => {
    const action = planService(web(), live(), planContext({ resolveTaskDefinition }));
    expect(calls(action)).toEqual([{ operation: "ecs:UpdateService", input: { cluster: "prod", service: "web", taskDefinition } }]);
  });

  it("restores a spec-hash tag removed by hand with TagResource, and nothing else", () => {
    const stripped = live({ tags: ownedTags().filter((t) => (t as JsonObject)["key"] !== SPEC_HASH_TAG) });
    const action = planService(web(), stripped, ctx);
    expect(calls(action)).toEqual([
      {
        operation: "ecs:TagResource",
        input: {
          resourceArn: SERVICE_ARN,
          tags: [
            { key: REVISION_TAG, value: "abc123" },
            { key: SPEC_HASH_TAG, value: manifestSpecHash(web()) },
          ],
        },
      },
    ]);
    expect(action.changes).toEqual([{ path: `/tags/${SPEC_HASH_TAG}`, desired: manifestSpecHash(web()), live: undefined }]);
  });

  it("does not retag for an annotation change, which is not part of the spec hash", () => {
    const annotated = web(spec(), { annotations: { "ecs-gitops/ignore-differences": "healthCheckGracePeriodSeconds" } });
    expect(planService(annotated, live(), ctx)).toMatchObject({ type: "noop", changes: [], calls: [] });
  });
});
