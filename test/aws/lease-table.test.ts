import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createLeaseTable } from "../../src/aws/lease-table.js";
import { assertAllCalled, failure, FAKE_ENDPOINT, isolateNetwork, restoreNetwork } from "./aws-nock.js";
import type { RequestBody } from "./aws-nock.js";

// DynamoDB speaks AWS JSON 1.0. Access denied and a table still CREATING are states moto does not show.
const JSON_10 = { "content-type": "application/x-amz-json-1.0" };
const dynamodb = (operation: string, match?: (body: RequestBody) => boolean) =>
  nock(FAKE_ENDPOINT)
    .post("/", (body: RequestBody) => match === undefined || match(body))
    .matchHeader("x-amz-target", `DynamoDB_20120810.${operation}`);
const table = (status: string, key: { name: string; type: string } = { name: "leaseKey", type: "S" }) => ({
  Table: {
    TableName: "ops-leases",
    TableStatus: status,
    KeySchema: [{ AttributeName: key.name, KeyType: "HASH" }],
    AttributeDefinitions: [{ AttributeName: key.name, AttributeType: key.type }],
  },
});
const inUse = JSON.stringify({ __type: "com.amazonaws.dynamodb.v20120810#ResourceInUseException", message: "in use" });
const options = { table: "ops-leases", region: "eu-central-1", endpoint: FAKE_ENDPOINT, minDelaySeconds: 1, maxWaitSeconds: 10 };

describe("ecs-gitops lease-table create (DynamoDB wire format)", () => {
  beforeAll(() => {
    isolateNetwork();
    vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDTEST");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "secret");
  });
  afterEach(assertAllCalled);
  afterAll(() => {
    restoreNetwork();
    vi.unstubAllEnvs();
  });

  it("returns only once the new table is ACTIVE", async () => {
    let describes = 0;
    // On-demand (no capacity to size or to throttle the lease loop), one string key named as the lease store writes it.
    const asLeases = (body: RequestBody) =>
      JSON.stringify(body["Tags"]) === JSON.stringify([{ Key: "ecs-gitops:purpose", Value: "leases" }]) &&
      body["BillingMode"] === "PAY_PER_REQUEST" &&
      body["ProvisionedThroughput"] === undefined &&
      JSON.stringify(body["KeySchema"]) === JSON.stringify([{ AttributeName: "leaseKey", KeyType: "HASH" }]) &&
      JSON.stringify(body["AttributeDefinitions"]) === JSON.stringify([{ AttributeName: "leaseKey", AttributeType: "S" }]);
    dynamodb("CreateTable", asLeases).reply(200, JSON.stringify({ TableDescription: table("CREATING").Table }), JSON_10);
    dynamodb("DescribeTable")
      .times(2)
      .reply(200, () => JSON.stringify(table(++describes < 2 ? "CREATING" : "ACTIVE")), JSON_10);
    await expect(createLeaseTable(options)).resolves.toBe("created");
    expect(describes).toBe(2);
  });

  it("waits for a table that already exists but is still CREATING (two installs at once)", async () => {
    dynamodb("CreateTable").reply(400, inUse, JSON_10);
    dynamodb("DescribeTable").reply(200, JSON.stringify(table("CREATING")), JSON_10);
    dynamodb("DescribeTable").reply(200, JSON.stringify(table("ACTIVE")), JSON_10);
    await expect(createLeaseTable(options)).resolves.toBe("exists");
  });

  it("fails on an existing table of that name with another key, saying what to do", async () => {
    for (const key of [
      { name: "pk", type: "S" },
      { name: "leaseKey", type: "N" },
    ]) {
      dynamodb("CreateTable").reply(400, inUse, JSON_10);
      dynamodb("DescribeTable").reply(200, JSON.stringify(table("ACTIVE", key)), JSON_10);
      const error = await failure(createLeaseTable(options));
      expect(error).toMatchObject({ code: "InvalidConfig", where: "ops-leases" });
      expect(error.message).toMatch(/ops-leases exists with the key .*not the lease table's one string key leaseKey.*another table name/);
    }
  });

  it("names both actions the create needs when access is denied", async () => {
    dynamodb("CreateTable").reply(
      400,
      JSON.stringify({
        __type: "com.amazon.coral.service#AccessDeniedException",
        message: "not authorized to perform: dynamodb:TagResource",
      }),
      JSON_10,
    );
    const error = await failure(createLeaseTable(options));
    expect(error.code).toBe("AccessDenied");
    expect(error.message).toContain("dynamodb:CreateTable and dynamodb:TagResource");
    expect(error.where).toBe("ops-leases");
  });

  it("fails, naming the table and DescribeTable, when it never turns ACTIVE", async () => {
    dynamodb("CreateTable").reply(200, JSON.stringify({ TableDescription: table("CREATING").Table }), JSON_10);
    dynamodb("DescribeTable")
      .times(10)
      .reply(200, JSON.stringify(table("CREATING")), JSON_10);
    const error = await failure(createLeaseTable({ ...options, maxWaitSeconds: 2 }));
    expect(error.message).toMatch(/ops-leases did not turn ACTIVE within 2s.*dynamodb:DescribeTable/);
    nock.cleanAll();
  });
});
