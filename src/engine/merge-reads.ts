import type { ResourceKey } from "../manifests/types.js";
import type { LiveReads, LiveSnapshot } from "../resources/live-snapshot.js";

/**
 * Every kind's batched read in one: each field merged over the plug-ins that filled it (a kind
 * reads the field of its own kind, or adds to a shared one), present only when some plug-in read
 * it. A map is merged by key, a set (the families a read knows something of) by member. No field
 * is named here: a new kind's field needs no change in the engine.
 */
export function mergeReads(reads: readonly LiveReads[]): LiveReads {
  const merged = new Map<string, Map<ResourceKey, unknown> | Set<unknown>>();
  for (const read of reads)
    for (const [field, values] of Object.entries(read) as [
      string,
      ReadonlyMap<ResourceKey, unknown> | ReadonlySet<unknown> | undefined,
    ][]) {
      if (values === undefined) continue;
      if (values instanceof Set) {
        const into = (merged.get(field) as Set<unknown> | undefined) ?? new Set<unknown>();
        for (const value of values) into.add(value);
        merged.set(field, into);
        continue;
      }
      const into = (merged.get(field) as Map<ResourceKey, unknown> | undefined) ?? new Map<ResourceKey, unknown>();
      for (const [key, value] of values as ReadonlyMap<ResourceKey, unknown>) into.set(key, value);
      merged.set(field, into);
    }
  return Object.fromEntries(merged) as LiveReads;
}

/** The snapshot with a second read's fields merged into its own (a kind's answer for a key replaces the first one). */
export function withReads(snapshot: LiveSnapshot, more: LiveReads): LiveSnapshot {
  const before = Object.fromEntries(Object.keys(more).map((field) => [field, snapshot[field as keyof LiveReads]])) as LiveReads;
  return { ...snapshot, ...mergeReads([before, more]) };
}
