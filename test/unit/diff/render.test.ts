import { describe, expect, it } from "vitest";
import { hasChanges, renderPlan, summarize, toPlanDocument } from "../../../src/diff/render.js";
import type { Action } from "../../../src/resources/types.js";

const actions: Action[] = [
  { type: "create", key: "TaskDefinition/web", kind: "TaskDefinition", changes: [], calls: [{ operation: "ecs:RegisterTaskDefinition", input: { family: "web", containerDefinitions: [{ name: "web", environment: [{ name: "DB_PASSWORD", value: "hunter2" }] }] } }] },
  { type: "update", key: "Service/shop/web", kind: "Service", changes: [{ path: "/desiredCount", desired: 3, live: 2 }], calls: [{ operation: "ecs:UpdateService", input: { cluster: "shop", service: "web", desiredCount: 3 } }] },
  { type: "blocked", key: "Service/shop/api", kind: "Service", changes: [{ path: "/launchType", desired: "FARGATE", live: "EC2" }], code: "ImmutableField", reason: "launchType cannot change in place", hint: "replace the service" },
  { type: "noop", key: "ScheduledRule/default/nightly", kind: "ScheduledRule", changes: [], calls: [] },
];

describe("renderPlan", () => {
  it("prints a header per changed resource, the changes and the summary line, without colour off a TTY", () => {
    const text = renderPlan(actions, { color: false });
    expect(text).toContain("+ TaskDefinition web  (create)");
    expect(text).toContain("~ Service shop/web  (update)");
    expect(text).toContain("    desiredCount: 2 → 3");
    expect(text).toContain("! Service shop/api  (blocked)");
    expect(text).not.toContain("nightly");
    expect(text).not.toContain("\u001b[");
    expect(text.trimEnd().split("\n").at(-1)).toBe("Plan: 1 to create, 1 to change, 0 to delete, 1 blocked, 1 unchanged.");
  });

  it("shows large values as a line diff", () => {
    const big = (image: string) => ({ name: "web", image, cpu: 256, memory: 512, essential: true, command: ["serve", "--port", "8080"] });
    const text = renderPlan([{ type: "update", key: "TaskDefinition/web", kind: "TaskDefinition", changes: [{ path: "/containerDefinitions/0", desired: big("nginx:1.27"), live: big("nginx:1.26") }], calls: [] }], { color: false });
    expect(text).toContain('-   "image": "nginx:1.26",');
    expect(text).toContain('+   "image": "nginx:1.27",');
  });
});

describe("toPlanDocument", () => {
  it("masks secret values in call inputs and keeps blocked reasons", () => {
    const doc = toPlanDocument(actions, "abc123");
    expect(JSON.stringify(doc)).not.toContain("hunter2");
    expect(doc.summary).toEqual({ create: 1, update: 1, delete: 0, noop: 1, blocked: 1 });
    expect(doc.actions[2]).toMatchObject({ type: "blocked", code: "ImmutableField", reason: "launchType cannot change in place", hint: "replace the service" });
  });

  it("says whether anything would change", () => {
    expect(hasChanges(actions)).toBe(true);
    expect(hasChanges([actions[3]!])).toBe(false);
    expect(summarize([])).toEqual({ create: 0, update: 0, delete: 0, noop: 0, blocked: 0 });
  });
});
