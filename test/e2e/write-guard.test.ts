import type { ECSClient } from "@aws-sdk/client-ecs";
import { DescribeTaskDefinitionCommand, TagResourceCommand } from "@aws-sdk/client-ecs";
import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from "@aws-sdk/client-eventbridge";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { callsBetween, WaveHarness } from "../../bench/harness.js";
import { destroyAwsClients } from "../../src/aws/index.js";
import type { AwsClients } from "../../src/aws/index.js";
import { editFile } from "./desired-repo.js";
import { MOTO_REGION } from "./moto.js";
import { examplesAccount } from "../support/examples-account.js";
import type { ExamplesAccount } from "../support/examples-account.js";
import { motoClients } from "./moto-clients.js";

const endpoint = inject("motoEndpoint");
const RULE = "nightly-report";
const KEY = `ScheduledRule/default/${RULE}`;

/**
 * Rule tags are cached between resyncs (one ListTagsForResource per rule would dominate a no-op
 * resync). Another team deletes our rule and makes its own under the same name: the controller
 * still believes the rule is its own, and must nevertheless never write it.
 */
describe("ownership read right before a write", () => {
  let account: ExamplesAccount;
  let aws: AwsClients;
  let ecs: ECSClient;
  let events: EventBridgeClient;
  let harness: WaveHarness;
  let dir: string;

  beforeAll(async () => {
    account = await examplesAccount(endpoint);
    ({ ecs, events, dir } = account);
    aws = motoClients(endpoint, account.accountId);
    harness = new WaveHarness({ aws, region: MOTO_REGION });
  });

  afterAll(async () => {
    await harness?.stop();
    if (aws) destroyAwsClients(aws);
    account?.destroy();
  });

  async function theirRule() {
    const rule = await events.send(new DescribeRuleCommand({ Name: RULE }));
    const targets = (await events.send(new ListTargetsByRuleCommand({ Rule: RULE }))).Targets ?? [];
    const tags = (await events.send(new ListTagsForResourceCommand({ ResourceARN: rule.Arn }))).Tags ?? [];
    return { schedule: rule.ScheduleExpression, description: rule.Description, targets: targets.map((t) => t.Id), tags };
  }

  it("a rule recreated by another team under our name is never written, whatever git says; the key is blocked as NotOwned", async () => {
    const loaded = await harness.load(dir, "commit-1");
    expect((await harness.sync(loaded.keys)).failed).toEqual([]);

    // The other team: delete ours, create theirs with the same name, their schedule and target.
    await events.send(new RemoveTargetsCommand({ Rule: RULE, Ids: ["report"] }));
    await events.send(new DeleteRuleCommand({ Name: RULE }));
    await events.send(
      new PutRuleCommand({
        Name: RULE,
        ScheduleExpression: "rate(7 days)",
        State: "ENABLED",
        Description: "payments export",
        Tags: [{ Key: "team", Value: "payments" }],
      }),
    );
    await events.send(
      new PutTargetsCommand({ Rule: RULE, Targets: [{ Id: "export", Arn: "arn:aws:sqs:us-east-1:000000000000:payments" }] }),
    );
    const before = await theirRule();

    // A commit changes our rule: a deploy, which would send PutRule, PutTargets and RemoveTargets.
    await editFile(dir, "nightly-report/scheduled-rule.yaml", (t) => t.replace("cron(0 3 * * ? *)", "cron(0 4 * * ? *)"));
    const changed = await harness.load(dir, "commit-2");
    const calls = harness.calls();
    const run = await harness.sync(changed.keys);
    expect(run.failed).toEqual([KEY]);
    expect(harness.status.get(KEY)?.lastError?.code).toBe("NotOwned");
    const spent = callsBetween(calls, harness.calls());
    expect(Object.keys(spent).filter((op) => op.startsWith("events:") && !/:(Describe|List)/.test(op))).toEqual([]);
    expect(await theirRule()).toEqual(before);

    // The next reconcile reads the rule's tags again and plans it as someone else's: still no write.
    const again = harness.calls();
    await harness.sync([KEY]);
    expect(harness.status.get(KEY)?.lastError?.code).toBe("NotOwned");
    expect(
      Object.keys(callsBetween(again, harness.calls())).filter((op) => op.startsWith("events:") && !/:(Describe|List)/.test(op)),
    ).toEqual([]);
    expect(await theirRule()).toEqual(before);
  });

  it("a revision retagged by hand as another team's is not retagged back, although its cached tags say ours", async () => {
    const family = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "worker", include: ["TAGS"] }));
    const arn = family.taskDefinition?.taskDefinitionArn;
    await ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: "ecs-gitops:owner", value: "payments" }] }));
    // A label change in git: the content still matches that revision, so only its tags would
    // change (a label is not content: with self-heal on, the tag difference is written).
    await editFile(dir, "worker/task-definition.yaml", (t) => t.replace(/team: \S+/, "team: shop-ops"));
    const loaded = await harness.load(dir, "commit-3");
    harness.reconciler.updateSettings({ selfHeal: true });
    expect(loaded.keys).toContain("TaskDefinition/worker");
    for (let round = 0; round < 2; round += 1) {
      const calls = harness.calls();
      await harness.sync(["TaskDefinition/worker"]);
      expect(harness.status.get("TaskDefinition/worker")?.lastError?.code).toBe("NotOwned");
      expect(Object.keys(callsBetween(calls, harness.calls())).filter((op) => /Tag|Register/.test(op) && !op.includes("List"))).toEqual([]);
    }
    const tags = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ["TAGS"] }))).tags;
    expect(tags).toContainEqual({ key: "ecs-gitops:owner", value: "payments" });
  });
});
