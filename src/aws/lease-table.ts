import { CreateTableCommand, DynamoDBClient, ResourceInUseException, waitUntilTableExists } from "@aws-sdk/client-dynamodb";
import type { DescribeTableCommandOutput } from "@aws-sdk/client-dynamodb";
import { EcsGitopsError } from "../errors.js";
import { applyMotoAccountHeader } from "./account-header.js";
import { awsErrorName, classifyAwsError } from "./classify.js";
import type { LeaseStoreOptions } from "./lease-store.js";

export type LeaseTableOptions = LeaseStoreOptions & {
  /** How long to wait for the table to turn ACTIVE (on-demand tables take seconds). Default 120 s. */
  maxWaitSeconds?: number | undefined;
  /** Tests: the waiter's first poll delay (the SDK's default is 20 s). */
  minDelaySeconds?: number | undefined;
};

// CreateTable with Tags is authorized as CreateTable plus TagResource; the waiter reads DescribeTable.
const CREATE_ACTIONS = "dynamodb:CreateTable and dynamodb:TagResource";

/**
 * `ecs-gitops lease-table create NAME`: on-demand billing, one string key. Idempotent. Returns once
 * the table is ACTIVE (a replica started right after would otherwise fail its first lease write),
 * also when it already existed: a create run twice at once may find it still CREATING.
 */
export async function createLeaseTable(options: LeaseTableOptions): Promise<"created" | "exists"> {
  const client = new DynamoDBClient({
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
  if (options.accountIdHeader) applyMotoAccountHeader(client.middlewareStack, options.accountIdHeader);
  try {
    const outcome = await sendCreate(client, options.table);
    const described = await waitActive(client, options);
    if (outcome === "exists") checkKeySchema(options.table, described);
    return outcome;
  } finally {
    client.destroy();
  }
}

async function sendCreate(client: DynamoDBClient, table: string): Promise<"created" | "exists"> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "leaseKey", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "leaseKey", KeyType: "HASH" }],
        Tags: [{ Key: "ecs-gitops:purpose", Value: "leases" }],
      }),
    );
    return "created";
  } catch (error) {
    if (error instanceof ResourceInUseException || awsErrorName(error) === "ResourceInUseException") return "exists";
    const classified = classifyAwsError(error, `lease table ${table} (dynamodb:CreateTable)`);
    const need = classified.code === "AccessDenied" ? `the identity needs ${CREATE_ACTIONS} on it` : `it needs ${CREATE_ACTIONS}`;
    throw new EcsGitopsError(classified.code, `cannot create the lease table ${table} (${awsErrorName(error)}): ${need} (docs/ha.md)`, {
      where: table,
      cause: error,
    });
  }
}

/** The table's last DescribeTable answer, once ACTIVE. */
async function waitActive(client: DynamoDBClient, options: LeaseTableOptions): Promise<DescribeTableCommandOutput | undefined> {
  const maxWaitTime = options.maxWaitSeconds ?? 120;
  // Throws unless the table turned ACTIVE in time (a timeout, a failure state, an error).
  const result = await waitUntilTableExists(
    { client, maxWaitTime, ...(options.minDelaySeconds === undefined ? {} : { minDelay: options.minDelaySeconds }) },
    { TableName: options.table },
  ).catch((error: unknown) => {
    const classified = classifyAwsError(error, `lease table ${options.table} (dynamodb:DescribeTable)`);
    throw new EcsGitopsError(
      classified.code,
      `the lease table ${options.table} did not turn ACTIVE within ${maxWaitTime}s (${awsErrorName(error)}): ` +
        `it needs dynamodb:DescribeTable to be watched; look at it in the DynamoDB console and run the command again`,
      { where: options.table, cause: error },
    );
  });
  return result.reason as DescribeTableCommandOutput | undefined;
}

/**
 * A table of that name made for something else (another key) cannot hold leases: every lease
 * write would fail at run time, so say it now. Billing is not checked: a provisioned table works.
 */
function checkKeySchema(table: string, described: DescribeTableCommandOutput | undefined): void {
  const keys = described?.Table?.KeySchema;
  if (keys === undefined) return;
  const type = described?.Table?.AttributeDefinitions?.find((a) => a.AttributeName === "leaseKey")?.AttributeType;
  if (keys.length === 1 && keys[0]?.AttributeName === "leaseKey" && keys[0].KeyType === "HASH" && type === "S") return;
  const found = keys.map((k) => `${k.AttributeName} ${k.KeyType}`).join(", ");
  throw new EcsGitopsError(
    "InvalidConfig",
    `the table ${table} exists with the key (${found}), not the lease table's one string key leaseKey (HASH): ` +
      `it was made for something else. Give the leases another table name (lease-table create, then --lease-table on every replica)`,
    { where: table },
  );
}
