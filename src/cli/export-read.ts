import { parseTaskDefinitionArn } from "../aws/arn.js";
import {
  describeCluster,
  describeClusterServices,
  describeServices,
  describeTaskDefinition,
  listRules,
  listTagsForResource,
  listTargetsByRule,
} from "../aws/index.js";
import type { AwsClients } from "../aws/index.js";
import { isJsonObject } from "../json.js";
import type { JsonObject } from "../json.js";
import { AWS_DEFAULT_EVENT_BUS } from "../manifests/identity.js";
import type { LiveScheduledRule } from "../resources/scheduled-rule/normalize.js";

/** What `export` reads from AWS: the services, rules and revisions it writes manifests for. */

/** How an exported resource names its task definition, with a review note when it is pinned. */
export type TaskDefinitionReference = { ref: string; review?: string };

/** Which rules `export` takes: `--rules` names, or `--all-rules` on `cluster`. */
export type RuleSelection = { cluster: string; rules?: string | undefined; allRules?: boolean | undefined; eventBus?: string | undefined };

/** The services to export, described with tags; any named one that does not exist is an error. */
export async function readServices(aws: AwsClients, cluster: string, names: string[] | undefined): Promise<JsonObject[]> {
  const listed = names === undefined ? await describeClusterServices(aws, cluster) : undefined;
  const wanted = names ?? listed?.names ?? [];
  if (wanted.length === 0) {
    // ListServices answers an unknown cluster with nothing: say which it is.
    if (!(await describeCluster(aws, cluster))) throw new Error(`cluster "${cluster}" does not exist (check --cluster and --region)`);
    return [];
  }
  const described = listed?.described ?? (await describeServices(aws, cluster, wanted));
  if (described.clusterMissing) throw new Error(`cluster "${cluster}" does not exist (check --cluster and --region)`);
  if (described.failures.length > 0)
    throw new Error(
      `ecs:DescribeServices failed for ${described.failures.map((f) => `${String(f["arn"])} (${String(f["reason"])})`).join(", ")}`,
    );
  // A listed service that is gone (INACTIVE) is skipped; one asked for by name must exist.
  if (names !== undefined && described.missing.length > 0)
    throw new Error(`no such service in cluster "${cluster}": ${described.missing.join(", ")}`);
  return wanted.map((name) => described.services.get(name)).filter((s): s is JsonObject => s !== undefined);
}

/** Rules with their targets and tags: those named, or with --all-rules those running tasks on the cluster. */
export async function readRules(aws: AwsClients, flags: RuleSelection, warn: (text: string) => void): Promise<LiveScheduledRule[]> {
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
    if (names === undefined && !ecsTargets.some((t) => String(t["Arn"]).endsWith(`:cluster/${flags.cluster}`))) continue;
    const tags = typeof rule["Arn"] === "string" ? await listTagsForResource(aws, rule["Arn"]) : [];
    out.push({ rule, targets, tags });
  }
  return out.sort((a, b) => byName("Name")(a.rule, b.rule));
}

export type ExportedRevision = { arn: string; revision: number; response: JsonObject };

/**
 * One revision per family: the highest one a service or rule runs (a family-only ARN means the
 * latest). Other revisions of the family stay pinned as `family:revision` (see referenceFor).
 */
export async function readTaskDefinitions(
  aws: AwsClients,
  arns: readonly string[],
  warn: (text: string) => void,
): Promise<Map<string, ExportedRevision>> {
  const highest = new Map<string, number | undefined>();
  for (const arn of arns) {
    const parsed = parseTaskDefinitionArn(arn);
    if (!parsed) continue;
    const known = highest.get(parsed.family);
    highest.set(parsed.family, parsed.revision === undefined ? known : Math.max(known ?? 0, parsed.revision));
  }
  const out = new Map<string, ExportedRevision>();
  for (const [family, revision] of highest) {
    const response = await describeTaskDefinition(aws, revision === undefined ? family : `${family}:${revision}`);
    const td = response?.["taskDefinition"];
    if (!response || !isJsonObject(td) || typeof td["taskDefinitionArn"] !== "string" || typeof td["revision"] !== "number") {
      warn(
        `task definition ${family}${revision === undefined ? "" : `:${revision}`} cannot be described: not exported (its users keep a pinned reference)`,
      );
      continue;
    }
    out.set(family, { arn: td["taskDefinitionArn"], revision: td["revision"], response });
  }
  return out;
}

/** The exported revision is referenced by family (the repo manages it); any other one is pinned. */
export function referenceFor(arn: string, exported: ReadonlyMap<string, ExportedRevision>): TaskDefinitionReference {
  const parsed = parseTaskDefinitionArn(arn);
  if (!parsed) return { ref: arn };
  const td = exported.get(parsed.family);
  if (parsed.revision === undefined) return { ref: arn }; // "latest": compared as a family-only ARN (EB-6)
  if (td?.revision === parsed.revision) return { ref: parsed.family };
  const ref = `${parsed.family}:${parsed.revision}`;
  if (!td) return { ref };
  return {
    ref,
    review: `pinned to revision ${parsed.revision}: the exported TaskDefinition ${parsed.family} is revision ${td.revision}, which another resource runs. Write "taskDefinition: ${parsed.family}" to deploy that one here too`,
  };
}

export function familyOf(arn: string): string | undefined {
  return parseTaskDefinitionArn(arn)?.family;
}

export function splitNames(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  return names.length > 0 ? [...new Set(names)] : undefined;
}

export function byName(field: string): (a: JsonObject, b: JsonObject) => number {
  return (a, b) => {
    const x = String(a[field] ?? "");
    const y = String(b[field] ?? "");
    return x < y ? -1 : x > y ? 1 : 0;
  };
}
