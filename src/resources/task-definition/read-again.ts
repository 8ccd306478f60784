import { revisionOfRef } from "../../aws/arn.js";
import { listTaskDefinitionArns } from "../../aws/index.js";
import type { Manifest } from "../../manifests/types.js";
import type { KindReadIo } from "../kind-plugin.js";
import type { LiveReads, LiveSnapshot } from "../live-snapshot.js";
import { specHash } from "./hash.js";
import { twinsOf } from "./history.js";
import { normalizeTaskDefinition } from "./normalize.js";
import type { LiveTaskDefinition } from "./normalize.js";
import { describe, readLatest, revision } from "./read-revision.js";

/** How many earlier revisions a plan that would register looks through for an identical one. */
const EARLIER_REVISIONS = 5;

/** The second read of the families whose plan asked it (`readsAgain`): each family's candidates, with what was found added. */
export async function readTaskDefinitionsAgain(manifests: readonly Manifest[], live: LiveSnapshot, io: KindReadIo): Promise<LiveReads> {
  const revisions = new Map<string, readonly LiveTaskDefinition[]>();
  const latestKnown = new Set<string>();
  const earlierRead = new Set<string>();
  await Promise.all(
    manifests.map(async (manifest) => {
      const family = manifest.name;
      const candidates = live.revisions.get(family) ?? [];
      if (!live.latestKnown.has(family)) {
        latestKnown.add(family);
        revisions.set(family, await withLatest(io, family, candidates));
        return;
      }
      earlierRead.add(family);
      const twins = twinsOf(candidates, specHash(normalizeTaskDefinition(manifest.spec)));
      const found = twins === "unknown" ? await earlierActive(io, family, candidates) : await activeRevisions(io, twins);
      revisions.set(family, [...candidates, ...found]);
    }),
  );
  return { revisions, latestKnown, earlierRead };
}

/** The family's candidates with its latest revision, read afresh, among them. */
async function withLatest(io: KindReadIo, family: string, candidates: readonly LiveTaskDefinition[]): Promise<LiveTaskDefinition[]> {
  const latest = await readLatest(io, family);
  const newest = latest.arn === undefined ? undefined : await revision(io, latest.arn);
  return newest && !candidates.some((r) => r.arn === newest.arn) ? [...candidates, newest] : [...candidates];
}

/** Up to EARLIER_REVISIONS more ACTIVE revisions of the family (newest first), listed: its revisions name no predecessors. */
async function earlierActive(io: KindReadIo, family: string, candidates: readonly LiveTaskDefinition[]): Promise<LiveTaskDefinition[]> {
  const arns = (await io.read(() => listTaskDefinitionArns(io.aws, family, "ACTIVE"))).filter((a) => !candidates.some((r) => r.arn === a));
  const newest = arns.sort((a, b) => (revisionOfRef(b) ?? 0) - (revisionOfRef(a) ?? 0)).slice(0, EARLIER_REVISIONS);
  return present(await Promise.all(newest.map((arn) => revision(io, arn))));
}

/** The given earlier revisions (by ARN) whose recorded hash is git's; one that is no longer ACTIVE is left out. */
async function activeRevisions(io: KindReadIo, arns: readonly string[]): Promise<LiveTaskDefinition[]> {
  return present(await Promise.all(arns.map((arn) => io.cache.revisions.get(arn) ?? describe(io, arn, { activeOnly: true }))));
}

function present(found: readonly (LiveTaskDefinition | undefined)[]): LiveTaskDefinition[] {
  return found.filter((r): r is LiveTaskDefinition => r !== undefined);
}
