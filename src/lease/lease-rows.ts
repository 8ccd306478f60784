import { randomUUID } from "node:crypto";
import type { LeaseItem } from "../aws/lease-store.js";

/** The lease table's row names, and who held a row last (lease-manager.ts). */
export const shardKey = (shard: number) => `shard#${shard}`;
export const replicaKey = (replica: string) => `replica#${replica}`;
const RELEASED = "released:";
/** A released row (owner "") keeps the name of the replica that gave it back, in its version. */
export const releasedVersion = (replica: string) => `${RELEASED}${replica}:${randomUUID()}`;

/**
 * The replica that held a row last, or undefined when nobody ever did (no row yet). A row given
 * back without a name (written before releases named their holder) names nobody we can trust,
 * so it counts as another replica's: the caller then forgets, the safe side.
 */
export function lastHolder(item: LeaseItem | undefined): string | undefined {
  if (item === undefined) return undefined;
  if (item.owner !== "") return item.owner;
  const end = item.version.lastIndexOf(":");
  return item.version.startsWith(RELEASED) && end > RELEASED.length ? item.version.slice(RELEASED.length, end) : "";
}
