import { AccessDeniedException, ResourceNotFoundException } from "@aws-sdk/client-eventbridge";
import { describe, expect, it } from "vitest";
import type { AwsClients } from "../../../../src/aws/index.js";
import type { PruneReadIo } from "../../../../src/resources/kind-prune.js";
import { readBusRules } from "../../../../src/resources/scheduled-rule/prune-io.js";
import { OWNER_TAG } from "../../../../src/resources/types.js";

/*
 * A bus's rules as the reconcile wave listed them can name a rule deleted since (by hand, by
 * another replica, by a delete of ours whose answer was lost). AWS then answers the reads of
 * that rule with ResourceNotFoundException: the rule is gone, not an orphan and not an error.
 */

const arnOf = (name: string) => `arn:aws:events:us-east-1:123456789012:rule/${name}`;
const OWNED = [{ Key: OWNER_TAG, Value: "ecs-gitops" }];
const missing = (name: string) =>
  new ResourceNotFoundException({ message: `Rule ${name} does not exist on EventBus default.`, $metadata: {} });

type Answer = (input: Record<string, unknown>) => unknown;

/** Events clients answering per command name, as the SDK's command classes are named. */
function ioOf(listed: string[], answers: Record<string, Answer>): PruneReadIo {
  const send = async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const answer = answers[command.constructor.name];
    if (answer === undefined) throw new Error(`unexpected ${command.constructor.name}`);
    return answer(command.input);
  };
  return {
    aws: { events: { send } } as unknown as AwsClients,
    named: new Set(),
    keep: () => 10,
    earlier: [],
    memo: new Map(),
    rulesListed: () => listed.map((name) => ({ Name: name, Arn: arnOf(name) })),
    relist: false,
    pass: 1,
    read: (call) => call(),
  };
}

describe("readBusRules over a listing made earlier", () => {
  it("leaves out a rule whose tags or targets AWS no longer finds", async () => {
    const io = ioOf(["kept", "no-tags", "no-targets"], {
      ListTagsForResourceCommand: (input) => {
        if (input["ResourceARN"] === arnOf("no-tags")) throw missing("no-tags");
        return { Tags: OWNED };
      },
      ListTargetsByRuleCommand: (input) => {
        // Deleted between the read of its tags and the read of its targets.
        if (input["Rule"] === "no-targets") throw missing("no-targets");
        return { Targets: [{ Id: "run", Arn: "arn:aws:ecs:us-east-1:123456789012:cluster/shop" }] };
      },
    });
    const rules = await readBusRules(["default"], io);
    expect(rules.map((r) => r.key)).toEqual(["ScheduledRule/default/kept"]);
    expect(rules[0]?.detail.targetIds).toEqual(["run"]);
  });

  it("any other failure still fails the read, naming the rule and the call", async () => {
    const io = ioOf(["kept"], {
      ListTagsForResourceCommand: () => {
        throw new AccessDeniedException({ message: "not allowed", $metadata: {} });
      },
    });
    await expect(readBusRules(["default"], io)).rejects.toThrow(/rule\/kept \(events:ListTagsForResource\)/);
  });
});
