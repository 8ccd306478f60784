import { accountIdFromArn } from "../../aws/arn.js";
import { isJsonObject } from "../../json.js";
import { kindWrite, stringAt, stringsAt } from "../kind-writes.js";
import type { KindWrites, SentWrite, WriteCache, WriteStaleness } from "../kind-writes.js";
import { busOf } from "./bus.js";

/** Drops the cached tags of the rule `call` names (by `Name` or `Rule`): they are read again by the next plan. */
function forgetRuleTags(cache: WriteCache, call: SentWrite): void {
  const name = stringAt(call.input, "Name") ?? stringAt(call.input, "Rule");
  if (name === undefined) return;
  const bus = busOf(call.input["EventBusName"]);
  for (const [arn, cached] of cache.ruleTags) if (cached.bus === bus && cached.name === name) cache.ruleTags.delete(arn);
}

/** A rule write refused or failed: its tags (ownership) are read again by the next plan. */
const FAILED_FORGETS = { failed: forgetRuleTags } as const satisfies WriteStaleness;

/** A tag write keeps the rule's cached tags true. */
const RETAGS = {
  written: (cache, call) => {
    const arn = stringAt(call.input, "ResourceARN");
    const cached = arn === undefined ? undefined : cache.ruleTags.get(arn);
    if (arn === undefined || cached === undefined) return;
    const added = Array.isArray(call.input["Tags"]) ? call.input["Tags"].filter(isJsonObject) : [];
    const removed = new Set([...stringsAt(call.input, "TagKeys"), ...added.map((t) => t["Key"])]);
    cache.ruleTags.set(arn, { ...cached, tags: [...cached.tags.filter((t) => !removed.has(t["Key"] ?? null)), ...added] });
  },
} as const satisfies WriteStaleness;

/** EventBridge replaces a rule and its targets by name and id, so each of a rule's writes may be sent again. */
const ruleWrite = (stale: WriteStaleness) => kindWrite("events:api", "resend", stale);

/** A scheduled rule's writes. */
export const SCHEDULED_RULE_WRITES = {
  "events:PutRule": ruleWrite({
    written: (cache, call, output) => {
      const arn = stringAt(output, "RuleArn");
      if (arn === undefined) return;
      cache.accountId ??= accountIdFromArn(arn);
      // Tags go only with the PutRule that creates a rule: then they are all the rule has.
      if (Array.isArray(call.input["Tags"]))
        cache.ruleTags.set(arn, {
          bus: busOf(call.input["EventBusName"]),
          name: stringAt(call.input, "Name") ?? "",
          tags: call.input["Tags"].filter(isJsonObject),
          expiresAt: cache.expiry(),
        });
    },
    ...FAILED_FORGETS,
  }),
  "events:PutTargets": ruleWrite(FAILED_FORGETS),
  "events:RemoveTargets": ruleWrite(FAILED_FORGETS),
  "events:DeleteRule": ruleWrite({ written: forgetRuleTags, failed: forgetRuleTags }),
  "events:TagResource": ruleWrite(RETAGS),
  "events:UntagResource": ruleWrite(RETAGS),
} as const satisfies KindWrites;
