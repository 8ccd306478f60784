import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { applyMotoAccountHeader } from "./account-header.js";
import { awsErrorName } from "./classify.js";

/** One row of the lease table: a shard (`shard#3`) or a replica's heartbeat (`replica#<id>`). */
export type LeaseItem = {
  leaseKey: string;
  /** The replica holding it; "" when released. */
  owner: string;
  /** Changed by every write of the holder (renew, heartbeat): others time expiry from its last change. */
  version: string;
  /** A shard row's record of the deploy its holder is writing (src/lease/in-flight.ts); absent when none is. */
  inflight?: InFlightEntry | undefined;
};

/**
 * What a shard's holder is about to write: the keys a commit deploys in the shard, each with the
 * hash of its desired state at that commit. Bounded: past the cap, `capped` and the rest unlisted.
 */
export type InFlightEntry = { commit: string; replica: string; keys: Record<string, string>; capped: boolean };

/** The entry as stored, or undefined when the attribute is not one (a row written by hand must not crash the lease loop). */
function inFlightOf(value: unknown): InFlightEntry | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const entry = value as Record<string, unknown>;
  const keys = entry["keys"];
  if (typeof entry["commit"] !== "string" || typeof entry["replica"] !== "string") return undefined;
  if (typeof keys !== "object" || keys === null || Array.isArray(keys)) return undefined;
  const listed: Record<string, string> = {};
  for (const [key, hash] of Object.entries(keys)) if (typeof hash === "string") listed[key] = hash;
  return { commit: entry["commit"], replica: entry["replica"], keys: listed, capped: entry["capped"] === true };
}

export type LeaseStoreOptions = {
  table: string;
  region?: string | undefined;
  endpoint?: string | undefined;
  accountIdHeader?: string | undefined;
  /** Per request: a lease call that hangs must not outlive the lease. */
  requestTimeoutMs?: number | undefined;
};

/**
 * A client for the lease table, shared by the lease loop (LeaseStore) and the suspensions row
 * (suspend-record.ts). One attempt per call: a retried conditional write may report a failed
 * condition for its own first attempt; the callers read again and retry themselves.
 */
export class LeaseTableClient {
  protected readonly doc: DynamoDBDocumentClient;
  readonly #client: DynamoDBClient;
  readonly table: string;

  constructor(options: LeaseStoreOptions) {
    this.table = options.table;
    this.#client = new DynamoDBClient({
      maxAttempts: 1,
      ...(options.region === undefined ? {} : { region: options.region }),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      requestHandler: { requestTimeout: options.requestTimeoutMs ?? 2_000, connectionTimeout: options.requestTimeoutMs ?? 2_000 },
    });
    if (options.accountIdHeader) applyMotoAccountHeader(this.#client.middlewareStack, options.accountIdHeader);
    this.doc = DynamoDBDocumentClient.from(this.#client);
  }

  destroy(): void {
    this.doc.destroy();
    this.#client.destroy();
  }
}

/**
 * The DynamoDB side of leasing (src/lease/): conditional writes only, so two replicas can never
 * both believe a write of theirs took a lease. A condition that fails is an answer (`false`),
 * anything else an error the caller treats as "lease not renewed".
 */
export class LeaseStore extends LeaseTableClient {
  /** Every row (a table of shards + replicas: a handful of items, one page). */
  async scan(): Promise<LeaseItem[]> {
    const items: LeaseItem[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(new ScanCommand({ TableName: this.table, ConsistentRead: true, ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) {
        if (typeof item["leaseKey"] === "string" && typeof item["version"] === "string")
          items.push({
            leaseKey: item["leaseKey"],
            owner: typeof item["owner"] === "string" ? item["owner"] : "",
            version: item["version"],
            ...(item["inflight"] === undefined ? {} : { inflight: inFlightOf(item["inflight"]) }),
          });
      }
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return items;
  }

  /** Take a row nobody has written yet. */
  async create(leaseKey: string, owner: string, version: string): Promise<boolean> {
    return this.#conditional(
      new PutCommand({
        TableName: this.table,
        Item: { leaseKey, owner, version },
        ConditionExpression: "attribute_not_exists(leaseKey)",
      }),
    );
  }

  /** Move a row from the version we last saw to a new one (renew, take over, release). */
  async swap(
    leaseKey: string,
    expected: LeaseItem,
    next: { owner: string; version: string; inflight?: InFlightEntry | undefined },
  ): Promise<boolean> {
    // A renewal may carry a new in-flight entry (in the same write); otherwise the row's stays as it is.
    const inflight = next.inflight;
    return this.#conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: { leaseKey },
        UpdateExpression: `SET #owner = :owner, #version = :version${inflight ? ", #inflight = :inflight" : ""}`,
        ConditionExpression: "#version = :expected AND #owner = :expectedOwner",
        ExpressionAttributeNames: { "#owner": "owner", "#version": "version", ...(inflight ? { "#inflight": "inflight" } : {}) },
        ExpressionAttributeValues: {
          ":owner": next.owner,
          ":version": next.version,
          ":expected": expected.version,
          ":expectedOwner": expected.owner,
          ...(inflight ? { ":inflight": inflight } : {}),
        },
      }),
    );
  }

  /**
   * Set (or with undefined, remove) a shard row's in-flight entry, fenced like a renewal: only
   * while the row still names `owner` at `version`. The version is left as it is, so the write
   * neither renews the lease nor looks like a renewal to the replicas timing its expiry.
   */
  async mark(leaseKey: string, owner: string, version: string, entry: InFlightEntry | undefined): Promise<boolean> {
    return this.#conditional(
      new UpdateCommand({
        TableName: this.table,
        Key: { leaseKey },
        UpdateExpression: entry === undefined ? "REMOVE #inflight" : "SET #inflight = :inflight",
        ConditionExpression: "#version = :expected AND #owner = :expectedOwner",
        ExpressionAttributeNames: { "#owner": "owner", "#version": "version", "#inflight": "inflight" },
        ExpressionAttributeValues: {
          ":expected": version,
          ":expectedOwner": owner,
          ...(entry === undefined ? {} : { ":inflight": entry }),
        },
      }),
    );
  }

  /** A replica's own heartbeat row: only it writes there, so no condition. */
  async heartbeat(leaseKey: string, owner: string, version: string): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.table, Item: { leaseKey, owner, version } }));
  }

  async #conditional(command: PutCommand | UpdateCommand): Promise<boolean> {
    try {
      await this.doc.send(command as PutCommand);
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || awsErrorName(error) === "ConditionalCheckFailedException") return false;
      throw error;
    }
  }
}
