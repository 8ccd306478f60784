import { resourceInArn } from "../../aws/arn.js";
import { listRules, listTagsForResource, listTargetsByRule } from "../../aws/index.js";
import type { AwsClients } from "../../aws/index.js";
import { isJsonObject } from "../../json.js";
import type { JsonObject } from "../../json.js";
import { AWS_DEFAULT_EVENT_BUS, eventBusName } from "../../manifests/identity.js";
import { byName, splitNames } from "../kind-export.js";
import type { ExportSelection, KindExport } from "../kind-export.js";
import { exportScheduledRule } from "./export.js";
import type { LiveScheduledRule } from "./normalize.js";

/** `--rules` (or `--all-rules` running tasks on `--cluster`) of `--event-bus`, one folder each. */
export const scheduledRuleExport: KindExport = {
  async read({ aws, selection, warn }) {
    const bus = eventBusName(selection.eventBus ?? AWS_DEFAULT_EVENT_BUS);
    return (await readRules(aws, selection, warn)).map((live) => {
      const name = String(live.rule["Name"]);
      return {
        key: `ScheduledRule/${bus}/${name}`,
        file: `${name}/scheduled-rule.yaml`,
        source: `Exported from ${String(live.rule["Arn"])}`,
        taskDefinitionArns: live.targets.flatMap((t) =>
          isJsonObject(t["EcsParameters"]) ? [String(t["EcsParameters"]["TaskDefinitionArn"] ?? "")] : [],
        ),
        folder: name,
        manifest: (reference) => {
          const exported = exportScheduledRule(live, { taskDefinition: reference });
          for (const skipped of exported.skippedTargets)
            warn(
              `rule ${name}: target ${skipped.id} (${skipped.arn}) is not an ECS task ` +
                `and is not exported; applying the rule would remove it`,
            );
          return exported;
        },
      };
    });
  },
};

/** Rules with their targets and tags: those named, or with --all-rules those running tasks on the cluster. */
async function readRules(aws: AwsClients, flags: ExportSelection, warn: (text: string) => void): Promise<LiveScheduledRule[]> {
  const names = splitNames(flags.rules);
  if (names === undefined && flags.allRules !== true) return [];
  const bus = flags.eventBus ?? AWS_DEFAULT_EVENT_BUS;
  const listed = await listRules(aws, bus);
  const named = new Map(listed.map((r) => [String(r["Name"]), r]));
  const missing = (names ?? []).filter((n) => !named.has(n));
  if (missing.length > 0) throw new Error(`no such rule on event bus "${bus}": ${missing.join(", ")}`);
  const out: LiveScheduledRule[] = [];
  for (const rule of names === undefined ? listed : names.map((n) => named.get(n) as JsonObject)) {
    const name = String(rule["Name"]);
    if (typeof rule["ManagedBy"] === "string" && rule["ManagedBy"] !== "") {
      if (names !== undefined) warn(`rule ${name} is managed by ${rule["ManagedBy"]}: skipped`);
      continue;
    }
    const targets = await listTargetsByRule(aws, bus, name);
    const ecsTargets = targets.filter((t) => isJsonObject(t["EcsParameters"]));
    if (ecsTargets.length === 0) {
      if (names !== undefined) warn(`rule ${name} has no ECS task target: skipped`);
      continue;
    }
    if (names === undefined && !ecsTargets.some((t) => resourceInArn(String(t["Arn"]), "ecs", "cluster") === flags.cluster)) continue;
    const tags = typeof rule["Arn"] === "string" ? await listTagsForResource(aws, rule["Arn"]) : [];
    out.push({ rule, targets, tags });
  }
  return out.sort((a, b) => byName("Name")(a.rule, b.rule));
}
