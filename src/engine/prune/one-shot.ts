import type { AwsClients } from "../../aws/index.js";
import { parseResourceKey } from "../../manifests/identity.js";
import type { Manifest } from "../../manifests/types.js";
import type { Action } from "../../resources/types.js";
import { applyPrune } from "./apply.js";
import type { PruneOutcome } from "./apply.js";
import { InventoryReader } from "./inventory.js";
import { prunablePlugins } from "./kinds.js";
import type { PrunablePlugin } from "./kinds.js";
import { keepOf, planPrune } from "./plan.js";
import { pruneActionsToRun } from "./render.js";
import { scopeOf } from "./scope.js";
import type { PrunePlan } from "./types.js";

/** What `diff` / `apply` were told about prune: flags, env, then ecs-gitops.yaml. */
export type OneShotPruneOptions = { enabled: boolean; allowMassDelete: boolean; maxDeletes: number; revisionHistoryLimit: number };

export type OneShotPruneContext = {
  owner: string;
  repo?: string | undefined;
  sourcePrefix?: string | undefined;
  defaultCluster: string | undefined;
};

/**
 * Orphans of the manifests folder, read once. A one-shot command knows only this commit's
 * manifests: it finds what a departed resource ran through the orphans that still run it (the
 * controller also remembers the places earlier commits named).
 */
export async function planPruneOnce(
  aws: AwsClients,
  manifests: readonly Manifest[],
  options: OneShotPruneOptions,
  ctx: OneShotPruneContext,
  registering: ReadonlySet<string>,
): Promise<PrunePlan> {
  const settings = { ...options, ...ctx, registering };
  const inventory = await new InventoryReader(aws).read(scopeOf(manifests, ctx.defaultCluster), new Set(manifests.map((m) => m.key)), (f) =>
    keepOf(f, settings),
  );
  return planPrune(inventory, manifests, settings);
}

export async function applyPruneOnce(aws: AwsClients, plan: PrunePlan | undefined, ctx: OneShotPruneContext): Promise<PruneOutcome[]> {
  const actions = pruneActionsToRun(plan);
  return actions.length === 0 ? [] : applyPrune(aws, actions, { owner: ctx.owner, repo: ctx.repo });
}

/** Resources the plan adds a version to (a family it registers a revision of), by name. */
export function registeringFamilies(actions: readonly Action[], plugins: readonly PrunablePlugin[] = prunablePlugins()): Set<string> {
  return new Set(
    actions.flatMap((a) => (plugins.find((p) => p.kind === a.kind)?.prune.addsVersion(a) === true ? [parseResourceKey(a.key).name] : [])),
  );
}
