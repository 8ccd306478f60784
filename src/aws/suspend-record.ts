import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { EcsGitopsError } from "../errors.js";
import { awsErrorName } from "./classify.js";
import { LeaseTableClient } from "./lease-store.js";

/** The row of the lease table that holds the operators' suspensions, shared by every replica. */
export const SUSPEND_RECORD_KEY = "suspend#state";

/** What the row holds: the suspend record as JSON (checked by the caller) and the version it was written with. */
export type StoredRecord = { body: string; version: string };

/**
 * The suspensions row of the lease table (src/pause/shared-suspensions.ts): one consistent read,
 * and a write that lands only on the version last read, so two replicas changing suspensions at
 * once never lose each other's change (the loser reads again and reapplies its change).
 * The row has an empty `owner` and a `version`, so the lease loop reads it as a row it never takes.
 */
export class SuspendRecordTable extends LeaseTableClient {
  /** The row, or undefined when nobody suspended anything yet. */
  async read(): Promise<StoredRecord | undefined> {
    const answer = await this.doc
      .send(new GetCommand({ TableName: this.table, Key: { leaseKey: SUSPEND_RECORD_KEY }, ConsistentRead: true }))
      .catch((error: unknown) => {
        throw this.#unavailable("read", error);
      });
    const item = answer.Item;
    if (item === undefined) return undefined;
    const body = item["record"];
    const version = item["version"];
    return { body: typeof body === "string" ? body : "", version: typeof version === "string" ? version : "" };
  }

  /** Write `body` if the row is still at `expected` (undefined: the row must not exist); false when someone wrote first. */
  async write(body: string, version: string, expected: string | undefined): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { leaseKey: SUSPEND_RECORD_KEY, owner: "", version, record: body },
          ...(expected === undefined
            ? { ConditionExpression: "attribute_not_exists(leaseKey)" }
            : { ConditionExpression: "#version = :expected", ExpressionAttributeNames: { "#version": "version" } }),
          ...(expected === undefined ? {} : { ExpressionAttributeValues: { ":expected": expected } }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || awsErrorName(error) === "ConditionalCheckFailedException") return false;
      throw this.#unavailable("write", error);
    }
  }

  #unavailable(verb: string, error: unknown): EcsGitopsError {
    return new EcsGitopsError(
      "AwsUnavailable",
      `cannot ${verb} the suspensions (row ${SUSPEND_RECORD_KEY} of DynamoDB ` +
        `table ${this.table}): ${awsErrorName(error)}; check that the table exists ` +
        `and the identity may GetItem and PutItem on it`,
      { where: this.table, cause: error },
    );
  }
}
