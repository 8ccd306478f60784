import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { applyPrune } from "../../src/engine/prune/apply.js";
import type { DeleteAction } from "../../src/engine/prune/types.js";
import { ACCOUNT, assertAllCalled, aws, fakeClients, isolateNetwork, replyError, replyJson, restoreNetwork } from "./aws-nock.js";
import type { RequestBody } from "./aws-nock.js";

// A rollout that never scales down and a delete AWS refuses are faults moto cannot make.
const ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}:service/shop/old`;
const tags = (extra: { key: string; value: string }[] = []) => [
  { key: "ecs-gitops:owner", value: "ecs-gitops" },
  { key: "ecs-gitops:source", value: "github.com/acme/deploy//old/service.yaml" },
  ...extra,
];
const described = (status: string, extraTags: { key: string; value: string }[] = []) => ({
  services: [{ serviceName: "old", serviceArn: ARN, status, desiredCount: 2, tags: tags(extraTags) }],
  failures: [],
});
const action: DeleteAction = {
  type: "delete",
  key: "Service/shop/old",
  kind: "Service",
  changes: [],
  calls: [
    { operation: "ecs:UpdateService", input: { cluster: "shop", service: "old", desiredCount: 0 } },
    { operation: "ecs:DeleteService", input: { cluster: "shop", service: "old" } },
  ],
};
const options = { owner: "ecs-gitops", repo: "github.com/acme/deploy", pollMs: 1, drainTimeoutMs: 1_000 };

describe("prune of a service (AWS wire format)", () => {
  beforeAll(isolateNetwork);
  afterEach(assertAllCalled);
  afterAll(restoreNetwork);

  it("retries DeleteService with force only when the resource's prune tag asks for it", async () => {
    const sent: RequestBody[] = [];
    replyJson(aws("ecs", "DescribeServices"), described("ACTIVE", [{ key: "ecs-gitops:prune", value: "force" }]));
    replyJson(aws("ecs", "UpdateService"), { service: {} });
    replyError(
      aws("ecs", "DeleteService", (b) => b["force"] === undefined),
      400,
      "InvalidParameterException",
      "tasks still running",
    );
    replyJson(
      aws("ecs", "DeleteService", (b) => (sent.push(b), b["force"] === true)),
      { service: { status: "DRAINING" } },
    );
    replyJson(aws("ecs", "DescribeServices"), described("DRAINING"));
    const [outcome] = await applyPrune(fakeClients({ maxAttempts: 1 }), [action], options);
    expect(outcome).toMatchObject({ outcome: "deleted", calls: ["ecs:UpdateService", "ecs:DeleteService"] });
    expect(sent).toEqual([{ cluster: "shop", service: "old", force: true }]);
  });

  it("without the tag a refused delete stays refused: no force", async () => {
    replyJson(aws("ecs", "DescribeServices"), described("ACTIVE"));
    replyJson(aws("ecs", "UpdateService"), { service: {} });
    replyError(aws("ecs", "DeleteService"), 400, "InvalidParameterException", "tasks still running");
    const [outcome] = await applyPrune(fakeClients({ maxAttempts: 1 }), [action], options);
    expect(outcome).toMatchObject({ outcome: "failed" });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("tells every write tried, a failed one too (it may have landed: whoever caches what it changed reads again)", async () => {
    replyJson(aws("ecs", "DescribeServices"), described("ACTIVE"));
    replyJson(aws("ecs", "UpdateService"), { service: {} });
    replyError(aws("ecs", "DeleteService"), 500, "ServerException", "lost in the back end");
    const told: [string, string, boolean][] = [];
    const [outcome] = await applyPrune(fakeClients({ maxAttempts: 1 }), [action], {
      ...options,
      onWrite: (key, call, failed) => told.push([key, call.operation, failed]),
    });
    expect(outcome).toMatchObject({ outcome: "failed", calls: [] });
    expect(told).toEqual([
      ["Service/shop/old", "ecs:UpdateService", false],
      ["Service/shop/old", "ecs:DeleteService", true],
    ]);
  });

  it("waits until DescribeServices reports DRAINING or INACTIVE", async () => {
    replyJson(aws("ecs", "DescribeServices"), described("ACTIVE"));
    replyJson(aws("ecs", "UpdateService"), { service: {} });
    replyJson(aws("ecs", "DeleteService"), { service: { status: "ACTIVE" } });
    replyJson(aws("ecs", "DescribeServices"), described("ACTIVE"));
    replyJson(aws("ecs", "DescribeServices"), described("DRAINING"));
    const [outcome] = await applyPrune(fakeClients({ maxAttempts: 1 }), [action], options);
    expect(outcome).toMatchObject({ outcome: "deleted" });
  });

  it("a service retagged by someone else since the plan is not touched", async () => {
    replyJson(aws("ecs", "DescribeServices"), {
      services: [
        { serviceName: "old", serviceArn: ARN, status: "ACTIVE", desiredCount: 2, tags: [{ key: "ecs-gitops:owner", value: "team-x" }] },
      ],
      failures: [],
    });
    const [outcome] = await applyPrune(fakeClients({ maxAttempts: 1 }), [action], options);
    expect(outcome).toMatchObject({ outcome: "failed", error: { code: "NotOwned" } });
  });
});
