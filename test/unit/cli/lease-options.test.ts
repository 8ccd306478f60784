import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { defaultReplicaId, leaseSettings } from "../../../src/cli/lease-options.js";
import { runCli } from "../../../src/cli/main.js";
import type { LeaseFlags } from "../../../src/cli/lease-options.js";

const base: LeaseFlags = { leaseTable: "leases", leaseDuration: "15s", shards: "1", shardBy: "cluster", replicaId: "r1" };

describe("lease flags", () => {
  it("are off without a table, and each flag changes the settings with one", () => {
    expect(leaseSettings({ ...base, leaseTable: undefined as unknown as string })).toBeUndefined();
    const settings = leaseSettings(base, {});
    expect(settings).toEqual({ table: "leases", durationMs: 15_000, shards: 1, shardBy: "cluster", replicaId: "r1" });
    expect(leaseSettings({ ...base, leaseDuration: "30s" }, {})?.durationMs).toBe(30_000);
    expect(leaseSettings({ ...base, shards: "6" }, {})?.shards).toBe(6);
    expect(leaseSettings({ ...base, shardBy: "hash" }, {})?.shardBy).toBe("hash");
    expect(leaseSettings({ ...base, replicaId: "r9" }, {})?.replicaId).toBe("r9");
  });

  it("refuses what cannot work, saying what to do", () => {
    expect(() => leaseSettings({ ...base, shards: "0" }, {})).toThrow(/--shards must be a whole number from 1/);
    expect(() => leaseSettings({ ...base, shards: "2.5" }, {})).toThrow(/--shards/);
    expect(() => leaseSettings({ ...base, leaseDuration: "1s" }, {})).toThrow(/below the floor of 3s/);
    expect(leaseSettings({ ...base, leaseDuration: "1s" }, { ECS_GITOPS_ALLOW_SHORT_INTERVALS: "1" })?.durationMs).toBe(1_000);
    expect(() => leaseSettings({ ...base, leaseTable: "", shards: "3" }, {})).toThrow(/--shards needs --lease-table/);
    expect(() => leaseSettings({ ...base, leaseTable: "bad name!" }, {})).toThrow(/not a DynamoDB table name/);
  });

  it("refuses a lease flag given without a table (flag or environment variable), naming the flag, its variable and what to do", () => {
    const noTable = { ...base, leaseTable: undefined as unknown as string };
    for (const name of ["leaseDuration", "shards", "shardBy", "replicaId"]) {
      const flag = `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      expect(() => leaseSettings(noTable, {}, (n) => n === name)).toThrow(
        expect.objectContaining({
          code: "InvalidConfig",
          where: flag,
          message: expect.stringContaining(`${flag} acts only with --lease-table`),
        }),
      );
    }
    expect(() => leaseSettings(noTable, {}, (n) => n === "replicaId" || n === "shardBy")).toThrow(
      /--shard-by, --replica-id act only with --lease-table .*ECS_GITOPS_SHARD_BY, ECS_GITOPS_REPLICA_ID/,
    );
    // Defaults alone are no reason to refuse: one replica runs unleased.
    expect(leaseSettings(noTable, {}, () => false)).toBeUndefined();
  });

  it("`run` exits 2 on a lease variable set without a table, before it starts anything", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "lease-flags-"));
    // A controller that started would create its workdir first: refused, nothing was started.
    const workdir = path.join(dir, "work");
    process.env["ECS_GITOPS_LEASE_DURATION"] = "40s";
    try {
      const io = { out: () => undefined, err: () => undefined };
      const run = runCli(["run", "--repo", "file:///nowhere.git", "--port", "0", "--workdir", workdir], io);
      const timeout = new Promise((resolve) => setTimeout(() => resolve("still running"), 15_000).unref());
      expect(await Promise.race([run, timeout])).toBe(2);
      expect(existsSync(workdir)).toBe(false);
    } finally {
      delete process.env["ECS_GITOPS_LEASE_DURATION"];
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses --shard-by account: one controller reaches one account, so it would put every resource in one shard", () => {
    expect(() => leaseSettings({ ...base, shardBy: "account", shards: "4" }, {})).toThrow(
      expect.objectContaining({
        code: "InvalidConfig",
        where: "--shard-by",
        message: expect.stringMatching(/Use --shard-by cluster or hash/),
      }),
    );
  });

  it("names a replica by its ECS task id, else host and pid (two local replicas never share a name)", () => {
    expect(defaultReplicaId({ ECS_CONTAINER_METADATA_URI_V4: "http://169.254.170.2/v4/a8f4c3b2e1d04f5e9a7b6c5d4e3f2a1b-3579245789" })).toBe(
      "a8f4c3b2e1d04f5e9a7b6c5d4e3f2a1b",
    );
    expect(defaultReplicaId({})).toMatch(new RegExp(`:${process.pid}$`));
  });
});
