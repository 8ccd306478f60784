import { describe, expect, it } from "vitest";
import type { Manifest } from "../../../src/manifests/types.js";
import { fairShare, shardIndex, shardsOf } from "../../../src/lease/shards.js";
import { manifestOf } from "../resources/builders.js";

const td = (family: string) => manifestOf("TaskDefinition", family, { family, containerDefinitions: [{ name: "app", image: "x" }] });
const svc = (name: string, cluster: string, family: string) =>
  manifestOf("Service", name, { cluster, serviceName: name, taskDefinition: family, desiredCount: 1 });
const byKey = (manifests: Manifest[]) => new Map(manifests.map((m) => [m.key, m]));

describe("shards", () => {
  const manifests = byKey([
    td("web"),
    td("worker"),
    td("unused"),
    ...["c1", "c2", "c3", "c4", "c5", "c6"].map((c) => svc(`web-${c}`, c, "web")),
    svc("worker", "c4", "worker"),
  ]);

  it("puts every resource of one cluster in one shard, and a family with the first service that runs it", () => {
    const shards = shardsOf(manifests, { shards: 6, shardBy: "cluster", defaultCluster: undefined, account: undefined });
    expect(shards.get("Service/c4/worker")).toBe(shards.get("Service/c4/web-c4"));
    expect(shards.get("TaskDefinition/worker")).toBe(shards.get("Service/c4/worker"));
    expect(shards.get("TaskDefinition/web")).toBe(shards.get("Service/c1/web-c1"));
    expect(shards.get("TaskDefinition/unused")).toBe(shardIndex("TaskDefinition/unused", 6));
    expect(shards.size).toBe(manifests.size);
  });

  it("is the same on every replica whatever the order of the manifests", () => {
    const reversed = new Map([...manifests].reverse());
    const options = { shards: 4, shardBy: "hash", defaultCluster: "c1", account: undefined } as const;
    expect([...shardsOf(reversed, options)].sort()).toEqual([...shardsOf(manifests, options)].sort());
  });

  it("one shard holds everything; account sharding keeps one account together", () => {
    expect(new Set(shardsOf(manifests, { shards: 1, shardBy: "cluster", defaultCluster: undefined, account: undefined }).values())).toEqual(
      new Set([0]),
    );
    expect(
      new Set(shardsOf(manifests, { shards: 8, shardBy: "account", defaultCluster: undefined, account: "123456789012" }).values()).size,
    ).toBe(1);
  });

  it("spreads keys over the shards and computes the fair share", () => {
    const counts = new Array(4).fill(0) as number[];
    for (let i = 0; i < 4_000; i++) counts[shardIndex(`Service/c/s${i}`, 4)]! += 1;
    for (const count of counts) expect(count).toBeGreaterThan(800);
    expect([fairShare(6, 3), fairShare(6, 4), fairShare(1, 2), fairShare(3, 0)]).toEqual([2, 2, 1, 3]);
  });
});
