import type { KindPrune } from "../kind-prune.js";
import type { TagMap } from "../common/tags.js";
import { prunes } from "../kind-prune.js";
import type { DeleteAction, KindPrunePlan, Orphan, PruneLive, PrunePlanIo } from "../kind-prune.js";
import type { PlannedCall } from "../types.js";
import { familyOfArn } from "../../aws/arn.js";
import { beyondHistory, revisionId } from "./prune-history.js";

/**
 * How many prune passes a family's listing serves when no commit and no write of ours came
 * between (docs/prune.md#read-budget): 6 resync ticks, 30 minutes at the default resync, bound
 * how late a hand registration is seen. It can only delay a trim or an orphan's report: a pass
 * that deletes lists every family afresh first.
 */
export const FAMILY_RELIST_PASSES = 6;

/** The memo entry of a family's last listing. */
export function listingKey(family: string): string {
  return `listing:${family}`;
}

/** An ACTIVE revision of a family looked at, with its tags (read only for those prune may deregister). */
export type PruneRevision = { arn: string; revision: number; tags: TagMap };

/** A family's ACTIVE revisions, oldest first. */
export type FamilyPruneDetail = { revisions: PruneRevision[] };

/**
 * A family is pruned revision by revision (DeregisterTaskDefinition), in the stage after the
 * resources that run it: read once they are read (what they run is kept, and a family only an
 * orphan runs is looked at too), deregistered once they are deleted. Families that stay lose the
 * revisions of ours past `revisionHistoryLimit`.
 */
export const taskDefinitionPrune: KindPrune = prunes<FamilyPruneDetail>({
  scope: (manifest) => [manifest.name],
  defaultScope: () => [],
  formerScopeField: "families",
  // A registration of the family: the revision it adds takes one of the kept places.
  addsVersion: (action) => action.type !== "blocked" && action.calls.some((c) => c.operation === "ecs:RegisterTaskDefinition"),
  stage: 1,
  oneByOne: true,
  // Imported on first use: the commit-load worker loads the plug-ins and must not load the AWS SDK.
  inventory: async (scope, io) => (await import("./prune-io.js")).readFamilies(scope, io),
  plan: planFamilies,
  remove: async (action, io) => (await import("./prune-io.js")).deregisterAll(action, io),
  staleAfter: (call) => {
    if (call.operation === "ecs:RegisterTaskDefinition") return [listingKey(String(call.input["family"]))];
    if (call.operation !== "ecs:DeregisterTaskDefinition") return [];
    const arn = String(call.input["taskDefinition"]);
    return [arn, listingKey(familyOfArn(arn) ?? arn)];
  },
  // A family no manifest names and with no ACTIVE revision of ours left is no longer looked at.
  retainScope: (families, live, named, deleted) => {
    const revisions = new Map(live.map((l) => [l.name, l.detail.revisions.length]));
    const kept = families.filter(
      (f) => named.has(`TaskDefinition/${f}`) || ((revisions.get(f) ?? 0) > 0 && !deleted.has(`TaskDefinition/${f}`)),
    );
    return kept.length === families.length ? families : kept;
  },
});

function planFamilies(live: readonly PruneLive<FamilyPruneDetail>[], io: PrunePlanIo): KindPrunePlan {
  // Revisions something runs, or will run once this pass's deletes are done: never deregistered.
  const inUse = new Set(io.staying.flatMap((s) => s.runs.map(revisionId)));
  const referenced = new Set<string>();
  for (const ref of io.desired.flatMap((m) => io.referencesOf(m))) {
    if (ref.type === "pinned") inUse.add(`${ref.family}:${ref.revision}`);
    if (ref.type !== "invalid") referenced.add(ref.family);
  }
  const orphans: { orphan: Orphan; revisions: PruneRevision[] }[] = [];
  const trims: DeleteAction[] = [];
  let owned = 0;
  for (const { key, name: family, detail } of live) {
    const { revisions } = detail;
    const ours = revisions.filter((r) => io.isOurs(r.tags));
    if (io.named.has(key) || referenced.has(family)) {
      if (revisions.length > 0) owned++;
      const trim = beyondHistory(revisions, inUse, io.keep(family)).filter((r) => io.isOurs(r.tags));
      if (io.named.has(key) && trim.length > 0)
        trims.push({
          type: "delete",
          key,
          kind: io.kind,
          changes: [],
          calls: trim.map(deregister),
          notes: [`revisionHistoryLimit ${io.revisionHistoryLimit}: ${trim.length} older revision(s) of ours deregistered`],
        });
      continue;
    }
    if (ours.length === 0) continue;
    owned++;
    const newest = ours[ours.length - 1]!;
    orphans.push({
      orphan: io.orphanOf({ key, name: family, arn: newest.arn, tags: newest.tags }),
      revisions: ours.filter((r) => !inUse.has(revisionId(r.arn))),
    });
  }
  return {
    orphans: orphans.map((o) => o.orphan),
    actions: [
      ...orphans
        .filter((o) => o.orphan.kept === undefined && o.revisions.length > 0)
        .map(({ orphan, revisions }) => io.deleteOf(orphan, revisions.map(deregister))),
      ...trims,
    ],
    owned,
  };
}

function deregister(revision: PruneRevision): PlannedCall {
  return { operation: "ecs:DeregisterTaskDefinition", input: { taskDefinition: revision.arn } };
}
