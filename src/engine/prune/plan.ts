import type { Kind, Manifest, ResourceKey } from "../../manifests/types.js";
import { sourceTagValue } from "../../resources/common/source-tag.js";
import { ownershipOf, sourcePath } from "../../resources/common/tags.js";
import type { TagMap } from "../../resources/common/tags.js";
import type { PruneLive, PrunePlanIo } from "../../resources/kind-prune.js";
import { pluginFor } from "../../resources/registry.js";
import { PRUNE_TAG, SOURCE_TAG } from "../../resources/types.js";
import type { PlannedCall } from "../../resources/types.js";
import { prunablePlugins, stagesOf } from "./kinds.js";
import type { PrunablePlugin } from "./kinds.js";
import type { DeleteAction, Inventory, Orphan, PrunePlan, PruneSettings } from "./types.js";

/** Where a manifest's files sit in the repository (the source tag's path part). */
export type PrunePlanContext = PruneSettings & { sourcePrefix?: string | undefined };

/**
 * Orphans (ours, named by no manifest) and the deletes that remove them, kind by kind, stage by
 * stage: each kind's plan sees which resources of the earlier stages stay (what they run stays
 * too). Guards turn a mass delete into a block (docs/prune.md#guards). Pure.
 */
export function planPrune(
  inventory: Inventory,
  manifests: readonly Manifest[],
  ctx: PrunePlanContext,
  plugins: readonly PrunablePlugin[] = prunablePlugins(),
): PrunePlan {
  const named = new Set<ResourceKey>(ctx.emptyCommit ? [] : manifests.map((m) => m.key));
  const desired = ctx.emptyCommit ? [] : manifests;
  const held = new Set((ctx.heldBackFiles ?? []).map((f) => sourceTagValue(ctx.repo, sourcePath(ctx.sourcePrefix, f))));
  const isOurs = (tags: TagMap) =>
    ownershipOf(tags, { owner: ctx.owner, repo: ctx.repo, adopt: false }) === "owned" && !held.has(tags[SOURCE_TAG] ?? "");
  const renamedTo = (kind: Kind, key: ResourceKey, tags: TagMap): ResourceKey | undefined =>
    desired.find(
      (m) => m.kind === kind && m.key !== key && sourceTagValue(ctx.repo, sourcePath(ctx.sourcePrefix, m.file)) === tags[SOURCE_TAG],
    )?.key;
  const orphanOf =
    (kind: Kind) =>
    ({ key, name, arn, tags }: Pick<PruneLive, "key" | "name" | "arn" | "tags">): Orphan => ({
      key,
      kind,
      name,
      arn,
      source: tags[SOURCE_TAG],
      kept: tags[PRUNE_TAG] === "false" ? `${PRUNE_TAG} is "false" (annotation ecs-gitops/prune)` : undefined,
      renamedTo: renamedTo(kind, key, tags),
    });

  const orphans: Orphan[] = [];
  const actions: DeleteAction[] = [];
  let owned = 0;
  const earlier: PruneLive[] = [];
  for (const stage of stagesOf(plugins)) {
    // What the earlier stages keep: the resources that stay, or wait, and are not deleted by this plan.
    const going = new Set(orphans.filter((o) => o.kept === undefined).map((o) => o.key));
    const staying = earlier.filter((l) => !going.has(l.key) && l.state !== "gone");
    for (const { kind, prune } of stage) {
      const io: PrunePlanIo = {
        kind,
        named,
        desired,
        referencesOf: (m) => pluginFor(m).references(m),
        isOurs,
        orphanOf: orphanOf(kind),
        deleteOf,
        staying,
        keep: (name) => keepOf(name, ctx),
        revisionHistoryLimit: ctx.revisionHistoryLimit,
        owner: ctx.owner,
        repo: ctx.repo,
      };
      const part = prune.plan(inventory.get(kind) ?? [], io);
      orphans.push(...part.orphans);
      actions.push(...part.actions);
      owned += part.owned;
    }
    earlier.push(...stage.flatMap((p) => inventory.get(p.kind) ?? []));
  }
  const deletes = orphans.filter((o) => o.kept === undefined).length;
  const blocked = ctx.enabled && !ctx.allowMassDelete ? guard(deletes, owned, ctx) : undefined;
  return { orphans, actions, deletes, owned, enabled: ctx.enabled, blocked };
}

/** Versions of a resource's history kept: the limit, one fewer while this run adds a new one. */
export function keepOf(name: string, ctx: Pick<PruneSettings, "revisionHistoryLimit" | "registering">): number {
  return Math.max(1, ctx.revisionHistoryLimit - (ctx.registering?.has(name) ? 1 : 0));
}

/** A commit that would delete much of what we own is more likely a mistake than a wish. */
function guard(deletes: number, owned: number, ctx: PrunePlanContext): PrunePlan["blocked"] {
  const block = (reason: string) => ({ reason, deletes, owned });
  if (ctx.emptyCommit && owned > 0)
    return block("the commit holds no manifests (empty path, wrong branch or broken checkout): pruning would delete everything we own");
  if (deletes === 0) return undefined;
  if (deletes === owned) return block(`the commit would delete everything we own (${deletes} resources)`);
  if (deletes > ctx.maxDeletes) return block(`the commit would delete ${deletes} resources, more than maxDeletes (${ctx.maxDeletes})`);
  if (deletes * 2 > owned) return block(`the commit would delete ${deletes} of the ${owned} resources we own, more than half`);
  return undefined;
}

function deleteOf(orphan: Orphan, calls: PlannedCall[]): DeleteAction {
  const notes =
    orphan.renamedTo === undefined ? [] : [`renamed: ${orphan.renamedTo} is created from the same file, ${orphan.key} is pruned`];
  return { type: "delete", key: orphan.key, kind: orphan.kind, changes: [], calls, notes };
}
