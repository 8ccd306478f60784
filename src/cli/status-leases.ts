import type { StatusDocument } from "../state/status.js";

type Leases = NonNullable<StatusDocument["leases"]>;

/** `ecs-gitops status` on a replica that holds no shard: its resource list is empty, not "all synced". */
export const EXIT_STANDBY = 3;

/** The lease block of `ecs-gitops status`: who this replica is, and who holds each shard. */
export function renderLeases(leases: Leases): string[] {
  const lines = [
    `leases: replica ${leases.replica}, table ${leases.table}, shard-by ${leases.shardBy}; ` +
      `replicas alive: ${leases.replicas.join(", ") || "(none)"}`,
  ];
  for (const s of leases.shards)
    lines.push(`  shard ${s.shard}  ${s.held ? "held here" : s.holder === undefined ? "free" : `held by ${s.holder}`}`);
  if (leases.layoutMismatch !== undefined) lines.push(`  layout mismatch: ${leases.layoutMismatch}`);
  return lines;
}

/**
 * Why the exit code is EXIT_STANDBY, or undefined: a replica holding no shard reconciles nothing,
 * so its (empty) resource list says nothing about the resources. The holders do.
 */
export function standbyReason(doc: StatusDocument): string | undefined {
  const leases = doc.leases;
  if (leases === undefined || leases.shards.some((s) => s.held)) return undefined;
  const holders = [...new Set(leases.shards.map((s) => s.holder).filter((h) => h !== undefined && h !== leases.replica))];
  const ask = holders.length > 0 ? `ask the replica holding them (${holders.join(", ")})` : "no replica holds them now";
  return (
    `replica ${leases.replica} holds no shard, so it reconciles no resource: ${ask}` +
    (leases.layoutMismatch === undefined ? "" : `; it holds none because ${leases.layoutMismatch}`)
  );
}
