import { Counter, Gauge } from "prom-client";
import type { Registry } from "prom-client";
import { assertNever } from "../assert-never.js";
import type { AlertEvent, AlertSink } from "./types.js";

/**
 * Alerts as Prometheus series: `ecs_gitops_drift_total{kind}` counts the episodes opened. The
 * gauges of open episodes (`ecs_gitops_drift_active`, `ecs_gitops_sync_failing`) are computed from
 * the resource records instead (state/record-metrics.ts): what is open is a fact of the record.
 */
export class MetricsSink implements AlertSink {
  readonly name = "metrics";
  readonly #driftTotal: Counter<"kind">;

  constructor(options: { registry: Registry }) {
    this.#driftTotal = counterIn(options.registry, "ecs_gitops_drift_total", "Drift episodes opened", ["kind"]);
  }

  async send(event: AlertEvent): Promise<void> {
    switch (event.type) {
      case "drift.opened":
        // Episodes (the only alerts counted here) are always about one resource, so kind is present.
        if (event.update === undefined) this.#driftTotal.inc({ kind: event.kind ?? "" });
        return;
      // The open-episode gauges follow the records, not the alerts.
      case "drift.resolved":
      case "sync.failed":
      case "sync.recovered":
        return;
      case "deploy.succeeded":
      case "deploy.failed":
      case "deploy.rolledBack":
      case "rollback.active":
      // Counted by the dispatcher's delivery metrics; no episode gauge to keep.
      // A failed hook run is an event, not an episode: the log and the other sinks carry it.
      case "hook.failed":
      // Counted where they happen (ecs_gitops_pruned_total, ecs_gitops_prune_blocked): no episode to track.
      case "pruned":
      case "prune-blocked":
        return;
      default:
        assertNever(event.type);
    }
  }
}

// A registry holds one metric per name; a second sink or dispatcher on the same registry (tests,
// a restarted loop) reuses it instead of throwing.
export function counterIn<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<L>;
  return new Counter<L>({ name, help, labelNames, registers: [registry] });
}

export function gaugeIn<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Gauge<L> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Gauge) return existing as Gauge<L>;
  return new Gauge<L>({ name, help, labelNames, registers: [registry] });
}
