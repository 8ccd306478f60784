import type { Manifest, ResourceKey } from "../../manifests/types.js";
import { sourceTagValue } from "../../resources/common/source-tag.js";
import { ownershipOf, sourcePath } from "../../resources/common/tags.js";
import type { TagMap } from "../../resources/common/tags.js";
import { pluginFor } from "../../resources/registry.js";
import { PRUNE_TAG, SOURCE_TAG } from "../../resources/types.js";
import type { PlannedCall } from "../../resources/types.js";
import { beyondHistory, revisionId } from "./history.js";
import type { DeleteAction, Inventory, InventoryRevision, Orphan, PrunePlan, PruneSettings } from "./types.js";

/** Where a manifest's files sit in the repository (the source tag's path part). */
export type PrunePlanContext = PruneSettings & { sourcePrefix?: string | undefined };

/**
 * Orphans (ours, named by no manifest) and the deletes that remove them, in order: services and
 * rules first, then the families they ran, then revisions beyond `revisionHistoryLimit` of the
 * families that stay. Guards turn a mass delete into a block (docs/prune.md#guards). Pure.
 */
export function planPrune(inventory: Inventory, manifests: readonly Manifest[], ctx: PrunePlanContext): PrunePlan {
  const named = new Set<ResourceKey>(ctx.emptyCommit ? [] : manifests.map((m) => m.key));
  const desired = ctx.emptyCommit ? [] : manifests;
  const held = new Set((ctx.heldBackFiles ?? []).map((f) => sourceTagValue(ctx.repo, sourcePath(ctx.sourcePrefix, f))));
  const isOurs = (tags: TagMap) =>
    ownershipOf(tags, { owner: ctx.owner, repo: ctx.repo, adopt: false }) === "owned" && !held.has(tags[SOURCE_TAG] ?? "");
  const renamedTo = (kind: Manifest["kind"], key: ResourceKey, tags: TagMap): ResourceKey | undefined =>
    desired.find(
      (m) => m.kind === kind && m.key !== key && sourceTagValue(ctx.repo, sourcePath(ctx.sourcePrefix, m.file)) === tags[SOURCE_TAG],
    )?.key;
  const orphanOf = (kind: Manifest["kind"], key: ResourceKey, name: string, arn: string | undefined, tags: TagMap): Orphan => ({
    key,
    kind,
    name,
    arn,
    source: tags[SOURCE_TAG],
    kept: tags[PRUNE_TAG] === "false" ? `${PRUNE_TAG} is "false" (annotation ecs-gitops/prune)` : undefined,
    renamedTo: renamedTo(kind, key, tags),
  });

  const liveServices = inventory.services.filter((s) => s.status === "ACTIVE");
  const ownedServices = liveServices.filter((s) => named.has(s.key) || isOurs(s.tags));
  const serviceOrphans = liveServices
    .filter((s) => !named.has(s.key) && isOurs(s.tags))
    .map((s) => ({ orphan: orphanOf("Service", s.key, s.name, s.arn, s.tags), service: s }));
  const ownedRules = inventory.rules.filter((r) => named.has(r.key) || isOurs(r.tags));
  const ruleOrphans = inventory.rules
    .filter((r) => !named.has(r.key) && isOurs(r.tags))
    .map((r) => ({ orphan: orphanOf("ScheduledRule", r.key, r.name, r.arn, r.tags), rule: r }));

  // Revisions something runs, or will run once the deletes above are done: never deregistered.
  const going = new Set<ResourceKey>(
    [...serviceOrphans, ...ruleOrphans].filter((o) => o.orphan.kept === undefined).map((o) => o.orphan.key),
  );
  const inUse = new Set<string>();
  for (const s of inventory.services)
    if (!going.has(s.key) && s.status !== "INACTIVE") s.taskDefinitions.forEach((a) => inUse.add(revisionId(a)));
  for (const r of inventory.rules) if (!going.has(r.key)) r.taskDefinitions.forEach((a) => inUse.add(revisionId(a)));
  const referenced = new Set<string>();
  for (const m of desired)
    for (const ref of pluginFor(m).references(m)) {
      if (ref.type === "pinned") inUse.add(`${ref.family}:${ref.revision}`);
      if (ref.type !== "invalid") referenced.add(ref.family);
    }

  const familyOrphans: { orphan: Orphan; revisions: InventoryRevision[] }[] = [];
  const trims: { family: string; revisions: InventoryRevision[] }[] = [];
  let ownedFamilies = 0;
  for (const [family, revisions] of inventory.families) {
    const key = `TaskDefinition/${family}`;
    const ours = revisions.filter((r) => isOurs(r.tags));
    if (named.has(key) || referenced.has(family)) {
      if (revisions.length > 0) ownedFamilies++;
      const trim = beyondHistory(revisions, inUse, keepOf(family, ctx)).filter((r) => isOurs(r.tags));
      if (named.has(key) && trim.length > 0) trims.push({ family, revisions: trim });
      continue;
    }
    if (ours.length === 0) continue;
    ownedFamilies++;
    const newest = ours[ours.length - 1]!;
    familyOrphans.push({
      orphan: orphanOf("TaskDefinition", key, family, newest.arn, newest.tags),
      revisions: ours.filter((r) => !inUse.has(revisionId(r.arn))),
    });
  }

  const orphans = [...serviceOrphans, ...ruleOrphans, ...familyOrphans].map((o) => o.orphan);
  const actions: DeleteAction[] = [
    ...serviceOrphans
      .filter((o) => o.orphan.kept === undefined)
      .map(({ orphan, service }) =>
        deleteAction(orphan, [
          { operation: "ecs:UpdateService", input: { cluster: service.cluster, service: service.name, desiredCount: 0 } },
          { operation: "ecs:DeleteService", input: { cluster: service.cluster, service: service.name } },
        ]),
      ),
    ...ruleOrphans
      .filter((o) => o.orphan.kept === undefined)
      .map(({ orphan, rule }) => ({
        ...deleteAction(orphan, [
          ...(rule.targetIds.length > 0
            ? [{ operation: "events:RemoveTargets" as const, input: { Rule: rule.name, EventBusName: rule.bus, Ids: rule.targetIds } }]
            : []),
          { operation: "events:DeleteRule", input: { Name: rule.name, EventBusName: rule.bus } },
        ]),
        guard: { resource: "rule" as const, arn: rule.arn, expect: "owned" as const, owner: ctx.owner, repo: ctx.repo, adopt: false },
      })),
    ...familyOrphans
      .filter((o) => o.orphan.kept === undefined && o.revisions.length > 0)
      .map(({ orphan, revisions }) => deleteAction(orphan, revisions.map(deregister))),
    ...trims.map(({ family, revisions }) => ({
      type: "delete" as const,
      key: `TaskDefinition/${family}`,
      kind: "TaskDefinition" as const,
      changes: [],
      calls: revisions.map(deregister),
      notes: [`revisionHistoryLimit ${ctx.revisionHistoryLimit}: ${revisions.length} older revision(s) of ours deregistered`],
    })),
  ];
  const deletes = orphans.filter((o) => o.kept === undefined).length;
  const owned = ownedServices.length + ownedRules.length + ownedFamilies;
  const blocked = ctx.enabled && !ctx.allowMassDelete ? guard(deletes, owned, ctx) : undefined;
  return { orphans, actions, deletes, owned, enabled: ctx.enabled, blocked };
}

/** Revisions of a family kept: the limit, one fewer while this run registers a new one. */
export function keepOf(family: string, ctx: Pick<PruneSettings, "revisionHistoryLimit" | "registering">): number {
  return Math.max(1, ctx.revisionHistoryLimit - (ctx.registering?.has(family) ? 1 : 0));
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

function deleteAction(orphan: Orphan, calls: PlannedCall[]): DeleteAction {
  const notes =
    orphan.renamedTo === undefined ? [] : [`renamed: ${orphan.renamedTo} is created from the same file, ${orphan.key} is pruned`];
  return { type: "delete", key: orphan.key, kind: orphan.kind, changes: [], calls, notes };
}

function deregister(revision: InventoryRevision): PlannedCall {
  return { operation: "ecs:DeregisterTaskDefinition", input: { taskDefinition: revision.arn } };
}
