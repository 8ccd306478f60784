import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../../../src/json.js";
import { specHash } from "../../../../src/resources/task-definition/hash.js";
import { normalizeTaskDefinition } from "../../../../src/resources/task-definition/normalize.js";
import { planTaskDefinition } from "../../../../src/resources/task-definition/plan.js";
import type { LiveTaskDefinition, TaskDefinitionPlan } from "../../../../src/resources/task-definition/plan.js";
import { EARLIER_REVISIONS_TAG, OWNER_TAG, REVISION_TAG, SOURCE_TAG, SPEC_HASH_TAG } from "../../../../src/resources/types.js";
import type { Action, PlannedCall } from "../../../../src/resources/types.js";
import { manifestOf, planContext } from "../builders.js";
import { liveFixture } from "./helpers.js";

const ARN = (revision: number) => `arn:aws:ecs:us-east-1:123456789012:task-definition/web:${revision}`;

const SPEC: JsonObject = {
  networkMode: "awsvpc",
  requiresCompatibilities: ["FARGATE"],
  cpu: "0.25 vCPU",
  memory: "1 GB",
  executionRoleArn: "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
  containerDefinitions: [
    {
      name: "web",
      image: "nginx:1.27",
      portMappings: [{ containerPort: 80 }],
      environment: [
        { name: "B", value: "2" },
        { name: "A", value: "1" },
      ],
      healthCheck: { command: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"] },
    },
  ],
};

/** What DescribeTaskDefinition returns for SPEC once AWS registered it (server fills, response-only fields). */
function described(overrides: (c: JsonObject) => JsonObject = (c) => c, revision = 3): JsonObject {
  const c: JsonObject = {
    name: "web",
    image: "nginx:1.27",
    cpu: 0,
    portMappings: [{ containerPort: 80, hostPort: 80, protocol: "tcp" }],
    essential: true,
    environment: [
      { name: "A", value: "1" },
      { name: "B", value: "2" },
    ],
    mountPoints: [],
    volumesFrom: [],
    systemControls: [],
    healthCheck: { command: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], interval: 30, timeout: 5, retries: 3 },
  };
  return {
    taskDefinitionArn: ARN(revision),
    containerDefinitions: [overrides(c)],
    family: "web",
    executionRoleArn: "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
    networkMode: "awsvpc",
    revision,
    volumes: [],
    status: "ACTIVE",
    requiresAttributes: [{ name: "ecs.capability.task-eni" }],
    placementConstraints: [],
    compatibilities: ["EC2", "FARGATE"],
    requiresCompatibilities: ["FARGATE"],
    cpu: "256",
    memory: "1024",
    registeredAt: "2025-01-01T00:00:00.000Z",
    registeredBy: "arn:aws:iam::123456789012:user/ci",
    enableFaultInjection: false,
  };
}

const web = (spec: JsonObject = SPEC, options: Parameters<typeof manifestOf>[3] = {}) =>
  manifestOf("TaskDefinition", "web", spec, { file: "apps/web.yaml", labels: { team: "shop" }, ...options });

/** The tags an owned, up-to-date revision of `spec` carries. */
function ownedTags(spec: JsonObject = SPEC, extra: Record<string, string> = {}): Record<string, string> {
  return {
    team: "shop",
    [OWNER_TAG]: "ecs-gitops",
    [SOURCE_TAG]: "apps/web.yaml",
    [SPEC_HASH_TAG]: specHash(normalizeTaskDefinition(spec)),
    [REVISION_TAG]: "old-commit",
    ...extra,
  };
}

const revision = (n: number, taskDefinition: JsonObject = described(undefined, n), tags = ownedTags()): LiveTaskDefinition => ({
  arn: ARN(n),
  revision: n,
  taskDefinition,
  tags,
});

function callsOf(action: Action): PlannedCall[] {
  if (action.type === "blocked") throw new Error(`blocked: ${action.reason}`);
  return action.calls;
}

const operations = (plan: TaskDefinitionPlan) => callsOf(plan.action).map((c) => c.operation);

describe("planTaskDefinition", () => {
  it("registers nothing when the live revision is the desired content as AWS describes it", () => {
    const plan = planTaskDefinition(web(), [revision(3)], planContext());
    expect(plan.action).toMatchObject({ type: "noop", key: "TaskDefinition/web", kind: "TaskDefinition", changes: [], calls: [] });
    expect(plan.resolved).toEqual({ state: "known", arn: ARN(3) });
  });

  it("registers a revision when, and only when, the content differs", () => {
    const live = revision(
      3,
      described((c) => ({ ...c, image: "nginx:1.26" })),
    );
    const plan = planTaskDefinition(web(), [live], planContext());
    expect(plan.action).toMatchObject({
      type: "update",
      changes: [{ path: "/containerDefinitions/0/image", desired: "nginx:1.27", live: "nginx:1.26" }],
    });
    expect(operations(plan)).toEqual(["ecs:RegisterTaskDefinition"]);
    expect(plan.resolved).toEqual({ state: "pending", family: "web", key: "TaskDefinition/web" });
  });

  it("creates the family when there is no revision", () => {
    const plan = planTaskDefinition(web(), [], planContext());
    expect(plan.action.type).toBe("create");
    expect(operations(plan)).toEqual(["ecs:RegisterTaskDefinition"]);
    expect(plan.action.changes.map((c) => c.path)).toContain("/containerDefinitions");
    expect(plan.action.changes.every((c) => c.live === undefined)).toBe(true);
  });

  it("sends the spec as written: no server defaults, no response-only fields, units as integer strings", () => {
    const plan = planTaskDefinition(
      web(),
      [
        revision(
          3,
          described((c) => ({ ...c, image: "nginx:1.26" })),
        ),
      ],
      planContext(),
    );
    const [call] = callsOf(plan.action);
    expect(call?.input).toEqual({
      family: "web",
      ...SPEC,
      cpu: "256",
      memory: "1024",
      tags: [
        // Revision 3's hash, so a later revert to it is found without listing the family (history.ts).
        { key: EARLIER_REVISIONS_TAG, value: `3=${ownedTags()[SPEC_HASH_TAG]!.slice(0, 16)}` },
        { key: OWNER_TAG, value: "ecs-gitops" },
        { key: REVISION_TAG, value: "abc123" },
        { key: SOURCE_TAG, value: "apps/web.yaml" },
        { key: SPEC_HASH_TAG, value: plan.specHash },
        { key: "team", value: "shop" },
      ],
    });
    const text = JSON.stringify(call?.input);
    for (const filled of [
      '"essential"',
      '"protocol"',
      '"hostPort"',
      '"interval"',
      '"enableFaultInjection"',
      '"versionConsistency"',
      '"revision"',
      '"status"',
      '"compatibilities"',
      '"registeredAt"',
    ]) {
      expect(text).not.toContain(filled);
    }
  });

  it("never sends EFS rootDirectory when the user did not write it (access points reject it)", () => {
    const efs = { fileSystemId: "fs-1", transitEncryption: "ENABLED", authorizationConfig: { accessPointId: "fsap-1", iam: "ENABLED" } };
    const spec = { ...SPEC, volumes: [{ name: "data", efsVolumeConfiguration: efs }] };
    const [call] = callsOf(planTaskDefinition(web(spec), [], planContext()).action);
    expect(call?.input["volumes"]).toEqual([{ name: "data", efsVolumeConfiguration: efs }]);
  });

  it("drops explicit nulls and stray top-level fields from the request", () => {
    const spec = { ...SPEC, cpu: 512, ipcMode: null, family: "other", tags: [{ key: "x", value: "y" }] } as JsonObject;
    const [call] = callsOf(planTaskDefinition(web(spec), [], planContext()).action);
    expect(call?.input).not.toHaveProperty("ipcMode");
    expect(call?.input["family"]).toBe("web");
    expect(call?.input["cpu"]).toBe("512");
    expect(call?.input["tags"]).not.toContainEqual({ key: "x", value: "y" });
  });

  it("treats 0.25 vCPU / 1 GB and 256 / 1024 as the same content", () => {
    expect(planTaskDefinition(web({ ...SPEC, cpu: "256", memory: "1024" }), [revision(3)], planContext()).action.type).toBe("noop");
    expect(planTaskDefinition(web({ ...SPEC, cpu: 256, memory: "1GB" }), [revision(3)], planContext()).action.type).toBe("noop");
    expect(specHash(normalizeTaskDefinition({ ...SPEC, cpu: "256" }))).toBe(specHash(normalizeTaskDefinition(SPEC)));
  });

  it("fixes tags alone with TagResource/UntagResource, never a new revision", () => {
    const live = revision(3, undefined, ownedTags(SPEC, { team: "search", stale: "x", "aws:cloudformation:stack-name": "s" }));
    const plan = planTaskDefinition(web(), [live], planContext());
    expect(plan.action).toMatchObject({
      type: "update",
      changes: [
        { path: "/tags/stale", desired: undefined, live: "x" },
        { path: "/tags/team", desired: "shop", live: "search" },
      ],
    });
    expect(callsOf(plan.action)).toEqual([
      {
        operation: "ecs:TagResource",
        input: {
          resourceArn: ARN(3),
          tags: [
            { key: REVISION_TAG, value: "abc123" },
            { key: "team", value: "shop" },
          ],
        },
      },
      { operation: "ecs:UntagResource", input: { resourceArn: ARN(3), tagKeys: ["stale"] } },
    ]);
    expect(plan.resolved).toEqual({ state: "known", arn: ARN(3) });
  });

  it("does not retag for the write-only revision tag", () => {
    const live = revision(3, undefined, ownedTags(SPEC, { [REVISION_TAG]: "another-commit" }));
    expect(planTaskDefinition(web(), [live], planContext({ revision: "abc123" })).action.type).toBe("noop");
  });

  it("ignores live order of environment, secrets, containers and tags", () => {
    const spec: JsonObject = {
      ...SPEC,
      containerDefinitions: [
        {
          name: "a",
          image: "a",
          environment: [
            { name: "X", value: "1" },
            { name: "Y", value: "2" },
          ],
          secrets: [
            { name: "S1", valueFrom: "p1" },
            { name: "S2", valueFrom: "p2" },
          ],
        },
        { name: "b", image: "b" },
      ],
    };
    const liveTd: JsonObject = {
      ...described(),
      containerDefinitions: [
        { name: "b", image: "b", essential: true, cpu: 0 },
        {
          name: "a",
          image: "a",
          essential: true,
          cpu: 0,
          environment: [
            { name: "Y", value: "2" },
            { name: "X", value: "1" },
          ],
          secrets: [
            { name: "S2", valueFrom: "p2" },
            { name: "S1", valueFrom: "p1" },
          ],
        },
      ],
    };
    const tags = ownedTags(spec);
    const reversedTags = Object.fromEntries(Object.entries(tags).reverse());
    expect(planTaskDefinition(web(spec), [revision(3, liveTd, reversedTags)], planContext()).action.type).toBe("noop");
  });

  it("treats a reordered command, entryPoint or dnsServers as a change", () => {
    for (const field of ["command", "entryPoint", "dnsServers"]) {
      const spec: JsonObject = {
        ...SPEC,
        containerDefinitions: [{ ...(SPEC["containerDefinitions"] as JsonObject[])[0], [field]: ["a", "b"] }],
      };
      const live = revision(
        3,
        described((c) => ({ ...c, [field]: ["b", "a"] })),
        ownedTags(spec),
      );
      expect(operations(planTaskDefinition(web(spec), [live], planContext()))).toEqual(["ecs:RegisterTaskDefinition"]);
    }
  });

  it("reuses the first matching candidate in the caller's order", () => {
    const inUse = revision(
      3,
      described((c) => ({ ...c, image: "nginx:1.26" })),
    );
    const latest = revision(5);
    const plan = planTaskDefinition(web(), [inUse, latest], planContext());
    expect(plan.resolved).toEqual({ state: "known", arn: ARN(5) });
    expect(plan.action).toMatchObject({ type: "noop", notes: ["content matches revision 5; no new revision"] });
    expect(planTaskDefinition(web(), [revision(2), revision(5)], planContext()).resolved).toEqual({ state: "known", arn: ARN(2) });
  });

  it("compares a registration against the first candidate", () => {
    const inUse = revision(
      3,
      described((c) => ({ ...c, image: "nginx:1.25" })),
    );
    const latest = revision(
      5,
      described((c) => ({ ...c, image: "nginx:1.26" }), 5),
    );
    const plan = planTaskDefinition(web(), [inUse, latest], planContext());
    expect(plan.action.changes).toEqual([
      { path: "/containerDefinitions/0/image", field: "containerDefinitions[web].image", desired: "nginx:1.27", live: "nginx:1.25" },
    ]);
  });

  it("blocks a family that exists and is not ours", () => {
    const foreign = revision(3, undefined, { team: "other", [OWNER_TAG]: "someone-else" });
    const plan = planTaskDefinition(web(), [foreign], planContext());
    expect(plan.action).toMatchObject({ type: "blocked", key: "TaskDefinition/web" });
    if (plan.action.type !== "blocked") throw new Error("not blocked");
    expect(plan.action.reason).toContain('"someone-else"');
    expect(plan.action.hint).toContain('ecs-gitops/adopt: "true"');
    expect(plan.resolved.state).toBe("unresolved");
    expect(planTaskDefinition(web(), [revision(3, undefined, {})], planContext()).action.type).toBe("blocked");
  });

  it("is not blocked when any candidate is ours", () => {
    const plan = planTaskDefinition(web(), [revision(3, undefined, {}), revision(5)], planContext());
    expect(plan.action.type).not.toBe("blocked");
  });

  it("never retags or reuses a revision someone else registered, even with git's content: registers our own", () => {
    const ours = revision(
      3,
      described((c) => ({ ...c, image: "nginx:1.26" })),
    );
    for (const theirTags of [{ team: "other" }, { team: "other", [OWNER_TAG]: "payments" }, {}]) {
      const theirs = revision(7, described(undefined, 7), theirTags);
      for (const candidates of [
        [ours, theirs],
        [theirs, ours],
      ]) {
        const plan = planTaskDefinition(web(), candidates, planContext());
        expect(operations(plan)).toEqual(["ecs:RegisterTaskDefinition"]);
        expect(plan.resolved).toEqual({ state: "pending", family: "web", key: "TaskDefinition/web" });
        expect(plan.action).toMatchObject({ notes: [expect.stringContaining("revision 7 has this content but is not owned")] });
      }
    }
  });

  it("adopts with the annotation: tags a matching revision, or registers over a different one", () => {
    const adopt = { annotations: { "ecs-gitops/adopt": "true" } };
    const matching = planTaskDefinition(web(SPEC, adopt), [revision(3, undefined, { team: "shop" })], planContext());
    expect(operations(matching)).toEqual(["ecs:TagResource"]);
    expect(callsOf(matching.action)[0]?.input["tags"]).toContainEqual({ key: OWNER_TAG, value: "ecs-gitops" });
    expect(matching.action).toMatchObject({ notes: ["adopting revision 3 (ecs-gitops/adopt)"] });
    expect(matching.resolved).toEqual({ state: "known", arn: ARN(3) });
    const different = planTaskDefinition(
      web(SPEC, adopt),
      [
        revision(
          3,
          described((c) => ({ ...c, image: "x" })),
          {},
        ),
      ],
      planContext(),
    );
    expect(operations(different)).toEqual(["ecs:RegisterTaskDefinition"]);
  });

  it("honours ignore-differences from the annotation and from the context", () => {
    const live = revision(
      3,
      described((c) => ({ ...c, image: "nginx:ci-build-42", cpu: 256 })),
    );
    const fromAnnotation = planTaskDefinition(
      web(SPEC, { annotations: { "ecs-gitops/ignore-differences": "containerDefinitions/*/image, /containerDefinitions/0/cpu" } }),
      [live],
      planContext(),
    );
    expect(fromAnnotation.action).toMatchObject({ type: "noop", changes: [], notes: ["2 difference(s) ignored (ignore-differences)"] });
    expect(fromAnnotation.resolved).toEqual({ state: "known", arn: ARN(3) });

    const fromContext = planTaskDefinition(
      web(),
      [live],
      planContext({ ignoreDifferences: ["containerDefinitions.*.image", "containerDefinitions.*.cpu"] }),
    );
    expect(fromContext.action.type).toBe("noop");

    const partly = planTaskDefinition(web(), [live], planContext({ ignoreDifferences: ["containerDefinitions/*/image"] }));
    expect(partly.action.changes).toEqual([
      { path: "/containerDefinitions/0/cpu", field: "containerDefinitions[web].cpu", desired: 0, live: 256 },
    ]);
    expect(operations(partly)).toEqual(["ecs:RegisterTaskDefinition"]);
  });

  it("lets ignore-differences keep tags someone else manages", () => {
    const live = revision(3, undefined, ownedTags(SPEC, { CostCenter: "42" }));
    expect(planTaskDefinition(web(), [live], planContext()).action.type).toBe("update");
    expect(planTaskDefinition(web(), [live], planContext({ ignoreDifferences: ["tags/CostCenter"] })).action.type).toBe("noop");
  });

  it("registers nothing for a real response when the manifest matches it", () => {
    const live = liveFixture("td-awscli-sleep360-register.json");
    const spec = { containerDefinitions: [{ name: "sleep", image: "busybox", cpu: 10, command: ["sleep", "360"], memory: 10 }] };
    const candidate: LiveTaskDefinition = {
      arn: live.arn ?? "",
      revision: live.revision ?? 0,
      taskDefinition: live.taskDefinition,
      tags: { [OWNER_TAG]: "ecs-gitops" },
    };
    const plan = planTaskDefinition(manifestOf("TaskDefinition", "sleep360", spec), [candidate], planContext());
    expect(operations(plan)).toEqual(["ecs:TagResource"]);
  });
});

describe("specHash", () => {
  it("is the same for an omitted default and the default written out", () => {
    const bare = { containerDefinitions: [{ name: "a", image: "a" }] };
    const explicit = { containerDefinitions: [{ essential: true, image: "a", name: "a", cpu: 0 }], enableFaultInjection: false };
    expect(specHash(normalizeTaskDefinition(bare))).toBe(specHash(normalizeTaskDefinition(explicit)));
  });

  it("is stable across key order and differs with content", () => {
    const a = normalizeTaskDefinition({ cpu: "256", memory: "512", containerDefinitions: [{ name: "a", image: "a" }] });
    const b = normalizeTaskDefinition({ containerDefinitions: [{ image: "a", name: "a" }], memory: "512", cpu: "256" });
    expect(specHash(a)).toBe(specHash(b));
    expect(specHash(a)).toMatch(/^[0-9a-f]{32}$/);
    expect(specHash(normalizeTaskDefinition({ containerDefinitions: [{ name: "a", image: "b" }] }))).not.toBe(specHash(a));
  });
});
