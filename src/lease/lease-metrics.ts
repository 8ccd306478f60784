import { Counter, Gauge } from "prom-client";
import type { Registry } from "prom-client";

/**
 * What leasing does, on /metrics (docs/ha.md#metrics): a takeover, a fenced write or a replica
 * that holds nothing shows without reading the logs.
 */
export class LeaseMetrics {
  readonly #held: Gauge;
  readonly #fenced: Counter<"operation">;
  readonly #acquired: Counter<"foreign">;
  readonly #lost: Counter;
  #previous: ReadonlySet<number> = new Set();

  constructor(registry: Registry) {
    const registers = [registry];
    this.#held = new Gauge({
      name: "ecs_gitops_lease_shards_held",
      help: "Shards whose lease this replica holds, valid now, as of the last lease tick.",
      registers,
    });
    this.#fenced = new Counter({
      name: "ecs_gitops_lease_fenced_writes_total",
      help: "AWS write attempts the lease fence refused (LeaseLost): nothing was sent. By IAM-style operation.",
      labelNames: ["operation"],
      registers,
    });
    this.#acquired = new Counter({
      name: "ecs_gitops_lease_acquired_total",
      help: "Shard leases this replica took; foreign=true when another replica held the shard since this one last did.",
      labelNames: ["foreign"],
      registers,
    });
    this.#lost = new Counter({
      name: "ecs_gitops_lease_lost_total",
      help: "Shards held at one lease tick and not at the next: taken over, renewal refused, window closed, or given back to rebalance.",
      registers,
    });
    this.#held.set(0);
    this.#acquired.inc({ foreign: "true" }, 0);
    this.#acquired.inc({ foreign: "false" }, 0);
  }

  /** After every lease tick. */
  tick(held: ReadonlySet<number>, acquired: ReadonlySet<number>, foreign: ReadonlySet<number>): void {
    this.#held.set(held.size);
    for (const shard of acquired) this.#acquired.inc({ foreign: foreign.has(shard) ? "true" : "false" });
    const lost = [...this.#previous].filter((shard) => !held.has(shard)).length;
    if (lost > 0) this.#lost.inc(lost);
    this.#previous = new Set(held);
  }

  /** A write attempt the fence refused; `operation` unknown when it was refused before its first attempt was built. */
  fenced(operation: string | undefined): void {
    this.#fenced.inc({ operation: operation ?? "unknown" });
  }
}
