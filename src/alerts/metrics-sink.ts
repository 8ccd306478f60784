import { Counter, Gauge } from "prom-client";
import type { Registry } from "prom-client";
import { assertNever } from "../assert-never.js";
import type { AlertEvent, AlertSink } from "./types.js";

type KindName = "kind" | "name";

/**
 * Alerts as Prometheus series: `ecs_gitops_drift_active{kind,name}` and
 * `ecs_gitops_sync_failing{kind,name}` are 1 while an episode is open and removed when it ends
 * (no ever-growing set of zero series); `ecs_gitops_drift_total{kind}` counts episodes.
 */
export class MetricsSink implements AlertSink {
  readonly name = "metrics";
  readonly #driftActive: Gauge<KindName>;
  readonly #driftTotal: Counter<"kind">;
  readonly #syncFailing: Gauge<KindName>;

  constructor(options: { registry: Registry }) {
    const { registry } = options;
    this.#driftActive = gaugeIn(
      registry,
      "ecs_gitops_drift_active",
      "1 while a managed resource has drifted from its last applied commit",
      ["kind", "name"],
    );
    this.#driftTotal = counterIn(registry, "ecs_gitops_drift_total", "Drift episodes opened", ["kind"]);
    this.#syncFailing = gaugeIn(registry, "ecs_gitops_sync_failing", "1 while syncing a managed resource fails or is stalled", [
      "kind",
      "name",
    ]);
  }

  async send(event: AlertEvent): Promise<void> {
    // Episodes (the only alerts counted here) are always about one resource, so kind is present.
    const labels = { kind: event.kind ?? "", name: event.name };
    switch (event.type) {
      case "drift.opened":
        this.#driftActive.set(labels, 1);
        if (event.update === undefined) this.#driftTotal.inc({ kind: labels.kind });
        return;
      case "drift.resolved":
        this.#driftActive.remove(labels);
        return;
      case "sync.failed":
        this.#syncFailing.set(labels, 1);
        return;
      case "sync.recovered":
        this.#syncFailing.remove(labels);
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

  /**
   * Restore the gauges for episodes that were open before a restart (DriftTracker.openAlerts()),
   * without counting them again: the tracker does not re-alert them, so nothing else would.
   */
  seed(openEpisodes: readonly AlertEvent[]): void {
    for (const event of openEpisodes) {
      const labels = { kind: event.kind ?? "", name: event.name };
      if (event.type === "drift.opened") this.#driftActive.set(labels, 1);
      if (event.type === "sync.failed") this.#syncFailing.set(labels, 1);
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
