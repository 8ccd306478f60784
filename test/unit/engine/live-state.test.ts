import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LiveReader } from "../../../src/engine/live-state.js";
import { assertAllCalled, aws, fakeClients, isolateNetwork, replyJson, restoreNetwork } from "../../aws/aws-nock.js";
import { manifestOf } from "../resources/builders.js";

beforeAll(isolateNetwork);
afterEach(assertAllCalled);
afterAll(restoreNetwork);

// Any request nock was not told about fails the test (no network), so each test lists exactly the
// calls a snapshot may make.

const ACCOUNT = "111122223333";
const RULE_ARN = `arn:aws:events:us-east-1:${ACCOUNT}:rule/nightly`;
const rule = manifestOf("ScheduledRule", "nightly", { scheduleExpression: "rate(1 day)", targets: [] });
const web = manifestOf("TaskDefinition", "web", { containerDefinitions: [{ name: "web", image: "nginx:1", memory: 128 }] });
const shopService = manifestOf("Service", "web", { cluster: "shop", taskDefinition: "web:3", desiredCount: 1 });
const HOUR_MS = 3_600_000;

function clock(startMs = 1_000_000) {
  let now = startMs;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const revisionOf = (n: number) => ({
  taskDefinitionArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/web:${n}`,
  family: "web",
  revision: n,
  status: "ACTIVE",
  containerDefinitions: [{ name: "web", image: "nginx:1", memory: 128 }],
});

function listRuleOnce(): void {
  replyJson(aws("events", "ListRules"), {
    Rules: [{ Name: "nightly", Arn: RULE_ARN, ScheduleExpression: "rate(1 day)", State: "ENABLED" }],
  });
  replyJson(aws("events", "ListTargetsByRule"), { Targets: [] });
}

describe("LiveReader caches", () => {
  it("reads a rule's tags once, keeps them current through our own tag writes, and reads them again after refreshMs", async () => {
    const time = clock();
    const reader = new LiveReader(fakeClients(), { refreshMs: HOUR_MS, now: time.now, random: () => 0.5 });
    listRuleOnce();
    replyJson(aws("events", "ListTagsForResource"), { Tags: [{ Key: "ecs-gitops:owner", Value: "ecs-gitops" }] });
    const first = await reader.snapshot([rule], { defaultCluster: undefined });
    expect(first.rules.get(rule.key)?.tags).toEqual([{ Key: "ecs-gitops:owner", Value: "ecs-gitops" }]);

    reader.recordWrite({ operation: "events:TagResource", input: { ResourceARN: RULE_ARN, Tags: [{ Key: "team", Value: "shop" }] } }, {});
    listRuleOnce();
    const second = await reader.snapshot([rule], { defaultCluster: undefined });
    expect(second.rules.get(rule.key)?.tags).toEqual([
      { Key: "ecs-gitops:owner", Value: "ecs-gitops" },
      { Key: "team", Value: "shop" },
    ]);

    time.advance(HOUR_MS + 1);
    listRuleOnce();
    replyJson(aws("events", "ListTagsForResource"), { Tags: [] });
    const third = await reader.snapshot([rule], { defaultCluster: undefined });
    expect(third.rules.get(rule.key)?.tags).toEqual([]);
  });

  it("takes the tags of a rule it created from its own PutRule", async () => {
    const reader = new LiveReader(fakeClients());
    reader.recordWrite(
      { operation: "events:PutRule", input: { Name: "nightly", Tags: [{ Key: "ecs-gitops:owner", Value: "ecs-gitops" }] } },
      { RuleArn: RULE_ARN },
    );
    listRuleOnce();
    const snapshot = await reader.snapshot([rule], { defaultCluster: undefined });
    expect(snapshot.rules.get(rule.key)?.tags).toEqual([{ Key: "ecs-gitops:owner", Value: "ecs-gitops" }]);
    expect(reader.accountId).toBe(ACCOUNT);
  });

  it("asks DescribeClusters at most once while the account id stays unknown", async () => {
    const reader = new LiveReader(fakeClients());
    const missing = { services: [], failures: [{ arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/shop/web`, reason: "MISSING" }] };
    replyJson(aws("ecs", "DescribeServices").times(2), missing);
    replyJson(aws("ecs", "DescribeClusters"), { clusters: [], failures: [{ arn: "shop", reason: "MISSING" }] });
    await reader.snapshot([shopService], { defaultCluster: undefined });
    await reader.snapshot([shopService], { defaultCluster: undefined });
    expect(reader.accountId).toBeUndefined();
  });

  it("knows a revision it registered without describing it, as the family's latest", async () => {
    const reader = new LiveReader(fakeClients());
    reader.recordWrite(
      { operation: "ecs:RegisterTaskDefinition", input: { family: "web", tags: [{ key: "ecs-gitops:owner", value: "ecs-gitops" }] } },
      { taskDefinition: revisionOf(3) },
    );
    const snapshot = await reader.snapshot([web], { defaultCluster: undefined });
    expect(snapshot.revisions.get("web")?.map((r) => [r.arn, r.tags])).toEqual([
      [revisionOf(3).taskDefinitionArn, { "ecs-gitops:owner": "ecs-gitops" }],
    ]);
    expect(snapshot.latestKnown.has("web")).toBe(true);
  });

  it("describes an unused family's latest revision once per refreshMs", async () => {
    const time = clock();
    const reader = new LiveReader(fakeClients(), { refreshMs: HOUR_MS, now: time.now, random: () => 0.5 });
    replyJson(aws("ecs", "DescribeTaskDefinition"), { taskDefinition: revisionOf(4), tags: [] });
    await reader.snapshot([web], { defaultCluster: undefined });
    const cached = await reader.snapshot([web], { defaultCluster: undefined });
    expect(cached.revisions.get("web")?.[0]?.revision).toBe(4);
    time.advance(HOUR_MS * 2);
    replyJson(aws("ecs", "DescribeTaskDefinition"), { taskDefinition: revisionOf(5), tags: [] });
    const refreshed = await reader.snapshot([web], { defaultCluster: undefined });
    expect(refreshed.revisions.get("web")?.map((r) => r.revision)).toEqual([5]);
  });

  it("updates a cached revision's tags after our own TagResource and UntagResource, without a describe", async () => {
    const reader = new LiveReader(fakeClients());
    const arn = revisionOf(3).taskDefinitionArn;
    reader.recordWrite(
      {
        operation: "ecs:RegisterTaskDefinition",
        input: {
          family: "web",
          tags: [
            { key: "a", value: "1" },
            { key: "b", value: "2" },
          ],
        },
      },
      { taskDefinition: revisionOf(3) },
    );
    reader.recordWrite({ operation: "ecs:TagResource", input: { resourceArn: arn, tags: [{ key: "a", value: "9" }] } }, {});
    reader.recordWrite({ operation: "ecs:UntagResource", input: { resourceArn: arn, tagKeys: ["b"] } }, {});
    const snapshot = await reader.snapshot([web], { defaultCluster: undefined });
    expect(snapshot.revisions.get("web")?.[0]?.tags).toEqual({ a: "9" });
  });
});
