import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isCheckedBeforeRetry } from "../../src/aws/landed-check.js";
import { isSdkOperation } from "../../src/aws/sdk-command.js";
import { executeCall } from "../../src/aws/write.js";
import { registerWriteRetries } from "../../src/aws/write-retry.js";
import { KIND_PLUGINS } from "../../src/resources/registry.js";
import { KINDS } from "../../src/manifests/types.js";
import { assertAllCalled, aws, fakeClients, failure, isolateNetwork, replyError, replyJson, restoreNetwork } from "./aws-nock.js";

beforeAll(isolateNetwork);
afterEach(assertAllCalled);
afterAll(restoreNetwork);

// Writes no built-in kind declares: what a new kind on a known API would send.
const CLUSTER_ARN = "arn:aws:ecs:us-east-1:111122223333:cluster/batch";

describe("a kind's writes, sent by name", () => {
  it("sends a write no kind declares as its SDK command with the input as it stands (no line in src/aws)", async () => {
    let sent: unknown;
    replyJson(
      aws("ecs", "CreateCluster", (body) => {
        sent = body;
        return true;
      }),
      { cluster: { clusterArn: CLUSTER_ARN } },
    );
    const clients = fakeClients();
    await expect(executeCall(clients, { operation: "ecs:CreateCluster", input: { clusterName: "batch" } })).resolves.toEqual({
      cluster: { clusterArn: CLUSTER_ARN },
    });
    expect(sent).toEqual({ clusterName: "batch" });
    expect(clients.calls.snapshot().byOperation["ecs:CreateCluster"]).toMatchObject({ kind: "write", calls: 1, attempts: 1 });
  });

  it("never sends twice a write declared check-landed that src/aws has no check for; sends a resend write again", async () => {
    registerWriteRetries("Throwaway", { "ecs:PutAccountSetting": "check-landed", "ecs:PutAccountSettingDefault": "resend" });
    const clients = fakeClients({ maxAttempts: 3 });
    replyError(aws("ecs", "PutAccountSetting"), 500, "ServerException", "Internal error");
    const once = await failure(
      executeCall(clients, { operation: "ecs:PutAccountSetting", input: { name: "tagResourceAuthorization", value: "on" } }),
    );
    expect(once.code).toBe("AwsUnavailable");
    replyError(aws("ecs", "PutAccountSettingDefault").times(2), 500, "ServerException", "Internal error");
    replyJson(aws("ecs", "PutAccountSettingDefault"), { setting: {} });
    await executeCall(clients, { operation: "ecs:PutAccountSettingDefault", input: { name: "tagResourceAuthorization", value: "on" } });
    const stats = clients.calls.snapshot().byOperation;
    expect([stats["ecs:PutAccountSetting"]?.attempts, stats["ecs:PutAccountSettingDefault"]?.attempts]).toEqual([1, 3]);
  });

  it("declares check-landed exactly the built-in writes src/aws checks before a retry, each an SDK command it can send", async () => {
    for (const kind of KINDS)
      for (const [operation, write] of Object.entries(KIND_PLUGINS[kind].writes)) {
        expect([kind, operation, await isSdkOperation(operation)]).toEqual([kind, operation, true]);
        expect([kind, operation, write.retry]).toEqual([kind, operation, isCheckedBeforeRetry(operation) ? "check-landed" : "resend"]);
      }
  });
});
