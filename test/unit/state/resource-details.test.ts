import { describe, expect, it } from "vitest";
import { maskMatcher } from "../../../src/diff/mask.js";
import { dependencyGraph } from "../../../src/engine/dependency-graph.js";
import type { LiveSnapshot } from "../../../src/resources/live-snapshot.js";
import type { Action } from "../../../src/resources/types.js";
import { renderPlan } from "../../../src/plan/render.js";
import { ResourceDetails, keptPlan } from "../../../src/state/resource-details.js";
import { manifestOf } from "../resources/builders.js";

const EMPTY: LiveSnapshot = {
  accountId: "123456789012",
  revisions: new Map(),
  latestKnown: new Set(),
  services: new Map(),
  rules: new Map(),
};
const AT = new Date("2026-12-01T10:00:00.000Z");

const envUpdate: Action = {
  type: "update",
  key: "TaskDefinition/api",
  kind: "TaskDefinition",
  calls: [{ operation: "ecs:RegisterTaskDefinition", input: { family: "api" } }],
  changes: [
    {
      path: "/containerDefinitions/0/environment",
      desired: [
        { name: "DB_PASSWORD", value: "pw-in-git-81c2" },
        { name: "SENTRY_DSN", value: "dsn-in-git-0a0a" },
        { name: "LOG_LEVEL", value: "debug" },
      ],
      live: [
        { name: "DB_PASSWORD", value: "pw-by-hand-6d6d" },
        { name: "SENTRY_DSN", value: "dsn-by-hand-1b1b" },
        { name: "LOG_LEVEL", value: "info" },
      ],
    },
  ],
};

describe("ResourceDetails", () => {
  it("keeps a plan masked with the built-in names and maskPatterns, in the table and in the diff text", () => {
    const details = new ResourceDetails();
    details.notePlan(envUpdate, EMPTY, maskMatcher(["_DSN$"]), AT);
    const { plan } = details.get("TaskDefinition/api");
    const stored = JSON.stringify(plan);
    for (const secret of ["pw-in-git-81c2", "pw-by-hand-6d6d", "dsn-in-git-0a0a", "dsn-by-hand-1b1b"]) expect(stored).not.toContain(secret);
    expect(stored).toContain("(masked)");
    expect(plan).toMatchObject({ type: "update", at: AT.toISOString() });
    expect(plan?.text).toContain("~ TaskDefinition api");
    expect(plan?.text).toContain("debug");
    expect(plan?.changes[0]?.field).toBe("containerDefinitions[0].environment");
  });

  it("keeps a plan without its calls' inputs or text, and renders on request the text `ecs-gitops diff` prints", () => {
    const containers = [
      { name: "worker", image: "registry.example/worker:7f3e", environment: [{ name: "QUEUE_TOKEN", value: "tok-77aa" }] },
    ];
    const create: Action = {
      type: "create",
      key: "TaskDefinition/worker",
      kind: "TaskDefinition",
      changes: [{ path: "/containerDefinitions", desired: containers, live: undefined }],
      calls: [
        { operation: "ecs:RegisterTaskDefinition", input: { family: "worker", containerDefinitions: containers, cpu: "512-in-input" } },
      ],
      notes: ["first revision of the family"],
    };
    const isSecret = maskMatcher(["_TOKEN$"]);
    const kept = JSON.stringify(keptPlan(create, isSecret, AT));
    expect(kept).not.toContain("512-in-input");
    expect(kept).not.toContain("tok-77aa");
    expect(kept).not.toContain("calls: ecs:RegisterTaskDefinition");
    const details = new ResourceDetails();
    details.notePlan(create, EMPTY, isSecret, AT);
    const { plan } = details.get("TaskDefinition/worker");
    expect(plan?.text).toBe(renderPlan([create], { color: false, isSecret }));
    expect(plan?.text).toContain("note: first revision of the family");
    expect(plan?.text).toContain("calls: ecs:RegisterTaskDefinition");
    expect(plan?.text).not.toContain("tok-77aa");
    expect(plan?.changes).toEqual([
      { path: "/containerDefinitions", field: "containerDefinitions", desired: expect.anything(), live: undefined },
    ]);
  });

  it("keeps a service's task counts and rollout states from the snapshot, and a rule's state and targets", () => {
    const details = new ResourceDetails();
    const service: Action = { type: "noop", key: "Service/shop/web", kind: "Service", changes: [], calls: [] };
    const rule: Action = { type: "noop", key: "ScheduledRule/default/nightly", kind: "ScheduledRule", changes: [], calls: [] };
    const snapshot: LiveSnapshot = {
      ...EMPTY,
      services: new Map([
        [
          "Service/shop/web",
          {
            runningCount: 1,
            desiredCount: 2,
            pendingCount: 1,
            deployments: [
              { id: "ecs-svc/1", status: "PRIMARY", rolloutState: "IN_PROGRESS", taskDefinition: "arn:…:task-definition/web:4" },
            ],
          },
        ],
      ]),
      rules: new Map([
        ["ScheduledRule/default/nightly", { rule: { State: "ENABLED", ScheduleExpression: "rate(1 day)" }, targets: [{}, {}], tags: [] }],
      ]),
    };
    details.notePlan(service, snapshot, undefined, AT);
    details.notePlan(rule, snapshot, undefined, AT);
    expect(details.get("Service/shop/web").service).toEqual({
      running: 1,
      desired: 2,
      pending: 1,
      deployments: [{ id: "ecs-svc/1", status: "PRIMARY", rolloutState: "IN_PROGRESS", taskDefinition: "arn:…:task-definition/web:4" }],
    });
    expect(details.get("ScheduledRule/default/nightly").rule).toEqual({ state: "ENABLED", scheduleExpression: "rate(1 day)", targets: 2 });
    expect(details.get("Service/shop/web").plan).toMatchObject({ type: "noop", text: "" });
  });

  it("tells episodes from alerts: opened with fields, then ended with how, newest first", async () => {
    const details = new ResourceDetails();
    const base = { key: "Service/shop/web", kind: "Service" as const, name: "web" };
    const fields = [{ path: "/desiredCount", desired: 2, live: 5 }];
    await details.send({
      ...base,
      type: "drift.opened",
      firstSeen: "2026-12-01T10:00:00Z",
      at: "2026-12-01T10:00:00Z",
      fields,
      action: "reported",
    });
    await details.send({
      ...base,
      type: "drift.resolved",
      firstSeen: "2026-12-01T10:00:00Z",
      at: "2026-12-01T10:05:00Z",
      resolution: "manual",
    });
    const error = { code: "AccessDenied", message: "no ecs:UpdateService" };
    await details.send({ ...base, type: "sync.failed", firstSeen: "2026-12-01T11:00:00Z", at: "2026-12-01T11:00:00Z", error });
    expect(details.get("Service/shop/web").episodes).toEqual([
      { type: "sync", firstSeen: "2026-12-01T11:00:00Z", fields: [], error },
      {
        type: "drift",
        firstSeen: "2026-12-01T10:00:00Z",
        fields,
        action: "reported",
        endedAt: "2026-12-01T10:05:00Z",
        resolution: "manual",
      },
    ]);
  });
});

describe("dependencyGraph", () => {
  it("links each task definition family to the services and rule targets that run it", () => {
    const manifests = [
      manifestOf("TaskDefinition", "web", { containerDefinitions: [] }),
      manifestOf("Service", "web", { cluster: "shop", taskDefinition: "web", desiredCount: 1, launchType: "EC2" }),
      manifestOf("Service", "web-canary", { cluster: "shop", taskDefinition: "web", desiredCount: 1, launchType: "EC2" }),
      manifestOf("ScheduledRule", "nightly", {
        scheduleExpression: "rate(1 day)",
        targets: [{ id: "t", cluster: "shop", taskDefinition: "report", roleArn: "arn:aws:iam::123456789012:role/r" }],
      }),
    ];
    expect(dependencyGraph(manifests).edges).toEqual([
      { from: "TaskDefinition/report", to: "ScheduledRule/default/nightly" },
      { from: "TaskDefinition/web", to: "Service/shop/web" },
      { from: "TaskDefinition/web", to: "Service/shop/web-canary" },
    ]);
    expect(dependencyGraph(undefined).edges).toEqual([]);
  });
});
