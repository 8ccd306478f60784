import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { MetricsSink } from "../../../src/alerts/metrics-sink.js";
import { registerRecordGauges } from "../../../src/state/record-metrics.js";
import { ResourceRecords } from "../../../src/state/records.js";
import type { ResourceRecord } from "../../../src/state/records.js";

const AT = "2026-05-01T08:00:00.000Z";
const DRIFT = {
  commit: "c1",
  fingerprint: "f",
  firstSeen: AT,
  reportedPaths: ["/desiredCount"],
  healing: false,
  healSuspended: false,
  suspensionReported: false,
};
const drifted = (kind: "Service" | "ScheduledRule", name: string): ResourceRecord => ({ driftEpisode: { kind, name, ...DRIFT } });
const failing = (kind: "Service" | "TaskDefinition", name: string): ResourceRecord => ({
  syncEpisode: { kind, name, fingerprint: "AccessDenied", firstSeen: AT },
});

type Series = Record<string, string | number | undefined>[];

async function gauges(records: ResourceRecords, registry = new Registry()): Promise<{ drift: Series; failing: Series }> {
  registerRecordGauges(registry, records);
  const values = async (name: string) => ((await registry.getSingleMetric(name)?.get())?.values ?? []).map((v) => ({ ...v.labels }));
  return { drift: await values("ecs_gitops_drift_active"), failing: await values("ecs_gitops_sync_failing") };
}

function recordsOf(entries: Record<string, ResourceRecord>): ResourceRecords {
  const records = new ResourceRecords();
  for (const [key, record] of Object.entries(entries)) records.update(key, record);
  return records;
}

describe("the open-episode gauges as a projection of the records", () => {
  it.each<[string, Record<string, ResourceRecord>, { drift: Series; failing: Series }]>([
    ["no records: no series (not a series of zeros)", {}, { drift: [], failing: [] }],
    ["records without episodes: no series", { "Service/prod/web": { lastAppliedCommit: "c1" } }, { drift: [], failing: [] }],
    [
      "one drifted service",
      { "Service/prod/web": { lastAppliedCommit: "c1", ...drifted("Service", "web") } },
      { drift: [{ kind: "Service", name: "web" }], failing: [] },
    ],
    [
      "drift and a failing sync on one resource, a failing sync on another",
      {
        "Service/prod/web": { ...drifted("Service", "web"), ...failing("Service", "web") },
        "TaskDefinition/api": failing("TaskDefinition", "api"),
      },
      {
        drift: [{ kind: "Service", name: "web" }],
        failing: [
          { kind: "Service", name: "web" },
          { kind: "TaskDefinition", name: "api" },
        ],
      },
    ],
    [
      "a drifted rule beside a resource in sync",
      { "ScheduledRule/default/nightly": drifted("ScheduledRule", "nightly"), "Service/prod/api": { seenLiveHash: "h" } },
      { drift: [{ kind: "ScheduledRule", name: "nightly" }], failing: [] },
    ],
  ])("%s", async (_what, entries, expected) => {
    expect(await gauges(recordsOf(entries))).toEqual(expected);
  });

  it("follows the records between scrapes: an episode that closed removes its series", async () => {
    const records = recordsOf({ "Service/prod/web": drifted("Service", "web"), "Service/prod/api": failing("Service", "api") });
    const registry = new Registry();
    expect((await gauges(records, registry)).drift).toHaveLength(1);
    records.update("Service/prod/web", { driftEpisode: undefined });
    records.forget("Service/prod/api");
    const drift = await registry.getSingleMetric("ecs_gitops_drift_active")?.get();
    const failingNow = await registry.getSingleMetric("ecs_gitops_sync_failing")?.get();
    expect([drift?.values, failingNow?.values]).toEqual([[], []]);
  });

  it("shares the registry with the alert sink's counter", async () => {
    const registry = new Registry();
    const sink = new MetricsSink({ registry });
    await sink.send({ type: "drift.opened", key: "Service/prod/web", kind: "Service", name: "web", firstSeen: AT, at: AT });
    expect((await gauges(recordsOf({ "Service/prod/web": drifted("Service", "web") }), registry)).drift).toHaveLength(1);
    expect((await registry.getSingleMetric("ecs_gitops_drift_total")?.get())?.values).toMatchObject([{ value: 1 }]);
  });
});
