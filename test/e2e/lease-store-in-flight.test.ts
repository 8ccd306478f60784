import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { applyMotoAccountHeader } from "../../src/aws/account-header.js";
import { LeaseStore } from "../../src/aws/lease-store.js";
import { createLeaseTable } from "../../src/aws/lease-table.js";
import { MOTO_CREDENTIALS, MOTO_REGION, newAccountId } from "./moto.js";

/*
 * The in-flight entry of a shard row on moto's DynamoDB (docs/ha.md#deploys-cut-by-a-takeover):
 * set and removed by a fenced UpdateItem that leaves the lease's version alone, kept by renewals,
 * read back by the scan, and a row whose attribute is not an entry read as no entry.
 */

const endpoint = inject("motoEndpoint");
const ENTRY = {
  commit: "abc",
  replica: "a",
  keys: { "Service/c1/web1": "fedcba9876543210", "Service/c2/web2": "0123456789abcdef" },
  capped: false,
};

describe("LeaseStore: the in-flight entry on DynamoDB", () => {
  const accountId = newAccountId();
  const saved = { ...process.env };
  let store: LeaseStore;

  beforeAll(async () => {
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    });
    const options = { table: "leases", region: MOTO_REGION, endpoint, accountIdHeader: accountId };
    await createLeaseTable({ ...options, minDelaySeconds: 1 });
    store = new LeaseStore(options);
  }, 60_000);
  afterAll(() => {
    store?.destroy();
    process.env = saved;
  });

  it("sets and removes the entry only while the row shows the writer's owner and version; renewals keep or replace it", async () => {
    expect(await store.create("shard#0", "a", "v1")).toBe(true);
    expect(await store.mark("shard#0", "a", "v0", ENTRY)).toBe(false);
    expect(await store.mark("shard#0", "b", "v1", ENTRY)).toBe(false);
    expect(await store.mark("shard#0", "a", "v1", ENTRY)).toBe(true);
    const row = () => store.scan().then((items) => items.find((i) => i.leaseKey === "shard#0"));
    expect(await row()).toEqual({ leaseKey: "shard#0", owner: "a", version: "v1", inflight: ENTRY });
    expect(await store.swap("shard#0", { leaseKey: "shard#0", owner: "a", version: "v1" }, { owner: "a", version: "v2" })).toBe(true);
    expect((await row())?.inflight).toEqual(ENTRY);
    // A renewal may carry a trimmed entry in the same write.
    const trimmed = { ...ENTRY, keys: { "Service/c2/web2": "0123456789abcdef" } };
    const renewal = { owner: "a", version: "v3", inflight: trimmed };
    expect(await store.swap("shard#0", { leaseKey: "shard#0", owner: "a", version: "v2" }, renewal)).toBe(true);
    expect(await row()).toEqual({ leaseKey: "shard#0", owner: "a", version: "v3", inflight: trimmed });
    expect(await store.mark("shard#0", "a", "v2", undefined)).toBe(false);
    expect(await store.mark("shard#0", "a", "v3", undefined)).toBe(true);
    expect(await row()).toEqual({ leaseKey: "shard#0", owner: "a", version: "v3" });
  });

  it("a row whose inflight attribute is no entry reads as no entry, and its other rows as usual", async () => {
    const client = new DynamoDBClient({ region: MOTO_REGION, endpoint });
    applyMotoAccountHeader(client.middlewareStack, accountId);
    const doc = DynamoDBDocumentClient.from(client);
    await doc.send(new PutCommand({ TableName: "leases", Item: { leaseKey: "shard#1", owner: "x", version: "v", inflight: "garbage" } }));
    await doc.send(
      new PutCommand({ TableName: "leases", Item: { leaseKey: "shard#2", owner: "x", version: "v", inflight: { commit: 7, keys: {} } } }),
    );
    client.destroy();
    const items = await store.scan();
    expect(items.find((i) => i.leaseKey === "shard#1")).toEqual({ leaseKey: "shard#1", owner: "x", version: "v", inflight: undefined });
    expect(items.find((i) => i.leaseKey === "shard#2")?.inflight).toBeUndefined();
  });
});
