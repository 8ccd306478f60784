import { describe, expect, it } from "vitest";
import { defaultReplicaId, leaseSettings } from "../../../src/cli/lease-options.js";
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

  it("names a replica by its ECS task id, else host and pid (two local replicas never share a name)", () => {
    expect(defaultReplicaId({ ECS_CONTAINER_METADATA_URI_V4: "http://169.254.170.2/v4/a8f4c3b2e1d04f5e9a7b6c5d4e3f2a1b-3579245789" })).toBe(
      "a8f4c3b2e1d04f5e9a7b6c5d4e3f2a1b",
    );
    expect(defaultReplicaId({})).toMatch(new RegExp(`:${process.pid}$`));
  });
});
