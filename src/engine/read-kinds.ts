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
  // Per kind, the first other kind that asked for its answers: that kind must not become the waiter.
  const askedBy = new Map<string, string>();
  const othersRun = (kind: string | undefined): Promise<OthersRun> => {
    if (kind !== undefined && waiter !== undefined && waiter !== kind)
      return Promise.reject(
        new Error(`${kind} and ${waiter} both wait on every other kind's read: at most one kind's readLive may call othersRun`),
      );
    const asker = kind === undefined ? undefined : askedBy.get(kind);
    if (kind !== undefined && asker !== undefined) return Promise.reject(waitsOnWaiter(asker, kind));
    waiter ??= kind;
    others ??= (async () => {
      await allStarted;
      return afterOthers(mergeReads(await Promise.all([...reading].filter(([k]) => k !== waiter).map(([, r]) => r))));
    })();
    return others;
  };
  for (const plugin of plugins) {
    const readsOf = (kind: string): Promise<LiveReads> => {
      if (kind === plugin.kind || kind === waiter) return Promise.reject(waitsOnWaiter(plugin.kind, kind));
      if (!askedBy.has(kind)) askedBy.set(kind, plugin.kind);
      return reading.get(kind) ?? Promise.resolve({});
    };
    const waits: KindWaits = { readsOf, othersRun: () => othersRun(plugin.kind) };
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

/** A read that cannot be answered (a kind's own, the waiter's to another kind): refused, naming both kinds, instead of a hung wave. */
function waitsOnWaiter(asker: string, kind: string): Error {
  if (asker === kind) return new Error(`${kind}'s readLive asked readsOf("${kind}"), its own read, which is not done while it runs`);
  return new Error(
    `${asker}'s readLive asked readsOf("${kind}"), and ${kind}'s readLive waits on every other kind's read (othersRun): ` +
      `the two would wait on each other; ${asker} must not read ${kind}'s answers, or ${kind} must not call othersRun`,
  );
}
