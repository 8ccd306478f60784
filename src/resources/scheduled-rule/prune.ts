import type { KindPrune } from "../kind-prune.js";
import { busOf } from "./bus.js";
import { AWS_DEFAULT_EVENT_BUS } from "../../manifests/identity.js";
import { orphanDeletes, prunes, RUNNER_PRUNE } from "../kind-prune.js";

/** What a rule's delete steps need. */
export type RulePruneDetail = { bus: string; name: string; targetIds: string[] };

/**
 * A rule is pruned by removing its targets, then the rule (EventBridge refuses to delete a rule
 * with targets), in the first stage: the revisions its targets ran go after it.
 */
export const scheduledRulePrune: KindPrune = prunes<RulePruneDetail>({
  scope: (manifest) => [busOf(manifest.spec["eventBusName"])],
  defaultScope: () => [AWS_DEFAULT_EVENT_BUS],
  formerScopeField: "buses",
  ...RUNNER_PRUNE,
  // Imported on first use: the commit-load worker loads the plug-ins and must not load the AWS SDK.
  inventory: async (scope, io) => (await import("./prune-io.js")).readBusRules(scope, io),
  plan: (live, io) =>
    orphanDeletes(live, io, ({ arn, detail: { bus, name, targetIds } }) => ({
      calls: [
        ...(targetIds.length > 0
          ? [{ operation: "events:RemoveTargets" as const, input: { Rule: name, EventBusName: bus, Ids: targetIds } }]
          : []),
        { operation: "events:DeleteRule", input: { Name: name, EventBusName: bus } },
      ],
      guard: { resource: "rule", arn: arn ?? "", expect: "owned", owner: io.owner, repo: io.repo, adopt: false },
    })),
  remove: async (action, io) => (await import("./prune-io.js")).removeRule(action, io),
});
