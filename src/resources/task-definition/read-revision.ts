import type { KindReadIo } from "../kind-plugin.js";
import type { LiveTaskDefinition } from "./normalize.js";
import { describeRevision } from "./read.js";
import type { LatestRevision } from "./read-cache.js";

// The task definition reads, each through the reader's queue and its cache (read-cache.ts), shared
// by the first read of a plan (read-live.ts) and the reads a plan asks for afterwards (read-again.ts).

/** A revision by ARN: cached, or described once even when several waves ask at the same time. */
export async function revision(io: KindReadIo, arn: string): Promise<LiveTaskDefinition | undefined> {
  const cached = io.cache.revisions.get(arn);
  if (cached) return cached;
  let pending = io.cache.describing.get(arn);
  if (pending === undefined) {
    pending = describe(io, arn).finally(() => io.cache.describing.delete(arn));
    io.cache.describing.set(arn, pending);
  }
  return pending;
}

/** The latest ACTIVE revision of a family, asked of AWS now. */
export async function readLatest(io: KindReadIo, family: string): Promise<LatestRevision> {
  const found = await describe(io, family);
  const latest: LatestRevision = { arn: found?.arn, expiresAt: io.cache.expiry() };
  io.cache.latest.set(family, latest);
  return latest;
}

/** What this process knows of a family's latest revision, while it is fresh. */
export function knownLatest(io: KindReadIo, family: string): LatestRevision | undefined {
  const latest = io.cache.latest.get(family);
  return latest !== undefined && latest.expiresAt > io.now() ? latest : undefined;
}

/** A revision newer than the latest we knew is in use: someone registered it; it is the latest now. */
export function noteRevisionSeen(io: KindReadIo, family: string, seen: LiveTaskDefinition): void {
  const latest = knownLatest(io, family);
  if (latest === undefined) return;
  const known = latest.arn === undefined ? undefined : io.cache.revisions.get(latest.arn);
  if (known === undefined || seen.revision > known.revision) io.cache.latest.set(family, { arn: seen.arn, expiresAt: latest.expiresAt });
}

/** One DescribeTaskDefinition through the reader's queue; what it finds is cached by ARN. */
export async function describe(
  io: KindReadIo,
  familyOrArn: string,
  options: { activeOnly?: boolean } = {},
): Promise<LiveTaskDefinition | undefined> {
  const found = await describeRevision(io.aws, familyOrArn, (call) => io.read(call), options);
  if (found) io.cache.remember(found);
  return found;
}
