import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../../../src/json.js";
import { isRolledBack } from "../../../../src/resources/service/health.js";
import { serviceHealth } from "../../../../src/state/status.js";
import type { Health } from "../../../../src/state/status.js";

// Shapes as DescribeServices returns them (SDK dates already turned into ISO strings).
const T0 = "2025-03-01T10:00:00.000Z";
const T1 = "2025-03-01T10:05:00.000Z";
const T2 = "2025-03-01T10:09:00.000Z";

type DeploymentFields = {
  id: string;
  status: "PRIMARY" | "ACTIVE" | "INACTIVE";
  taskDefinition?: string;
  desiredCount: number;
  runningCount: number;
  pendingCount?: number;
  failedTasks?: number;
  rolloutState?: "COMPLETED" | "IN_PROGRESS" | "FAILED";
  rolloutStateReason?: string;
  createdAt?: string;
};

function deployment(fields: DeploymentFields): JsonObject {
  return {
    taskDefinition: "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7",
    pendingCount: 0,
    failedTasks: 0,
    launchType: "FARGATE",
    platformVersion: "1.4.0",
    createdAt: T0,
    updatedAt: T0,
    ...fields,
  };
}

function service(deployments: JsonObject[], extra: JsonObject = {}): JsonObject {
  const primary = deployments.find((d) => d.status === "PRIMARY");
  return {
    serviceArn: "arn:aws:ecs:eu-west-1:123456789012:service/prod/web",
    serviceName: "web",
    clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/prod",
    status: "ACTIVE",
    desiredCount: primary?.desiredCount ?? 0,
    runningCount: deployments.reduce((n, d) => n + (typeof d.runningCount === "number" ? d.runningCount : 0), 0),
    pendingCount: 0,
    launchType: "FARGATE",
    deploymentConfiguration: {
      deploymentCircuitBreaker: { enable: true, rollback: true },
      maximumPercent: 200,
      minimumHealthyPercent: 100,
    },
    deploymentController: { type: "ECS" },
    deployments,
    events: [],
    ...extra,
  };
}

const completed = deployment({
  id: "ecs-svc/1111",
  status: "PRIMARY",
  desiredCount: 3,
  runningCount: 3,
  rolloutState: "COMPLETED",
  rolloutStateReason: "ECS deployment ecs-svc/1111 completed.",
});

const cases: { name: string; service: JsonObject | undefined; health: Health; message?: RegExp }[] = [
  { name: "no service at all", service: undefined, health: "Missing" },
  {
    name: "an INACTIVE (deleted) service",
    service: service([], { status: "INACTIVE", desiredCount: 0, runningCount: 0 }),
    health: "Missing",
  },
  { name: "a DRAINING service", service: service([completed], { status: "DRAINING" }), health: "Missing" },
  { name: "one PRIMARY deployment, COMPLETED, 3/3 running", service: service([completed]), health: "Healthy", message: /3\/3/ },
  {
    name: "a service scaled to zero",
    service: service([deployment({ id: "ecs-svc/1111", status: "PRIMARY", desiredCount: 0, runningCount: 0, rolloutState: "COMPLETED" })]),
    health: "Healthy",
  },
  {
    name: "a deployment without rolloutState, counts matching",
    service: service([deployment({ id: "ecs-svc/1111", status: "PRIMARY", desiredCount: 2, runningCount: 2 })]),
    health: "Healthy",
  },
  {
    name: "a rolling update: new PRIMARY IN_PROGRESS, old ACTIVE still running",
    service: service([
      deployment({
        id: "ecs-svc/2222",
        status: "PRIMARY",
        desiredCount: 3,
        runningCount: 1,
        pendingCount: 2,
        rolloutState: "IN_PROGRESS",
        rolloutStateReason: "ECS deployment ecs-svc/2222 in progress.",
        createdAt: T1,
      }),
      deployment({ id: "ecs-svc/1111", status: "ACTIVE", desiredCount: 0, runningCount: 3, rolloutState: "COMPLETED" }),
    ]),
    health: "Progressing",
    message: /in progress: 1\/3/,
  },
  {
    name: "a PRIMARY IN_PROGRESS with all tasks up, waiting for steady state",
    service: service([
      deployment({ id: "ecs-svc/2222", status: "PRIMARY", desiredCount: 3, runningCount: 3, rolloutState: "IN_PROGRESS" }),
    ]),
    health: "Progressing",
  },
  {
    name: "two deployments even if the primary says COMPLETED",
    service: service([
      deployment({ id: "ecs-svc/2222", status: "PRIMARY", desiredCount: 3, runningCount: 3, rolloutState: "COMPLETED" }),
      deployment({ id: "ecs-svc/1111", status: "ACTIVE", desiredCount: 0, runningCount: 1, rolloutState: "COMPLETED" }),
    ]),
    health: "Progressing",
    message: /2 deployments/,
  },
  {
    name: "a scale-out: COMPLETED but 2/5 running",
    service: service([deployment({ id: "ecs-svc/1111", status: "PRIMARY", desiredCount: 5, runningCount: 2, rolloutState: "COMPLETED" })]),
    health: "Progressing",
    message: /2\/5/,
  },
  {
    name: "a scale-in: 4 running for 2 desired",
    service: service([deployment({ id: "ecs-svc/1111", status: "PRIMARY", desiredCount: 2, runningCount: 4, rolloutState: "COMPLETED" })]),
    health: "Progressing",
  },
  {
    name: "a failed rollout without rollback (PRIMARY FAILED)",
    service: service([
      deployment({
        id: "ecs-svc/2222",
        status: "PRIMARY",
        desiredCount: 3,
        runningCount: 0,
        failedTasks: 10,
        rolloutState: "FAILED",
        rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
        createdAt: T1,
      }),
      deployment({ id: "ecs-svc/1111", status: "ACTIVE", desiredCount: 3, runningCount: 3, rolloutState: "COMPLETED" }),
    ]),
    health: "Degraded",
    message: /ecs-svc\/2222 failed: ECS deployment circuit breaker: tasks failed to start\./,
  },
  {
    name: "a circuit breaker rollback in progress (failed deployment now ACTIVE)",
    service: service([
      deployment({
        id: "ecs-svc/3333",
        status: "PRIMARY",
        taskDefinition: "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7",
        desiredCount: 3,
        runningCount: 2,
        rolloutState: "IN_PROGRESS",
        rolloutStateReason: "ECS deployment ecs-svc/3333 in progress.",
        createdAt: T2,
      }),
      deployment({
        id: "ecs-svc/2222",
        status: "ACTIVE",
        taskDefinition: "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:8",
        desiredCount: 0,
        runningCount: 0,
        failedTasks: 6,
        rolloutState: "FAILED",
        rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
        createdAt: T1,
      }),
    ]),
    health: "Degraded",
    message: /rolling back/,
  },
  {
    name: "a finished rollback, announced in the events since the primary started",
    service: service(
      [deployment({ id: "ecs-svc/3333", status: "PRIMARY", desiredCount: 3, runningCount: 3, rolloutState: "COMPLETED", createdAt: T1 })],
      {
        events: [
          { id: "e3", createdAt: T2, message: "(service web) has reached a steady state." },
          { id: "e2", createdAt: T1, message: "(service web) rolling back to deployment ecs-svc/1111." },
          { id: "e1", createdAt: T1, message: "(service web) (deployment ecs-svc/2222) deployment failed: tasks failed to start." },
        ],
      },
    ),
    health: "Degraded",
    message: /rolled back: \(service web\) rolling back to deployment ecs-svc\/1111\./,
  },
  {
    name: "an old rollback event from before the current deployment",
    service: service(
      [deployment({ id: "ecs-svc/4444", status: "PRIMARY", desiredCount: 3, runningCount: 3, rolloutState: "COMPLETED", createdAt: T2 })],
      {
        events: [{ id: "e2", createdAt: T1, message: "(service web) rolling back to deployment ecs-svc/1111." }],
      },
    ),
    health: "Healthy",
  },
  {
    name: "failed tasks while short of the desired count",
    service: service([
      deployment({ id: "ecs-svc/1111", status: "PRIMARY", desiredCount: 3, runningCount: 1, failedTasks: 2, rolloutState: "COMPLETED" }),
    ]),
    health: "Degraded",
    message: /2 task\(s\) failed/,
  },
  {
    name: "failed tasks in the past but at the desired count again",
    service: service([
      deployment({ id: "ecs-svc/1111", status: "PRIMARY", desiredCount: 3, runningCount: 3, failedTasks: 2, rolloutState: "COMPLETED" }),
    ]),
    health: "Healthy",
  },
  {
    name: "an EXTERNAL controller service without deployments, counts matching",
    service: service([], { deploymentController: { type: "EXTERNAL" }, desiredCount: 2, runningCount: 2 }),
    health: "Healthy",
  },
  {
    name: "a service object without any counts",
    service: { serviceName: "web", status: "ACTIVE" },
    health: "Unknown",
  },
];

describe("serviceHealth", () => {
  it.each(cases)("$name → $health", ({ service: svc, health, message }) => {
    const verdict = serviceHealth(svc);
    expect(verdict.health).toBe(health);
    if (message !== undefined) expect(verdict.message).toMatch(message);
    expect(verdict.message).not.toBe("");
  });
});

describe("isRolledBack", () => {
  it("is true while a failed deployment is being rolled back, false for a healthy or merely failing service", () => {
    const base = { status: "ACTIVE", desiredCount: 2, runningCount: 2 };
    const primary = {
      id: "ecs-svc/2",
      status: "PRIMARY",
      rolloutState: "IN_PROGRESS",
      runningCount: 2,
      desiredCount: 2,
      createdAt: "2026-11-20T10:10:00Z",
    };
    const failed = {
      id: "ecs-svc/3",
      status: "ACTIVE",
      rolloutState: "FAILED",
      rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
      runningCount: 0,
      desiredCount: 0,
      createdAt: "2026-11-20T10:05:00Z",
    };
    expect(isRolledBack({ ...base, deployments: [primary, failed] })).toBe(true);
    expect(isRolledBack({ ...base, deployments: [{ ...primary, rolloutState: "COMPLETED" }] })).toBe(false);
    expect(isRolledBack({ ...base, deployments: [{ ...primary, rolloutState: "FAILED", rolloutStateReason: "tasks failed" }] })).toBe(
      false,
    );
  });
});
