import type { Kind } from "../../manifests/types.js";
import type { KindPrune } from "../../resources/kind-prune.js";
import { allPlugins } from "../../resources/registry.js";

/** What prune needs of a plug-in: its name, its plan order and its prune capability. */
export type PrunablePlugin = { readonly kind: Kind; readonly planOrder: number; readonly prune: KindPrune };

/** The registry's kinds that are pruned, in plan order. */
export function prunablePlugins(): PrunablePlugin[] {
  return allPlugins().flatMap((p) => (p.prune === undefined ? [] : [{ kind: p.kind, planOrder: p.planOrder, prune: p.prune }]));
}

/** The plug-ins grouped by prune stage, stages in order, each in plan order. */
export function stagesOf(plugins: readonly PrunablePlugin[]): PrunablePlugin[][] {
  const stages = [...new Set(plugins.map((p) => p.prune.stage))].sort((a, b) => a - b);
  return stages.map((stage) => plugins.filter((p) => p.prune.stage === stage).sort((a, b) => a.planOrder - b.planOrder));
}
