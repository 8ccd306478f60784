import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../../../src/json.js";
import { judgeRollout } from "../../../../src/resources/service/rollout.js";

// Shapes as DescribeServices returns them during and after a rollout (SDK dates as ISO strings).
const OLD = "2025-06-01T08:00:00.000Z";
const NEW = "2025-06-01T09:00:00.000Z";
const LATER = "2025-06-01T09:07:00.000Z";
const TD = "arn:aws:ecs:eu-central-1:210987654321:task-definition/api:";

function deployment(id: string, status: string, fields: JsonObject): JsonObject {
  return {
    id,
    status,
    taskDefinition: `${TD}4`,
    desiredCount: 2,
    runningCount: 2,
    pendingCount: 0,
    failedTasks: 0,
    createdAt: NEW,
    updatedAt: NEW,
    ...fields,
  };
}

function service(deployments: JsonObject[], events: { at: string; message: string }[] = []): JsonObject {
  return {
    serviceName: "api",
    status: "ACTIVE",
    deployments,
    events: events.map((e, i) => ({ id: `e${i}`, createdAt: e.at, message: e.message })),
  };
}

const failedRollback = service(
  [
    deployment("ecs-svc/2", "PRIMARY", { taskDefinition: `${TD}3`, rolloutState: "IN_PROGRESS", createdAt: LATER, runningCount: 1 }),
    deployment("ecs-svc/9", "ACTIVE", {
      rolloutState: "FAILED",
      rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
      failedTasks: 4,
      runningCount: 0,
      updatedAt: LATER,
    }),
  ],
  [
    { at: LATER, message: "(service api) rolling back to deployment ecs-svc/2." },
    { at: "2025-06-01T09:05:00.000Z", message: "(service api) (task 5a1c) failed container health checks." },
    { at: "2025-06-01T09:01:00.000Z", message: "(service api) has started 2 tasks: (task 5a1c) (task 77b0)." },
    { at: OLD, message: "(service api) was unable to place a task: an old, unrelated problem." },
  ],
);

describe("judgeRollout", () => {
  it("is in progress while the deployment rolls out, with the counts", () => {
    const verdict = judgeRollout(
      service([deployment("ecs-svc/9", "PRIMARY", { rolloutState: "IN_PROGRESS", runningCount: 1 })]),
      "ecs-svc/9",
    );
    expect(verdict).toMatchObject({ state: "inProgress", reason: "1/2 tasks running" });
  });

  it("succeeds when the deployment is COMPLETED", () => {
    const verdict = judgeRollout(
      service([deployment("ecs-svc/9", "PRIMARY", { rolloutState: "COMPLETED", updatedAt: LATER })]),
      "ecs-svc/9",
    );
    expect(verdict).toEqual({ state: "succeeded", deploymentId: "ecs-svc/9", revision: `${TD}4`, finishedAtMs: Date.parse(LATER) });
  });

  it("succeeds without rolloutState once it is the only deployment at its desired count", () => {
    expect(judgeRollout(service([deployment("d", "PRIMARY", {})]), "d").state).toBe("succeeded");
    expect(judgeRollout(service([deployment("d", "PRIMARY", { runningCount: 1 })]), "d").state).toBe("inProgress");
  });

  it("reports a circuit-breaker rollback with the cause from the service events, not a routine event nor an older one", () => {
    const verdict = judgeRollout(failedRollback, "ecs-svc/9");
    expect(verdict.state).toBe("rolledBack");
    expect(verdict.reason).toContain("failed container health checks");
    expect(verdict.reason).toContain("circuit breaker");
    expect(verdict.reason).not.toContain("unrelated");
  });

  it("reports FAILED without a rollback as failed", () => {
    const verdict = judgeRollout(
      service(
        [
          deployment("ecs-svc/9", "PRIMARY", {
            rolloutState: "FAILED",
            rolloutStateReason: "ECS deployment failed: alarm api-5xx in ALARM.",
          }),
        ],
        [{ at: LATER, message: "(service api) has reached a steady state." }],
      ),
      "ecs-svc/9",
    );
    expect(verdict).toMatchObject({ state: "failed", reason: "ECS deployment failed: alarm api-5xx in ALARM." });
  });

  it("reports a deployment that left the list after an announced rollback as rolled back, with the cause", () => {
    const after = service(
      [deployment("ecs-svc/2", "PRIMARY", { taskDefinition: `${TD}3`, rolloutState: "COMPLETED", createdAt: LATER })],
      [
        { at: LATER, message: "(service api) rolling back to deployment ecs-svc/2." },
        { at: "2025-06-01T09:05:00.000Z", message: "(service api) (task 5a1c) stopped: essential container exited." },
      ],
    );
    const verdict = judgeRollout(after, "ecs-svc/9", Date.parse(NEW));
    expect(verdict).toMatchObject({ state: "rolledBack", reason: expect.stringContaining("essential container exited") });
  });

  it("reports a deployment replaced by a later one (no rollback announced) as failed", () => {
    const verdict = judgeRollout(service([deployment("ecs-svc/5", "PRIMARY", { rolloutState: "COMPLETED" })]), "ecs-svc/9");
    expect(verdict).toMatchObject({ state: "failed", reason: expect.stringContaining("replaced by deployment ecs-svc/5") });
  });

  it("reports a deleted service as failed", () => {
    expect(judgeRollout(undefined, "d").state).toBe("failed");
    expect(judgeRollout({ ...service([]), status: "INACTIVE" }, "d").state).toBe("failed");
  });
});
