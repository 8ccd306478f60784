import type { Manifest } from "../manifests/types.js";

/** Where prune looks for resources of ours that no manifest names any more: clusters, event buses, task definition families. */
export type PruneScope = { clusters: readonly string[]; buses: readonly string[]; families: readonly string[] };

/**
 * How prune treats a kind (docs/prune.md): the places one of its manifests adds to prune's
 * inventory, so that its resource is found there once the manifest leaves git.
 */
export type KindPrune = {
  scope(manifest: Manifest, defaultCluster: string | undefined): Partial<PruneScope>;
};
