import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../../src/config.js";
import type { JsonObject } from "../../../src/json.js";
import type { Kind, Manifest } from "../../../src/manifests/types.js";
import { pausedFor } from "../../../src/pause/gate.js";
import type { SyncWindow } from "../../../src/pause/sync-windows.js";

// 02:30 UTC on a Wednesday: inside a deny window that opens at 02:00 for 2h.
const NOW = new Date("2026-04-08T02:30:00Z");

function denyOn(clusters: string): SyncWindow[] {
  const text = `syncWindows:\n  - {schedule: "0 2 * * *", duration: 2h, kind: deny, match: {clusters: [${clusters}]}}\n`;
  const { config, problems } = parseConfigText("ecs-gitops.yaml", new TextEncoder().encode(text));
  expect(problems).toEqual([]);
  return config.syncWindows;
}

function manifest(kind: Kind, name: string, key: string, spec: JsonObject): Manifest {
  const position = { file: "m.yaml", line: 1, column: 1 };
  return { kind, name, key, spec, labels: {}, annotations: {}, file: "m.yaml", position, locate: () => position };
}

const paused = (m: Manifest, windows: SyncWindow[], defaultCluster?: string) =>
  pausedFor(m, { isSuspended: () => false, windows, now: NOW, defaultCluster })?.reason;

// Each kind answers "which clusters do you write to" through its plug-in; a window on a cluster holds them all.
describe("a sync window's clusters match every kind through its plug-in", () => {
  const target = manifest("ScalableTarget", "api-scaling", "ScalableTarget/api-scaling", {
    resourceId: "service/billing/api",
    minCapacity: 1,
    maxCapacity: 4,
  });
  const rule = manifest("ScheduledRule", "purge", "ScheduledRule/default/purge", {
    scheduleExpression: "rate(1 hour)",
    targets: [{ id: "a", cluster: "arn:aws:ecs:eu-west-1:123456789012:cluster/billing", taskDefinition: "purge" }],
  });
  const ruleOnDefault = manifest("ScheduledRule", "tidy", "ScheduledRule/default/tidy", {
    scheduleExpression: "rate(1 hour)",
    targets: [{ id: "a", taskDefinition: "tidy" }],
  });
  const schedule = manifest("Schedule", "nightly", "Schedule/default/nightly", {
    scheduleExpression: "cron(0 3 * * ? *)",
    target: { arn: "arn:aws:ecs:eu-west-1:123456789012:cluster/billing", roleArn: "arn:aws:iam::123456789012:role/r" },
  });
  const service = manifest("Service", "api", "Service/billing/api", { cluster: "billing", taskDefinition: "api" });
  const taskDefinition = manifest("TaskDefinition", "api", "TaskDefinition/api", { family: "api" });

  it("a deny window on a cluster holds a ScalableTarget of a service in that cluster", () => {
    expect(paused(target, denyOn("billing"))).toBe("SyncWindow");
    expect(paused(target, denyOn("b*"))).toBe("SyncWindow");
    expect(paused(target, denyOn("shop"))).toBeUndefined();
  });

  it("holds rules and schedules whose targets run in that cluster, the default cluster included", () => {
    expect(paused(rule, denyOn("billing"))).toBe("SyncWindow");
    expect(paused(rule, denyOn("shop"))).toBeUndefined();
    expect(paused(schedule, denyOn("billing"))).toBe("SyncWindow");
    expect(paused(ruleOnDefault, denyOn("night"), "night")).toBe("SyncWindow");
    expect(paused(ruleOnDefault, denyOn("night"), "day")).toBeUndefined();
  });

  it("still holds Services in the cluster, and never a task definition (it runs nowhere)", () => {
    expect(paused(service, denyOn("billing"))).toBe("SyncWindow");
    expect(paused(service, denyOn("shop"))).toBeUndefined();
    expect(paused(taskDefinition, denyOn("'*'"))).toBeUndefined();
  });
});
