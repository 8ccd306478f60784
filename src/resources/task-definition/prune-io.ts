import { describeTaskDefinition, listTaskDefinitionArns } from "../../aws/index.js";
import { familyOfArn } from "../../aws/arn.js";
import { tagListToMap } from "../common/tags.js";
import type { DeleteAction, PruneDeleteIo, PruneLive, PruneReadIo, PrunePlaces } from "../kind-prune.js";
import { OWNER_TAG } from "../types.js";
import { beyondHistory, revisionId, revisionOfArn } from "./prune-history.js";
import { FAMILY_RELIST_PASSES, listingKey } from "./prune.js";
import type { FamilyPruneDetail, PruneRevision } from "./prune.js";

/**
 * The families in scope, and those only an orphan of an earlier stage still runs (its
 * manifest left git with it): per family ListTaskDefinitions + DescribeTaskDefinition of each
 * revision prune may deregister, once per process (a revision is immutable; the write guard
 * re-reads its tags before any write). docs/prune.md#read-budget.
 */
export async function readFamilies(families: PrunePlaces, io: PruneReadIo): Promise<PruneLive<FamilyPruneDetail>[]> {
  const used = io.earlier
    .filter((r) => !io.named.has(r.key) && r.tags[OWNER_TAG] !== undefined)
    .flatMap((r) => r.runs.flatMap((arn) => familyOfArn(arn) ?? []));
  const running = new Set(io.earlier.flatMap((r) => r.runs.map(revisionId)));
  return Promise.all(
    [...new Set([...families, ...used])].map(async (family) => {
      const key = `TaskDefinition/${family}`;
      const revisions = await familyRevisions(family, running, io.named.has(key) ? io.keep(family) : 0, io);
      return { key, name: family, tags: {}, state: "live" as const, runs: [], detail: { revisions } };
    }),
  );
}

/** ACTIVE revisions, oldest first; tags read only for those past the history (the rest are never deregistered). */
async function familyRevisions(family: string, running: ReadonlySet<string>, keep: number, io: PruneReadIo): Promise<PruneRevision[]> {
  const arns = [...(await listedRevisions(family, io))].sort((a, b) => revisionOfArn(a) - revisionOfArn(b));
  // A family no manifest names (keep 0) is an orphan if any revision is ours: every tag is read.
  const past =
    keep === 0
      ? arns
      : beyondHistory(
          arns.map((arn) => ({ arn })),
          running,
          keep,
        ).map((r) => r.arn);
  const candidates = new Set(past);
  const read = await Promise.all(
    arns.map(async (arn) => (candidates.has(arn) ? revisionOf(arn, io) : { arn, revision: revisionOfArn(arn), tags: {} })),
  );
  return read.filter((r): r is PruneRevision => r !== undefined);
}

/**
 * A family's ACTIVE revision ARNs, listed again only at a new commit, after a registration or
 * deregistration of ours in it (staleAfter), or once the listing is FAMILY_RELIST_PASSES passes
 * old: revisions appear only when someone registers, and ours are known at once.
 */
async function listedRevisions(family: string, io: PruneReadIo): Promise<readonly string[]> {
  const key = listingKey(family);
  const kept = io.memo.get(key) as { arns: readonly string[]; pass: number } | undefined;
  if (!io.relist && kept !== undefined && io.pass - kept.pass < FAMILY_RELIST_PASSES) return kept.arns;
  const arns = await io.read(() => listTaskDefinitionArns(io.aws, family, "ACTIVE"));
  io.memo.set(key, { arns, pass: io.pass });
  return arns;
}

async function revisionOf(arn: string, io: PruneReadIo): Promise<PruneRevision | undefined> {
  const cached = io.memo.get(arn) as PruneRevision | undefined;
  if (cached) return cached;
  const described = await io.read(() => describeTaskDefinition(io.aws, arn));
  if (described === undefined) return undefined;
  const revision = { arn, revision: revisionOfArn(arn), tags: tagListToMap(described["tags"]) };
  io.memo.set(arn, revision);
  return revision;
}

/** Each revision's tags are read again right before its deregistration; one already gone is skipped. */
export async function deregisterAll(action: DeleteAction, io: PruneDeleteIo): Promise<"deleted" | "gone"> {
  let done = 0;
  for (const planned of action.calls) {
    const arn = String(planned.input["taskDefinition"]);
    const refused = await io.guard({ resource: "revision", arn, expect: "owned", ...io.claim });
    if (refused?.code === "NotFound") continue;
    if (refused) throw refused;
    await io.write(planned);
    done++;
  }
  return done === 0 ? "gone" : "deleted";
}
