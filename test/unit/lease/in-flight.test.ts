import pino from "pino";
import { describe, expect, it } from "vitest";
import type { InFlightEntry } from "../../../src/aws/lease-store.js";
import { InFlightDeploys, inFlightEntry, MAX_ENTRY_BYTES } from "../../../src/lease/in-flight.js";
import { ControllerLeasing } from "../../../src/lease/leasing.js";
import type { Manifest, ResourceKey } from "../../../src/manifests/types.js";
import { manifestOf } from "../resources/builders.js";
import { MemoryTable } from "./memory-table.js";

/*
 * The in-flight record of a shard's deploy, in its lease row (src/lease/in-flight.ts): written
 * once per commit and shard before the first write, cleared once every listed key was reconciled,
 * read by the replica that takes the shard over, and never trusted beyond the commit and the
 * desired state it lists.
 */

const D = 3_000;
const log = pino({ level: "silent" });
const TD = "TaskDefinition/app";
const WEB1 = "Service/c1/web1";
const WEB2 = "Service/c2/web2";

/** One family used by a service in each of two clusters; `extra` changes nothing a deploy sees but the commit. */
function commit(image: string, desiredCount = 1): Map<ResourceKey, Manifest> {
  const manifests = [
    manifestOf("TaskDefinition", "app", { family: "app", containerDefinitions: [{ name: "app", image, memory: 128 }] } as never),
    manifestOf("Service", "web1", { cluster: "c1", serviceName: "web1", taskDefinition: "app", desiredCount } as never),
    manifestOf("Service", "web2", { cluster: "c2", serviceName: "web2", taskDefinition: "app", desiredCount: 1 } as never),
  ];
  return new Map(manifests.map((m) => [m.key, m]));
}

function replica(id: string, table: MemoryTable, clock: { t: number }) {
  const leasing = new ControllerLeasing(
    { table: "leases", durationMs: D, shards: 1, shardBy: "cluster", replicaId: id },
    { region: undefined, endpoint: undefined, accountIdHeader: undefined },
    log,
    { table, now: () => clock.t },
  );
  leasing.onRequeue(() => undefined);
  const load = (sha: string, manifests: Map<ResourceKey, Manifest>) => leasing.setDesired(manifests, undefined, sha);
  /** One reconcile through the gate: its writes announced first, as the applier does. */
  const reconcile = (key: ResourceKey, writes: boolean) =>
    leasing.gate(key, async () => {
      if (writes) await leasing.beforeWrites([key]);
      return {};
    });
  return { leasing, load, reconcile };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const entryOf = (table: MemoryTable): InFlightEntry | undefined => table.rows.get("shard#0")?.inflight;

/** `a` holds the shard, loaded 1.0 then 2.0 (a new image: the family and both services change). */
async function holder() {
  const table = new MemoryTable();
  const clock = { t: 0 };
  const a = replica("a", table, clock);
  await a.leasing.tick();
  a.load("sha1", commit("1.0"));
  a.load("sha2", commit("2.0"));
  return { table, clock, a };
}

/** `a` dies after registering and updating web1; `b` (at `bSha`) takes the shard over. */
async function takeover(bSha: string, bCommit: Map<ResourceKey, Manifest>) {
  const { table, clock, a } = await holder();
  const b = replica("b", table, clock);
  b.load("sha1", commit("1.0"));
  b.load(bSha, bCommit);
  await a.reconcile(TD, true);
  await a.reconcile(WEB1, true);
  for (let t = D / 6; t <= 2 * D && !b.leasing.owns(WEB2); t += D / 6) {
    clock.t = t;
    await b.leasing.tick();
  }
  expect(b.leasing.owns(WEB2)).toBe(true);
  await settle();
  return { table, clock, a, b };
}

describe("the in-flight record in the lease row", () => {
  it("is written once per commit and shard, before the first write, listing what the commit changes there", async () => {
    const { table, a } = await holder();
    expect(table.marks).toEqual([]);
    await a.leasing.beforeWrites([TD]);
    await a.leasing.beforeWrites([WEB1]);
    await a.leasing.beforeWrites([WEB2]);
    expect(table.marks).toHaveLength(1);
    const entry = entryOf(table)!;
    expect(entry).toMatchObject({ commit: "sha2", replica: "a", capped: false });
    expect(Object.keys(entry.keys).sort()).toEqual([TD, WEB1, WEB2].sort());
  });

  it("lists nothing a commit does not change, and writes nothing for a wave without a write", async () => {
    const { table, a } = await holder();
    a.load("sha3", commit("2.0", 2));
    // web1's own spec changed; the family and web2 did not (they were pending from sha2 and still are).
    await a.reconcile(TD, false);
    await a.reconcile(WEB2, false);
    expect(table.marks).toEqual([]);
    await a.reconcile(WEB1, true);
    await settle();
    expect(table.marks.map((m) => m && Object.keys(m.keys))).toEqual([[WEB1], undefined]);
  });

  it("is cleared once every listed key was reconciled, and not before", async () => {
    const { table, a } = await holder();
    await a.reconcile(TD, true);
    await a.reconcile(WEB1, true);
    await settle();
    expect(entryOf(table)).toBeDefined();
    await a.reconcile(WEB2, true);
    await settle();
    expect(entryOf(table)).toBeUndefined();
    expect(table.marks).toHaveLength(2);
  });

  it("a renewal drops the keys reconciled since, at no extra write: a long wave lists only what is left", async () => {
    const { table, clock, a } = await holder();
    await a.reconcile(TD, true);
    await a.reconcile(WEB1, true);
    const writes = table.marks.length;
    clock.t = D / 3;
    await a.leasing.tick();
    expect(Object.keys(entryOf(table)?.keys ?? {})).toEqual([WEB2]);
    expect(entryOf(table)).toMatchObject({ commit: "sha2", replica: "a" });
    expect(table.marks).toHaveLength(writes);
    // Nothing more to drop: the next renewal leaves the entry as it is.
    clock.t = (2 * D) / 3;
    await a.leasing.tick();
    expect(Object.keys(entryOf(table)?.keys ?? {})).toEqual([WEB2]);
    const b = replica("b", table, clock);
    b.load("sha2", commit("2.0"));
    for (let t = clock.t + D / 6; t <= clock.t + 2 * D && !b.leasing.owns(WEB2); t += D / 6) {
      clock.t = t;
      await b.leasing.tick();
    }
    expect(b.leasing.inFlightDeploy(WEB1, "sha2")).toBe(false);
    expect(b.leasing.inFlightDeploy(WEB2, "sha2")).toBe(true);
  });

  it("a reconcile that will be retried keeps its key listed", async () => {
    const { table, a } = await holder();
    await a.reconcile(TD, true);
    await a.reconcile(WEB1, true);
    await a.leasing.gate(WEB2, async () => {
      await a.leasing.beforeWrites([WEB2]);
      return { retry: true };
    });
    await settle();
    expect(Object.keys(entryOf(table)?.keys ?? {})).toContain(WEB2);
  });

  it("is written fenced: not by a replica whose shard another one took", async () => {
    const { table, clock, a } = await holder();
    const b = replica("b", table, clock);
    for (let t = D / 6; t <= 2 * D && !b.leasing.owns(WEB2); t += D / 6) {
      clock.t = t;
      await b.leasing.tick();
    }
    await a.leasing.beforeWrites([TD]);
    expect(table.marks).toEqual([]);
    expect(entryOf(table)).toBeUndefined();
  });

  it("a takeover at the same commit: listed keys not yet written are interrupted deploys until reconciled, then cleared", async () => {
    const { table, b } = await takeover("sha2", commit("2.0"));
    expect(b.leasing.inFlightDeploy(WEB2, "sha2")).toBe(true);
    expect(b.leasing.inFlightDeploy(WEB1, "sha2")).toBe(true);
    expect(b.leasing.inFlightDeploy(WEB2, "sha1")).toBe(false);
    await b.reconcile(WEB2, true);
    await settle();
    expect(b.leasing.inFlightDeploy(WEB2, "sha2")).toBe(false);
    expect(entryOf(table)).toBeDefined();
    await b.reconcile(TD, false);
    await b.reconcile(WEB1, false);
    await settle();
    expect(entryOf(table)).toBeUndefined();
  });

  it("a standby lists none of its own diffs once it holds the shard: they may be deployed, then changed by hand", async () => {
    const { table, clock, a } = await holder();
    const b = replica("b", table, clock);
    b.load("sha1", commit("1.0"));
    b.load("sha2", commit("2.0"));
    // a deploys 2.0 everywhere and clears its entry; someone may change web2 by hand after.
    for (const key of [TD, WEB1, WEB2]) await a.reconcile(key, true);
    await settle();
    expect(entryOf(table)).toBeUndefined();
    // A later commit changes web1 only; b takes the shard over, then deploys web1.
    b.load("sha3", commit("2.0", 2));
    for (let t = D / 6; t <= 2 * D && !b.leasing.owns(WEB2); t += D / 6) {
      clock.t = t;
      await b.leasing.tick();
    }
    expect(b.leasing.owns(WEB2)).toBe(true);
    await b.reconcile(WEB1, true);
    await settle();
    const listed = table.marks.slice(2).flatMap((m) => (m ? Object.keys(m.keys) : []));
    expect(listed).not.toContain(WEB2);
    expect(listed).not.toContain(TD);
    expect(b.leasing.inFlightDeploy(WEB2, "sha3")).toBe(false);
  });

  it("an old holder's entry that landed after the takeover's read is cleared, never adopted", async () => {
    const { table, clock, b } = await takeover("sha2", commit("2.0"));
    for (const key of [TD, WEB1, WEB2]) await b.reconcile(key, false);
    await settle();
    expect(entryOf(table)).toBeUndefined();
    // a's write of the entry, held up on the way, lands now (the takeover's write did not see it).
    const late: InFlightEntry = { commit: "sha2", replica: "a", keys: { [WEB2]: "0123456789abcdef" }, capped: false };
    table.rows.get("shard#0")!.inflight = late;
    clock.t += D / 6;
    await b.leasing.tick();
    await settle();
    expect(entryOf(table)).toBeUndefined();
    expect(b.leasing.inFlightDeploy(WEB2, "sha2")).toBe(false);
  });

  it("an entry of another commit than the new holder's is ignored, and cleared", async () => {
    const { table, b } = await takeover("sha3", commit("2.0", 2));
    for (const key of [TD, WEB1, WEB2]) expect(b.leasing.inFlightDeploy(key, "sha3"), key).toBe(false);
    expect(entryOf(table)?.commit).toBe("sha2");
    for (const key of [TD, WEB1, WEB2]) await b.reconcile(key, false);
    await settle();
    expect(entryOf(table)).toBeUndefined();
  });

  it("a key listed with another desired state than git's now is not covered", async () => {
    const { table, clock, a } = await holder();
    await a.reconcile(TD, true);
    // The row says web2 was to become something else (another version's hash, a row edited by hand).
    const row = table.rows.get("shard#0")!;
    row.inflight = { ...row.inflight!, keys: { ...row.inflight!.keys, [WEB2]: "0000000000000000" } };
    const b = replica("b", table, clock);
    b.load("sha2", commit("2.0"));
    for (let t = D / 6; t <= 2 * D && !b.leasing.owns(WEB2); t += D / 6) {
      clock.t = t;
      await b.leasing.tick();
    }
    expect(b.leasing.inFlightDeploy(WEB2, "sha2")).toBe(false);
    expect(b.leasing.inFlightDeploy(WEB1, "sha2")).toBe(true);
  });

  it("hashes a large commit in chunks: the event loop turns before the diff is done", async () => {
    const tracker = new InFlightDeploys({
      rows: { inFlightRead: () => undefined, markInFlight: async () => true },
      replicaId: "a",
      shardOf: () => 0,
      log,
    });
    const services = Array.from({ length: 1_000 }, (_, i) =>
      manifestOf("Service", `web${i}`, { cluster: "c1", serviceName: `web${i}`, taskDefinition: "app", desiredCount: 1 } as never),
    );
    tracker.setDesired("sha1", new Map(services.map((m) => [m.key, m])));
    let turned = false;
    setImmediate(() => (turned = true));
    await tracker.ready();
    expect(turned).toBe(true);
  });

  it("is capped in bytes: keys past the cap are left out and the entry says so", () => {
    const keys = new Map(Array.from({ length: 500 }, (_, i) => [`Service/cluster-${i}/${"s".repeat(40)}`, "0123456789abcdef"] as const));
    const entry = inFlightEntry("sha", "a", keys);
    expect(entry.capped).toBe(true);
    const listed = Object.keys(entry.keys);
    expect(listed.length).toBeGreaterThan(50);
    expect(listed.length).toBeLessThan(500);
    expect(Buffer.byteLength(JSON.stringify(entry.keys))).toBeLessThanOrEqual(MAX_ENTRY_BYTES);
    expect(inFlightEntry("sha", "a", new Map([...keys].slice(0, 10))).capped).toBe(false);
  });
});
