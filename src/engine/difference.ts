import { createHash } from "node:crypto";
import type { Change } from "../diff/structural.js";
import { canonicalJson } from "../json.js";
import { parseResourceKey } from "../manifests/identity.js";
import type { Kind, ResourceKey } from "../manifests/types.js";
import { isJsonObject } from "../json.js";
import type { LiveSnapshot } from "../resources/live-snapshot.js";
import { OWNER_TAG } from "../resources/types.js";

export type DifferenceClass = "in-sync" | "pending" | "drift";

export type HandMadeRevision = { family: string; arn: string; revision: number; newestManaged: number };

/**
 * Revisions of managed families registered outside git and used by nothing: the family's latest,
 * newer than every revision in use or registered by ecs-gitops, without our owner tag. Only
 * families whose latest revision the snapshot holds are judged (`latestKnown`). Pure.
 */
export function handMadeRevisions(snapshot: LiveSnapshot, owner: string): HandMadeRevision[] {
  const inUse = new Set<string>();
  for (const service of snapshot.services.values())
    if (typeof service?.["taskDefinition"] === "string") inUse.add(service["taskDefinition"]);
  for (const rule of snapshot.rules.values()) {
    for (const target of rule?.targets ?? []) {
      const ecs = target["EcsParameters"];
      if (isJsonObject(ecs) && typeof ecs["TaskDefinitionArn"] === "string") inUse.add(ecs["TaskDefinitionArn"]);
    }
  }
  const out: HandMadeRevision[] = [];
  for (const family of snapshot.latestKnown) {
    const revisions = snapshot.revisions.get(family) ?? [];
    const latest = revisions.reduce<(typeof revisions)[number] | undefined>(
      (a, b) => (a === undefined || b.revision > a.revision ? b : a),
      undefined,
    );
    if (latest === undefined || inUse.has(latest.arn) || latest.tags[OWNER_TAG] === owner) continue;
    const managed = revisions.filter((r) => inUse.has(r.arn) || r.tags[OWNER_TAG] === owner).map((r) => r.revision);
    if (managed.length === 0) continue;
    const newestManaged = Math.max(...managed);
    if (latest.revision > newestManaged) out.push({ family, arn: latest.arn, revision: latest.revision, newestManaged });
  }
  return out;
}

/**
 * Drift is a difference while git has not moved since the last apply; a difference after git
 * moved is a pending deploy (OutOfSync), never an alert. When both spec hashes are known they
 * decide instead of commits: a commit that did not touch this resource must not hide its drift.
 * Never applied by us (no last commit) is pending: a create or an adoption, not drift.
 */
export function classifyDifference(input: {
  desiredCommit: string;
  lastAppliedCommit: string | undefined;
  hasDifferences: boolean;
  desiredSpecHash?: string | undefined;
  lastAppliedSpecHash?: string | undefined;
}): DifferenceClass {
  if (!input.hasDifferences) return "in-sync";
  if (input.desiredSpecHash !== undefined && input.lastAppliedSpecHash !== undefined) {
    return input.desiredSpecHash === input.lastAppliedSpecHash ? "drift" : "pending";
  }
  if (input.lastAppliedCommit === undefined) return "pending";
  return input.desiredCommit === input.lastAppliedCommit ? "drift" : "pending";
}

/**
 * Identity of a drift: which paths moved away from which desired values. Live values stay out,
 * so someone setting a field to a different wrong value each time is still "the same drift".
 * Values arrive masked, so no secret (not even its hash) reaches the episode record.
 */
export function driftFingerprint(key: ResourceKey, changes: readonly Change[]): string {
  const pairs = changes
    .map((c) => [c.path, c.desired === undefined ? { $absent: true } : c.desired] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return createHash("sha256")
    .update(`${key}\n${canonicalJson(pairs)}`)
    .digest("hex")
    .slice(0, 32);
}

/** `Service/prod/web` → kind Service, name web. */
export function kindAndName(key: ResourceKey): { kind: Kind; name: string } {
  const { kind, name } = parseResourceKey(key);
  return { kind, name };
}
