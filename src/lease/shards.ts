import type { Manifest, ResourceKey } from "../manifests/types.js";
import { referencedFamilies } from "../engine/references.js";
import { pluginFor } from "../resources/registry.js";

export const SHARD_BY = ["cluster", "account", "hash"] as const;
export type ShardBy = (typeof SHARD_BY)[number];

/** FNV-1a: stable across processes and Node versions (every replica must compute the same shard). */
export function shardIndex(text: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/**
 * The shard of every resource of a desired state. A Service or rule goes by its cluster (or the
 * account, or its own key); a task definition follows the first resource (by key) that uses it,
 * so one replica registers a revision and deploys it in the same reconcile. A family nobody
 * uses goes by its own key. Pure: every replica computes the same map from the same commit.
 */
export function shardsOf(
  manifests: ReadonlyMap<ResourceKey, Manifest>,
  options: { shards: number; shardBy: ShardBy; defaultCluster: string | undefined; account: string | undefined },
): Map<ResourceKey, number> {
  const out = new Map<ResourceKey, number>();
  if (options.shards <= 1) {
    for (const key of manifests.keys()) out.set(key, 0);
    return out;
  }
  const keyOf = (manifest: Manifest): string => {
    if (options.shardBy === "account") return options.account ?? "";
    if (options.shardBy === "hash") return manifest.key;
    const clusters = pluginFor(manifest).clusters(manifest, options.defaultCluster);
    return [...clusters].sort()[0] ?? manifest.key;
  };
  const users = new Map<string, Manifest>();
  for (const manifest of [...manifests.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    if (pluginFor(manifest).definesFamily(manifest) !== undefined) continue;
    out.set(manifest.key, shardIndex(keyOf(manifest), options.shards));
    for (const family of referencedFamilies(manifest)) if (!users.has(family)) users.set(family, manifest);
  }
  for (const manifest of manifests.values()) {
    const family = pluginFor(manifest).definesFamily(manifest);
    if (family === undefined) continue;
    const user = users.get(family);
    out.set(
      manifest.key,
      user === undefined
        ? shardIndex(options.shardBy === "account" ? (options.account ?? "") : manifest.key, options.shards)
        : out.get(user.key)!,
    );
  }
  return out;
}

/** How many shards a replica should hold when `replicas` are alive: the fair share, rounded up. */
export function fairShare(shards: number, replicas: number): number {
  return Math.ceil(shards / Math.max(1, replicas));
}
