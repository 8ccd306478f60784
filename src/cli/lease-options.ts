import { hostname } from "node:os";
import type { Command } from "commander";
import { parseDuration } from "../config.js";
import { envNameOf, envOption } from "./env-var-option.js";
import { EcsGitopsError } from "../errors.js";
import type { LeaseSettings } from "../lease/leasing.js";
import { SHARD_BY } from "../lease/shards.js";
import type { ShardBy } from "../lease/shards.js";

export type LeaseFlags = { leaseTable?: string; leaseDuration: string; shards: string; shardBy: string; replicaId?: string };

/** Below this a lease is renewed more often than DynamoDB answers reliably under load. */
export const LEASE_DURATION_FLOOR_MS = 3_000;
export const MAX_SHARDS = 256;

export function addLeaseOptions(command: Command): Command {
  return command
    .addOption(envOption("--lease-table <name>", "DynamoDB table of shard leases: turns on high availability (several replicas)"))
    .addOption(
      envOption("--lease-duration <duration>", "how long a lease holds without renewal (renewed every third of it)").default("15s"),
    )
    .addOption(envOption("--shards <n>", "shards the resources are split into, each with its own lease").default("1"))
    .addOption(
      envOption("--shard-by <key>", "what a shard groups: cluster or hash (of the resource key); account is refused (one shard)")
        .choices(SHARD_BY)
        .default("cluster"),
    )
    .addOption(envOption("--replica-id <id>", "this replica's name in the lease table (default: the ECS task id, else host:pid)"));
}

/** The flags that act only through leases (their commander option names). */
const NEEDS_TABLE = ["leaseDuration", "shards", "shardBy", "replicaId"] as const;

/**
 * Undefined without --lease-table: the one replica runs unleased. `explicit` tells a flag given on
 * the command line or in its environment variable from its default: a lease flag given without a
 * table would be accepted and do nothing, so it is refused.
 */
export function leaseSettings(
  flags: LeaseFlags,
  env: NodeJS.ProcessEnv = process.env,
  explicit: (name: string) => boolean = () => false,
): LeaseSettings | undefined {
  const shards = Number(flags.shards);
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_SHARDS)
    throw new EcsGitopsError("InvalidConfig", `--shards must be a whole number from 1 to ${MAX_SHARDS}, got "${flags.shards}"`, {
      where: "--shards",
    });
  const durationMs = parseDuration(flags.leaseDuration, "--lease-duration");
  const floor = env["ECS_GITOPS_ALLOW_SHORT_INTERVALS"] === "1" ? 300 : LEASE_DURATION_FLOOR_MS;
  if (durationMs < floor)
    throw new EcsGitopsError(
      "InvalidConfig",
      `--lease-duration ${flags.leaseDuration} is below the floor of ${floor / 1000}s: use ${floor / 1000}s or more`,
      {
        where: "--lease-duration",
      },
    );
  if (flags.leaseTable === undefined || flags.leaseTable === "") {
    if (shards > 1)
      throw new EcsGitopsError("InvalidConfig", "--shards needs --lease-table: shards are handed out through leases", {
        where: "--shards",
      });
    const given = NEEDS_TABLE.filter((name) => explicit(name)).map(flagOf);
    if (given.length > 0)
      throw new EcsGitopsError(
        "InvalidConfig",
        `${given.join(", ")} ${given.length === 1 ? "acts" : "act"} only with --lease-table (or ECS_GITOPS_LEASE_TABLE): ` +
          `give the lease table, or drop ${given.length === 1 ? "it" : "them"} (and ${given.map(envNameOf).join(", ")})`,
        { where: given[0]! },
      );
    return undefined;
  }
  if (flags.shardBy === "account")
    throw new EcsGitopsError(
      "InvalidConfig",
      "--shard-by account cannot spread resources: one controller's credentials reach one account, so every resource " +
        "would land in one shard. Use --shard-by cluster or hash, or --shards 1 for one writer and hot standbys (docs/ha.md#shards)",
      { where: "--shard-by" },
    );
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(flags.leaseTable))
    throw new EcsGitopsError(
      "InvalidConfig",
      `--lease-table "${flags.leaseTable}" is not a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)`,
      {
        where: "--lease-table",
      },
    );
  return {
    table: flags.leaseTable,
    durationMs,
    shards,
    shardBy: flags.shardBy as ShardBy,
    replicaId: flags.replicaId || defaultReplicaId(env),
  };
}

/**
 * The ECS task id (from the task metadata endpoint's URI, .../v4/<task id>-<n>) so the lease
 * table names tasks as the console does; elsewhere host and pid, since two replicas on one host
 * must never share a name (they would both believe they hold the same lease).
 */
export function defaultReplicaId(env: NodeJS.ProcessEnv = process.env): string {
  const uri = env["ECS_CONTAINER_METADATA_URI_V4"];
  const segment = uri?.split("/").pop();
  const task = segment?.replace(/-\d+$/, "");
  if (task && /^[A-Za-z0-9-]{8,}$/.test(task)) return task;
  return `${hostname()}:${process.pid}`;
}

/** `shardBy` → `--shard-by`. */
function flagOf(name: string): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
