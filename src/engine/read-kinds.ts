import type { Manifest } from "../manifests/types.js";
import type { KindPlugin, OthersRun } from "../resources/kind-plugin.js";
import type { LiveReads } from "../resources/live-snapshot.js";
import { mergeReads } from "./merge-reads.js";

/** What one kind's read is handed besides its resources: the other kinds' answers, as it may wait on them. */
export type KindWaits = { readsOf(kind: string): Promise<LiveReads>; othersRun(): Promise<OthersRun> };

/**
 * One snapshot's batched reads: every plug-in's `readLive` side by side, each with its own
 * resources, merged. `afterOthers` runs once, when every read but the one that waits on
 * `othersRun` is in (none waiting: after all of them), and its answer is what that read gets:
 * the reader learns the account id there, before any revision is read (docs/kinds.md#reads).
 */
export async function readKinds(
  plugins: readonly Pick<KindPlugin<string>, "kind" | "readLive">[],
  manifests: readonly Manifest[],
  readOf: (plugin: Pick<KindPlugin<string>, "kind" | "readLive">, own: Manifest[], waits: KindWaits) => Promise<LiveReads>,
  afterOthers: (read: LiveReads) => Promise<OthersRun>,
): Promise<LiveReads> {
  const reading = new Map<string, Promise<LiveReads>>();
  let started!: () => void;
  // A read may ask before the later kinds' reads are started: the others are taken once all are.
  const allStarted = new Promise<void>((resolve) => (started = resolve));
  let waiter: string | undefined;
  let others: Promise<OthersRun> | undefined;
  const othersRun = (kind: string | undefined): Promise<OthersRun> => {
    if (kind !== undefined && waiter !== undefined && waiter !== kind)
      return Promise.reject(
        new Error(`${kind} and ${waiter} both wait on every other kind's read: at most one kind's readLive may call othersRun`),
      );
    waiter ??= kind;
    others ??= (async () => {
      await allStarted;
      return afterOthers(mergeReads(await Promise.all([...reading].filter(([k]) => k !== waiter).map(([, r]) => r))));
    })();
    return others;
  };
  for (const plugin of plugins) {
    const waits: KindWaits = { readsOf: (kind) => reading.get(kind) ?? Promise.resolve({}), othersRun: () => othersRun(plugin.kind) };
    reading.set(
      plugin.kind,
      readOf(
        plugin,
        manifests.filter((m) => m.kind === plugin.kind),
        waits,
      ),
    );
  }
  started();
  const merged = mergeReads(await Promise.all(reading.values()));
  // Run even when no kind waited: the account is learned on every snapshot.
  await othersRun(undefined);
  return merged;
}
