import { DescribeRuleCommand, ListRulesCommand, ListTagsForResourceCommand, ListTargetsByRuleCommand } from "@aws-sdk/client-eventbridge";
import type { JsonObject } from "../json.js";
import { classifyAwsError } from "./classify.js";
import type { AwsClients } from "./clients.js";
import { listAll, readOrMissing } from "./paginate.js";
import { toPlainObject } from "./plain-json.js";

// Results are in the API's own PascalCase shape (`Name`, `ScheduleExpression`, `Targets[].Id`).

/** ListRules and ListTargetsByRule return at most 100 per page (docs/normalization.md#eventbridge-limits). */
const PAGE_LIMIT = 100;

/** Every rule on a bus whose name starts with `namePrefix` (all pages). ListRules carries no tags. */
export async function listRules(clients: AwsClients, bus: string, namePrefix?: string): Promise<JsonObject[]> {
  const where = `event bus ${bus} rules${namePrefix === undefined ? "" : ` "${namePrefix}*"`} (events:ListRules)`;
  const list = () =>
    listAll(where, async (NextToken) => {
      const page = await clients.events.send(
        new ListRulesCommand({ EventBusName: bus, NamePrefix: namePrefix, Limit: PAGE_LIMIT, NextToken }),
      );
      return { items: (page.Rules ?? []).map(toPlainObject), nextToken: page.NextToken };
    });
  return namePrefix === undefined && clients.listRulesVia !== undefined ? clients.listRulesVia(bus, list) : list();
}

/** The rule (DescribeRule's answer), or undefined if the rule (or its bus) does not exist. */
export async function describeRule(clients: AwsClients, bus: string, name: string): Promise<JsonObject | undefined> {
  const found = await readOrMissing(`ScheduledRule/${bus}/${name} (events:DescribeRule)`, () =>
    clients.events.send(new DescribeRuleCommand({ EventBusName: bus, Name: name })),
  );
  return found && toPlainObject(found);
}

/** Every target of a rule (all pages). A missing rule is a `NotFound` error: describe it first. */
export async function listTargetsByRule(clients: AwsClients, bus: string, rule: string): Promise<JsonObject[]> {
  const where = `ScheduledRule/${bus}/${rule} (events:ListTargetsByRule)`;
  return listAll(where, async (NextToken) => {
    const page = await clients.events.send(new ListTargetsByRuleCommand({ EventBusName: bus, Rule: rule, Limit: PAGE_LIMIT, NextToken }));
    return { items: (page.Targets ?? []).map(toPlainObject), nextToken: page.NextToken };
  });
}

/** A rule's (or bus's) tags as `[{ Key, Value }]`; ListRules and DescribeRule do not return them. */
export async function listTagsForResource(clients: AwsClients, arn: string): Promise<JsonObject[]> {
  try {
    const response = await clients.events.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
    return (response.Tags ?? []).map(toPlainObject);
  } catch (error) {
    throw classifyAwsError(error, `${arn} (events:ListTagsForResource)`);
  }
}
