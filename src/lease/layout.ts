import type { Logger } from "pino";
import type { LeaseItem } from "../aws/lease-store.js";
import type { LeaseTable } from "./lease-manager.js";
import type { ShardBy } from "./shards.js";

/** The row that records how the replicas of a table map resources to shards. */
export const LAYOUT_KEY = "layout#";
const LAYOUT_OWNER = "layout";

export type ShardLayout = { shards: number; shardBy: ShardBy };

/** With one shard every key is in shard 0 whatever the shard key, so only the count is recorded. */
export function layoutText(layout: ShardLayout): string {
  return layout.shards <= 1 ? "shards=1" : `shards=${layout.shards} shard-by=${layout.shardBy}`;
}

/**
 * Two replicas that map keys to shards differently (`--shards 1` and `--shards 4`, or `cluster`
 * and `hash`) can each hold a valid lease on the shard they think a resource is in, and both
 * write it. That happens during the controller's own rolling deploy whenever it changes the
 * layout. So the first replica records its layout in the table (a conditional create, never
 * overwritten), and a replica whose layout differs takes and keeps no shard until it matches:
 * it says why on /status and /readyz and checks again at every tick (docs/ha.md#changing-the-shard-layout).
 */
export class LayoutCheck {
  readonly #table: LeaseTable;
  readonly #tableName: string;
  readonly #mine: string;
  readonly #log: Logger;
  #problem: string | undefined;

  constructor(table: LeaseTable, tableName: string, layout: ShardLayout, log: Logger) {
    this.#table = table;
    this.#tableName = tableName;
    this.#mine = layoutText(layout);
    this.#log = log;
  }

  /** Why this replica holds no shard, while its layout is not the table's. */
  get problem(): string | undefined {
    return this.#problem;
  }

  /** True when this replica may hold shards: the table records its layout (recorded now when none was). */
  async allows(items: readonly LeaseItem[]): Promise<boolean> {
    const row = items.find((item) => item.leaseKey === LAYOUT_KEY);
    if (row === undefined) {
      // Another replica creating it at the same moment wins or loses alike: the next read shows the row.
      return this.#table.create(LAYOUT_KEY, LAYOUT_OWNER, this.#mine).catch(() => false);
    }
    if (row.version === this.#mine) {
      if (this.#problem !== undefined) this.#log.info({ layout: this.#mine }, "shard layout matches the lease table again");
      this.#problem = undefined;
      return true;
    }
    const problem =
      `this replica's shard layout (${this.#mine}) is not the one recorded in lease table ${this.#tableName} (${row.version}): ` +
      `replicas that map resources to shards differently would write the same resources, so this replica takes no shard. ` +
      `Give every replica the same --shards and --shard-by, or change the layout as docs/ha.md#changing-the-shard-layout says`;
    if (problem !== this.#problem) this.#log.error({ layout: this.#mine, recorded: row.version }, problem);
    this.#problem = problem;
    return false;
  }
}
