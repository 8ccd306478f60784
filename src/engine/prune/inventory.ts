import PQueue from "p-queue";
import type { AwsClients } from "../../aws/index.js";
import type { Kind, ResourceKey } from "../../manifests/types.js";
import type { PruneLive, PruneReadIo } from "../../resources/kind-prune.js";
import type { PlannedCall } from "../../resources/types.js";
import { DEFAULT_READ_CONCURRENCY } from "../live-cache.js";
import { prunablePlugins, stagesOf } from "./kinds.js";
import type { PrunablePlugin } from "./kinds.js";
import type { Inventory, InventoryScope } from "./types.js";

/**
 * What a controller's pass may reuse: the reconcile's reads of named resources and its listings of
 * rules, and earlier listings of families unless the commit is new.
 */
export type InventoryReuse = { seen: PruneReadIo["seen"]; rulesListed?: PruneReadIo["rulesListed"]; newCommit: boolean };

/**
 * Reads what prune needs, on the resync tick and at a new commit, never per reconcile
 * (docs/prune.md#read-budget): each pruned kind reads its live resources in the scope, the kinds
 * of one stage side by side, a later stage once the earlier ones are read (it may need what they
 * run). What a kind memoizes (what never changes) is kept for the process.
 */
export class InventoryReader {
  readonly #aws: AwsClients;
  readonly #plugins: readonly PrunablePlugin[];
  readonly #memos = new Map<Kind, Map<string, unknown>>();
  /** The pass's per-resource reads, as many at once as the reconcile's reader has. */
  readonly #reads = new PQueue({ concurrency: DEFAULT_READ_CONCURRENCY });
  #passes = 0;

  constructor(aws: AwsClients, plugins: readonly PrunablePlugin[] = prunablePlugins()) {
    this.#aws = aws;
    this.#plugins = plugins;
  }

  /**
   * `named`: keys a manifest defines; `keepOf`: how many of the newest versions of a named
   * resource's history stay; `reuse`: what this pass may take from the reconcile's reads and from
   * earlier passes (unset: every read afresh, as a one-shot command and a pass about to delete do).
   */
  async read(
    scope: InventoryScope,
    named: ReadonlySet<ResourceKey>,
    keepOf: (name: string) => number,
    reuse?: InventoryReuse,
  ): Promise<Inventory> {
    this.#passes += 1;
    const inventory: Inventory = new Map();
    const earlier: PruneLive[] = [];
    for (const stage of stagesOf(this.#plugins)) {
      const read = await Promise.all(
        stage.map((p) =>
          p.prune.inventory(scope[p.kind] ?? [], {
            aws: this.#aws,
            named,
            keep: keepOf,
            earlier: [...earlier],
            memo: this.#memoOf(p.kind),
            seen: reuse?.seen,
            rulesListed: reuse?.rulesListed,
            relist: reuse === undefined || reuse.newCommit,
            pass: this.#passes,
            read: <T>(call: () => Promise<T>) => this.#reads.add(call),
          }),
        ),
      );
      stage.forEach((p, i) => inventory.set(p.kind, read[i]!));
      earlier.push(...read.flat());
    }
    return inventory;
  }

  #memoOf(kind: Kind): Map<string, unknown> {
    const memo = this.#memos.get(kind) ?? new Map<string, unknown>();
    this.#memos.set(kind, memo);
    return memo;
  }

  /** A write of ours (the reconcile's registration, prune's deregistration): what it made stale is read again next time. */
  written(call: PlannedCall): void {
    for (const p of this.#plugins) for (const key of p.prune.staleAfter(call)) this.#memos.get(p.kind)?.delete(key);
  }
}
