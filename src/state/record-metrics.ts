import { Gauge } from "prom-client";
import type { Registry } from "prom-client";
import type { ResourceRecord, ResourceRecords } from "./records.js";

type Labels = "kind" | "name";

/** A per-resource gauge: 1 for each record the episode of `pick` is open in, read at each scrape. */
type EpisodeGauge = { name: string; help: string; pick: (record: Readonly<ResourceRecord>) => { kind: string; name: string } | undefined };

const GAUGES: readonly EpisodeGauge[] = [
  {
    name: "ecs_gitops_drift_active",
    help: "1 while a managed resource has drifted from its last applied commit",
    pick: (record) => record.driftEpisode,
  },
  {
    name: "ecs_gitops_sync_failing",
    help: "1 while syncing a managed resource fails or is stalled",
    pick: (record) => record.syncEpisode,
  },
];

/**
 * The episode gauges as a projection of the resource records: computed when scraped (one pass over
 * the records, no API call), so they hold what the records hold, also right after a restart, and a
 * closed episode's series is gone (no ever-growing set of zero series). The records of the
 * controller's process: `records` is read, never written.
 */
export function registerRecordGauges(registry: Registry, records: Pick<ResourceRecords, "keys" | "get">): void {
  for (const { name, help, pick } of GAUGES) {
    registry.removeSingleMetric(name);
    new Gauge<Labels>({
      name,
      help,
      labelNames: ["kind", "name"],
      registers: [registry],
      collect() {
        this.reset();
        for (const key of records.keys()) {
          const episode = pick(records.get(key));
          if (episode !== undefined) this.set({ kind: episode.kind, name: episode.name }, 1);
        }
      },
    });
  }
}
