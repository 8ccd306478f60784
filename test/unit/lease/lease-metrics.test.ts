import pino from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { fencedWrite } from "../../../src/aws/index.js";
import type { AwsClients } from "../../../src/aws/index.js";
import { ControllerLeasing } from "../../../src/lease/leasing.js";
import { manifestOf } from "../resources/builders.js";
import { MemoryTable } from "./memory-table.js";

const D = 3_000;
const STEP = D / 6;
const job = manifestOf("Service", "batch", { cluster: "violet", serviceName: "batch", desiredCount: 1, image: "x" } as never);

function replica(id: string, table: MemoryTable, clock: { t: number }) {
  const registry = new Registry();
  const leasing = new ControllerLeasing(
    { table: "leases", durationMs: D, shards: 1, shardBy: "cluster", replicaId: id },
    { region: undefined, endpoint: undefined, accountIdHeader: undefined },
    pino({ level: "silent" }),
    { table, now: () => clock.t, registry },
  );
  leasing.setDesired(new Map([[job.key, job]]), undefined);
  /** One series' value as /metrics would show it (0 when absent). */
  const value = async (name: string, labels: Record<string, string> = {}) => {
    const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
    const series = (metric?.values ?? []) as { value: number; labels: Record<string, unknown> }[];
    return series.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? 0;
  };
  return { leasing, value };
}

describe("lease metrics", () => {
  it("count shards held, acquisitions (foreign or not), losses and fenced writes by operation", async () => {
    const table = new MemoryTable();
    const clock = { t: 0 };
    const a = replica("a", table, clock);
    const b = replica("b", table, clock);
    await a.leasing.tick();
    await b.leasing.tick();
    expect(await a.value("ecs_gitops_lease_shards_held")).toBe(1);
    expect(await a.value("ecs_gitops_lease_acquired_total", { foreign: "false" })).toBe(1);
    expect(await b.value("ecs_gitops_lease_shards_held")).toBe(0);

    // b holds nothing: its writes are refused before they are sent, and counted by operation.
    const fenced = b.leasing.fencedClients({} as AwsClients);
    let sent = 0;
    const write = () => fencedWrite(fenced, job.key, async () => (sent += 1), "ecs:UpdateService");
    await expect(write()).rejects.toMatchObject({ code: "LeaseLost" });
    await expect(write()).rejects.toMatchObject({ code: "LeaseLost" });
    expect(sent).toBe(0);
    expect(await b.value("ecs_gitops_lease_fenced_writes_total", { operation: "ecs:UpdateService" })).toBe(2);
    expect(await a.value("ecs_gitops_lease_fenced_writes_total", { operation: "ecs:UpdateService" })).toBe(0);

    // a stalls (SIGSTOP) past its lease: b takes the shard over, a finds it lost when it resumes.
    for (let i = 0; i < 9; i++, clock.t += STEP) await b.leasing.tick();
    expect(await b.value("ecs_gitops_lease_shards_held")).toBe(1);
    expect(await b.value("ecs_gitops_lease_acquired_total", { foreign: "true" })).toBe(1);
    await a.leasing.tick();
    expect(await a.value("ecs_gitops_lease_shards_held")).toBe(0);
    expect(await a.value("ecs_gitops_lease_lost_total")).toBe(1);
    expect(await b.value("ecs_gitops_lease_lost_total")).toBe(0);
  });
});
