import { describe, expect, it } from "vitest";
import { isInterruptedDeploy } from "../../../../src/resources/service/interrupted-deploy.js";

const service = (createdAt: string | number) => ({
  deployments: [
    { status: "PRIMARY", createdAt },
    { status: "ACTIVE", createdAt: "2026-01-01T00:00:00Z" },
  ],
});
const revision = (registeredAt: string | number) => ({
  taskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:8",
  registeredAt,
});

describe("isInterruptedDeploy", () => {
  it("is a deploy to finish when our revision is newer than the running deployment", () => {
    expect(isInterruptedDeploy(service("2026-11-20T10:00:00Z"), revision("2026-11-20T10:05:00Z"))).toBe(true);
  });

  it("is drift when the service was pointed at another revision after ours was registered", () => {
    expect(isInterruptedDeploy(service("2026-11-20T10:10:00Z"), revision("2026-11-20T10:05:00Z"))).toBe(false);
  });

  it("reads epoch seconds as the raw API returns them", () => {
    expect(isInterruptedDeploy(service(1_795_000_000), revision(1_795_000_300))).toBe(true);
    expect(isInterruptedDeploy(service(1_795_000_300), revision(1_795_000_000))).toBe(false);
  });

  it("decides nothing without both timestamps (moto has no registeredAt)", () => {
    expect(isInterruptedDeploy(service("2026-11-20T10:00:00Z"), { taskDefinitionArn: "x" })).toBe(false);
    expect(isInterruptedDeploy({ deployments: [] }, revision("2026-11-20T10:05:00Z"))).toBe(false);
    expect(isInterruptedDeploy(undefined, undefined)).toBe(false);
  });
});
