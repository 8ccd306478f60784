import { clusterName } from "../../manifests/identity.js";
import { isJsonObject } from "../../json.js";
import type { JsonObject, JsonPath } from "../../json.js";
import { manifestSpecHash } from "../common/spec-hash.js";
import { tagListToMap } from "../common/tags.js";
import { callsOf, maybe, stringOrUndefined, taskDefinitionReferences, NO_ROLLOUT } from "../kind-plugin.js";
import type { KindPlugin } from "../kind-plugin.js";
import { planScheduledRule } from "./plan.js";
import { validateScheduledRule } from "./validate.js";
import { ruleRuntime } from "./runtime.js";
import { scheduledRulePrune } from "./prune.js";
import { SCHEDULED_RULE_WRITES } from "./writes.js";

function targets(spec: Record<string, unknown>): Record<string, unknown>[] {
  const list = spec["targets"];
  return Array.isArray(list) ? list.filter(isJsonObject) : [];
}

function referencePaths(spec: JsonObject): JsonPath[] {
  const list = spec["targets"];
  if (!Array.isArray(list)) return [];
  return list.flatMap((t, i) => (isJsonObject(t) && typeof t["taskDefinition"] === "string" ? [["targets", i, "taskDefinition"]] : []));
}

/** An EventBridge rule that runs ECS tasks: rule, targets and tags are written separately. */
export const scheduledRulePlugin = {
  kind: "ScheduledRule",
  planOrder: 2,
  validate: validateScheduledRule,
  // EventBridge keeps a target's ARN as written and resolves it on every run: no latest to follow.
  ...taskDefinitionReferences(referencePaths, false),
  clusters: (manifest, defaultCluster) =>
    targets(manifest.spec).map((t) => (typeof t["cluster"] === "string" ? clusterName(t["cluster"]) : (defaultCluster ?? "default"))),
  arn: (manifest, live) => stringOrUndefined(live.rules.get(manifest.key)?.rule["Arn"]),
  tags: (manifest, live) => maybe(live.rules.get(manifest.key), (rule) => tagListToMap(rule.tags)),
  specHash: manifestSpecHash,
  health: (manifest, live) => {
    const rule = live.rules.get(manifest.key);
    return rule ? { health: "Healthy", message: String(rule.rule["State"] ?? "") } : { health: "Missing", message: "rule does not exist" };
  },
  ...NO_ROLLOUT,
  // Imported on first use: the commit-load worker imports the plug-ins, and must not load the SDK.
  readLive: async (manifests, io) => ({ rules: await (await import("./read.js")).readRules(manifests, io) }),
  revisionsInUse: (manifest, live) =>
    (live.rules.get(manifest.key)?.targets ?? []).flatMap((target) => {
      const arn = isJsonObject(target["EcsParameters"]) ? target["EcsParameters"]["TaskDefinitionArn"] : undefined;
      return typeof arn === "string" ? [arn] : [];
    }),
  plan: (manifest, live, ctx) => ({ action: planScheduledRule(manifest, live.rules.get(manifest.key), ctx) }),
  residueChanges: () => undefined,
  prune: scheduledRulePrune,
  runtime: (key, live) => maybe(live.rules.get(key), (rule) => ({ rule: ruleRuntime(rule) })),
  // Imported on first use: the commit-load worker loads the plug-ins and must not load the AWS SDK.
  export: { read: async (io) => (await import("./export-read.js")).scheduledRuleExport.read(io) },
  calls: callsOf("events", { "events:api": ["ListRules", "DescribeRule", "ListTargetsByRule", "ListTagsForResource"] }),
  writes: SCHEDULED_RULE_WRITES,
  operations: undefined,
} as const satisfies KindPlugin<"ScheduledRule">;
