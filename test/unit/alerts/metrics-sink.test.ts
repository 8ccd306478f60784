import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { MetricsSink } from "../../../src/alerts/metrics-sink.js";
import type { AlertEvent } from "../../../src/alerts/types.js";

function alert(type: AlertEvent["type"], patch: Partial<AlertEvent> = {}): AlertEvent {
  return {
    type,
    key: "Service/prod/web",
    kind: "Service",
    name: "web",
    firstSeen: "2025-01-01T00:00:00.000Z",
    at: "2025-01-01T00:00:00.000Z",
    ...patch,
  };
}

async function series(registry: Registry, name: string): Promise<{ labels: Record<string, string | number>; value: number }[]> {
  const metric = await registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).map((v) => ({ labels: { ...v.labels } as Record<string, string | number>, value: v.value }));
}

describe("MetricsSink", () => {
  it("counts drift episodes per kind, not the updates of an open one", async () => {
    const registry = new Registry();
    const sink = new MetricsSink({ registry });
    await sink.send(alert("drift.opened"));
    await sink.send(alert("drift.opened", { update: "fields" }));
    await sink.send(alert("drift.opened", { update: "heal-suspended" }));
    await sink.send(alert("drift.resolved"));
    await sink.send(alert("drift.opened", { key: "TaskDefinition/web", kind: "TaskDefinition" }));
    await sink.send(alert("drift.opened"));
    expect(await series(registry, "ecs_gitops_drift_total")).toEqual([
      { labels: { kind: "Service" }, value: 2 },
      { labels: { kind: "TaskDefinition" }, value: 1 },
    ]);
  });

  it("shares the metrics when a second sink uses the same registry", async () => {
    const registry = new Registry();
    const first = new MetricsSink({ registry });
    const second = new MetricsSink({ registry });
    await first.send(alert("drift.opened"));
    await second.send(alert("drift.opened", { name: "api", key: "Service/prod/api" }));
    expect(await series(registry, "ecs_gitops_drift_total")).toEqual([{ labels: { kind: "Service" }, value: 2 }]);
  });
});
