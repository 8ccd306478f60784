import { familyOfArn } from "../../aws/arn.js";
import type { Manifest } from "../../manifests/types.js";
import type { KindReadIo } from "../kind-plugin.js";
import type { LiveReads } from "../live-snapshot.js";
import { SPEC_HASH_TAG } from "../types.js";
import type { LiveTaskDefinition } from "./normalize.js";
import { readTaskDefinitionsAgain } from "./read-again.js";
import { knownLatest, noteRevisionSeen, readLatest, revision } from "./read-revision.js";

/**
 * The task definitions a plan needs, by the ARN the services and rule targets run (docs/scale.md):
 * the read waits on every other kind's (`io.othersRun`), since which revisions matter is known only
 * once the resources that run them are read, and the account id is learned by then.
 *
 * What a no-op resync does not re-read, and when it is read again:
 * - a revision, by ARN: its content never changes; its tags change only through our own writes
 *   (the cache follows them) or by hand (seen after a restart). A hand-registered revision is seen
 *   as soon as a service or rule target uses it (a new ARN).
 * - a family's latest revision: learned at cold start, from our own registrations, or from a
 *   newer ARN in use; re-read after the reader's `refreshMs`. Only a plan that would register
 *   uses it (to reuse an identical revision), so a stale answer costs at most one redundant revision.
 *
 * Called again (`io.again`) for the families whose plan asked more (read-again.ts).
 */
export async function readTaskDefinitions(manifests: readonly Manifest[], io: KindReadIo): Promise<LiveReads> {
  if (io.again !== undefined) return readTaskDefinitionsAgain(manifests, io.again, io);
  const families = [...new Set(manifests.map((m) => m.name))];
  const wanted = new Set(families);
  const run = await io.othersRun();
  const inUse = new Map<string, Set<string>>();
  for (const arn of run.revisions) {
    const family = familyOfArn(arn);
    if (family && wanted.has(family)) inUse.set(family, (inUse.get(family) ?? new Set()).add(arn));
  }
  const latestKnown = new Set<string>();
  const read = await Promise.all(
    families.map(async (family) => {
      const arns = [...(inUse.get(family) ?? [])];
      // Cold (a start, or a one-shot command): the revision in use is nearly always the latest, so
      // one describe by family answers both "what runs" and "what would a registration follow",
      // and a deploy needs no second DescribeTaskDefinition. Warm, nothing is read here.
      if (knownLatest(io, family) === undefined && arns.some((arn) => !io.cache.revisions.has(arn))) await readLatest(io, family);
      const found = await Promise.all(arns.map((arn) => revision(io, arn)));
      const candidates = found.filter((r): r is LiveTaskDefinition => r !== undefined);
      for (const seen of candidates) noteRevisionSeen(io, family, seen);
      // Nothing in use: the latest revision is the only thing to compare with.
      const latest = knownLatest(io, family) ?? (candidates.length === 0 ? await readLatest(io, family) : undefined);
      if (latest !== undefined) {
        latestKnown.add(family);
        const newest = latest.arn === undefined ? undefined : await revision(io, latest.arn);
        if (newest && !candidates.some((c) => c.arn === newest.arn)) candidates.push(newest);
      }
      // Nothing in use (or latest) was registered by ecs-gitops: someone pointed the service at a
      // hand-made revision. Offer the managed revisions already read, so the plan settles on ours
      // and the service shows its drift, instead of the family looking foreign. Cache only: no call.
      if (!candidates.some((c) => c.tags[SPEC_HASH_TAG] !== undefined)) {
        for (const known of io.cache.revisions.values())
          if (familyOfArn(known.arn) === family && known.tags[SPEC_HASH_TAG] !== undefined) candidates.push(known);
      }
      return [family, candidates] as const;
    }),
  );
  // Never cached: ECS would deploy whatever is latest now, and a service must follow it.
  const latestActive = new Map(
    await Promise.all(
      run.latestActive.filter((f) => !wanted.has(f)).map(async (family) => [family, (await readLatest(io, family)).arn] as const),
    ),
  );
  return { revisions: new Map(read), latestKnown, latestActive };
}
