import { parseTaskDefinitionArn } from "../../aws/arn.js";
import { lstat, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { Option } from "commander";
import type { Command } from "commander";
import { escapeVariables } from "../../environments/variables.js";
import { Document } from "yaml";
import type { Node, Pair } from "yaml";
import { isCollection, isMap, isScalar, isSeq } from "yaml";
import {
  createAwsClients,
  describeCluster,
  describeServices,
  describeTaskDefinition,
  destroyAwsClients,
  listRules,
  listServiceArns,
  listTagsForResource,
  listTargetsByRule,
} from "../../aws/index.js";
import type { AwsClientOptions, AwsClients } from "../../aws/index.js";
import { checkCluster, checkEndpointUrl } from "../../config.js";
import { isJsonObject } from "../../json.js";
import { sourceName } from "../aws-options.js";
import type { JsonObject, JsonPath } from "../../json.js";
import { AWS_DEFAULT_EVENT_BUS, eventBusName } from "../../manifests/identity.js";
import { exportScheduledRule } from "../../resources/scheduled-rule/export.js";
import type { LiveScheduledRule } from "../../resources/scheduled-rule/normalize.js";
import { exportService } from "../../resources/service/export.js";
import { exportTaskDefinition } from "../../resources/task-definition/export.js";
import { commandOutput } from "../print-problems.js";
import type { CommandOutput } from "../print-problems.js";

export type ExportFlags = {
  cluster?: string | undefined;
  services?: string | undefined;
  rules?: string | undefined;
  allRules?: boolean | undefined;
  eventBus?: string | undefined;
  out?: string | undefined;
  force?: boolean | undefined;
  region?: string | undefined;
  endpointUrl?: string | undefined;
};

/** One exported document, rendered: what `validate`/`diff`/`apply` read back. */
export type ExportedDocument = { document: JsonObject; reviews: readonly { path: JsonPath; message: string }[] };
export type ExportFile = { file: string; key: string; yaml: string; reviews: number };
type TaskDefinitionRef = { ref: string; review?: string };

const ADOPT_NOTE = "ecs-gitops/adopt lets the first apply tag this existing resource as owned; remove it once adopted";

/** `ecs-gitops export`: write manifests from live resources (docs/design.md#export-onboarding). */
export function registerExport(program: Command): void {
  program
    .command("export")
    .description(
      "write manifests from live resources (onboarding): one file per resource, each annotated ecs-gitops/adopt; exit 0 written, 2 error",
    )
    .addOption(new Option("--cluster <name>", "the cluster whose services to export").env("ECS_GITOPS_CLUSTER"))
    .option("--services <names>", "comma-separated service names (default: every service of the cluster)")
    .addOption(
      new Option("--rules <names>", "comma-separated EventBridge rule names to export (their ECS task targets)").conflicts("allRules"),
    )
    .option("--all-rules", "every rule on the event bus with an ECS task target on --cluster")
    .option("--event-bus <name>", "event bus of the rules", AWS_DEFAULT_EVENT_BUS)
    .option("--out <dir>", "folder to write the manifests into")
    .option("--force", "overwrite existing files")
    .option("--region <region>", "AWS region (default: the SDK chain: AWS_REGION, profile)")
    .option("--endpoint-url <url>", "AWS endpoint, e.g. a local moto_server (default: AWS_ENDPOINT_URL)")
    .action(async (flags: ExportFlags, self: Command) => {
      process.exitCode = await runExport(flags, commandOutput(self));
    });
}

/** Read, export and write; returns the exit code (0 written, 2 error: nothing written). */
export async function runExport(
  flags: ExportFlags,
  io: CommandOutput,
  clientOptions: Pick<AwsClientOptions, "accountIdHeader" | "credentials"> = {},
): Promise<number> {
  const cluster = flags.cluster ?? (process.env["ECS_GITOPS_CLUSTER"] || undefined);
  if (cluster === undefined || flags.out === undefined || flags.out === "") {
    io.err(`error: export needs --cluster and --out (e.g. ecs-gitops export --cluster prod --out manifests/)\n`);
    return 2;
  }
  checkCluster(cluster, sourceName(flags.cluster, "--cluster", process.env, ["ECS_GITOPS_CLUSTER"]));
  const endpoint = flags.endpointUrl ?? env("ECS_GITOPS_ENDPOINT_URL") ?? env("AWS_ENDPOINT_URL");
  const aws = createAwsClients({
    region: flags.region ?? env("ECS_GITOPS_REGION"),
    endpoint: checkEndpointUrl(
      endpoint,
      sourceName(flags.endpointUrl, "--endpoint-url", process.env, ["ECS_GITOPS_ENDPOINT_URL", "AWS_ENDPOINT_URL"]),
    ),
    // Tests only: moto's per-request account isolation (the same variable diff, apply and run read).
    accountIdHeader: env("ECS_GITOPS_TEST_ACCOUNT_ID"),
    ...clientOptions,
  });
  try {
    const files = await exportFiles(aws, { ...flags, cluster }, (text) => io.err(`warning: ${text}\n`));
    return await writeFiles(flags.out, files, flags.force === true, io);
  } catch (error) {
    io.err(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  } finally {
    destroyAwsClients(aws);
  }
}

async function exportFiles(aws: AwsClients, flags: ExportFlags & { cluster: string }, warn: (text: string) => void): Promise<ExportFile[]> {
  const services = await readServices(aws, flags.cluster, splitNames(flags.services));
  const rules = await readRules(aws, flags, warn);
  const taskDefinitions = await readTaskDefinitions(
    aws,
    [
      ...services.map((s) => String(s["taskDefinition"] ?? "")),
      ...rules.flatMap((r) =>
        r.targets.flatMap((t) => (isJsonObject(t["EcsParameters"]) ? [String(t["EcsParameters"]["TaskDefinitionArn"] ?? "")] : [])),
      ),
    ],
    warn,
  );
  const reference = (arn: string): TaskDefinitionRef => referenceFor(arn, taskDefinitions);

  const files: ExportFile[] = [];
  const add = (file: string, exported: ExportedDocument, key: string, source: string) =>
    files.push({
      file,
      key,
      yaml: renderManifest({ ...exported, document: escapeVariables(exported.document) as JsonObject }, `${source}\n${ADOPT_NOTE}`),
      reviews: exported.reviews.length,
    });
  const folderOf = new Map<string, string>(); // family → folder of its first user
  for (const service of [...services].sort(byName("serviceName"))) {
    const exported = exportService(service, { taskDefinition: reference });
    if (!exported) continue;
    const name = String(service["serviceName"]);
    add(`${name}/service.yaml`, exported, `Service/${flags.cluster}/${name}`, `Exported from ${String(service["serviceArn"])}`);
    const family = familyOf(String(service["taskDefinition"] ?? ""));
    if (family !== undefined && !folderOf.has(family)) folderOf.set(family, name);
  }
  for (const rule of rules) {
    const exported = exportScheduledRule(rule, { taskDefinition: reference });
    const name = String(rule.rule["Name"]);
    for (const skipped of exported.skippedTargets)
      warn(`rule ${name}: target ${skipped.id} (${skipped.arn}) is not an ECS task and is not exported; applying the rule would remove it`);
    add(
      `${name}/scheduled-rule.yaml`,
      exported,
      `ScheduledRule/${eventBusName(flags.eventBus ?? AWS_DEFAULT_EVENT_BUS)}/${name}`,
      `Exported from ${String(rule.rule["Arn"])}`,
    );
    for (const target of rule.targets) {
      const family = isJsonObject(target["EcsParameters"])
        ? familyOf(String(target["EcsParameters"]["TaskDefinitionArn"] ?? ""))
        : undefined;
      if (family !== undefined && !folderOf.has(family)) folderOf.set(family, name);
    }
  }
  const taken = new Set(files.map((f) => f.file));
  for (const [family, td] of [...taskDefinitions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const exported = exportTaskDefinition(td.response);
    if (!exported) continue;
    const folder = folderOf.get(family) ?? family;
    const plain = `${folder}/task-definition.yaml`;
    const file = taken.has(plain) ? `${folder}/task-definition-${family}.yaml` : plain;
    taken.add(file);
    add(file, exported, `TaskDefinition/${family}`, `Exported from ${td.arn}`);
  }
  return files.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** The services to export, described with tags; any named one that does not exist is an error. */
async function readServices(aws: AwsClients, cluster: string, names: string[] | undefined): Promise<JsonObject[]> {
  const wanted = names ?? (await listServiceArns(aws, cluster)).map((arn) => arn.slice(arn.lastIndexOf("/") + 1));
  if (wanted.length === 0) {
    // ListServices answers an unknown cluster with nothing: say which it is.
    if (!(await describeCluster(aws, cluster))) throw new Error(`cluster "${cluster}" does not exist (check --cluster and --region)`);
    return [];
  }
  const described = await describeServices(aws, cluster, wanted);
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
async function readRules(
  aws: AwsClients,
  flags: ExportFlags & { cluster: string },
  warn: (text: string) => void,
): Promise<LiveScheduledRule[]> {
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

type ExportedRevision = { arn: string; revision: number; response: JsonObject };

/**
 * One revision per family: the highest one a service or rule runs (a family-only ARN means the
 * latest). Other revisions of the family stay pinned as `family:revision` (see referenceFor).
 */
async function readTaskDefinitions(
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
function referenceFor(arn: string, exported: ReadonlyMap<string, ExportedRevision>): TaskDefinitionRef {
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

function familyOf(arn: string): string | undefined {
  return parseTaskDefinitionArn(arn)?.family;
}

/** The YAML of one manifest, `# review:` comments above the fields they are about. */
export function renderManifest(exported: ExportedDocument, header?: string): string {
  const doc = new Document(exported.document);
  if (header !== undefined)
    doc.commentBefore = header
      .split("\n")
      .map((line) => ` ${line}`)
      .join("\n");
  for (const review of exported.reviews) attachComment(doc, review.path, ` review: ${review.message}`);
  return doc.toString({ lineWidth: 0 });
}

/** Inside a mapping the comment goes above its first key; otherwise above the field (or list item). */
function attachComment(doc: Document, at: JsonPath, comment: string): void {
  const value = at.length === 0 ? doc.contents : doc.getIn(at, true);
  const parentPath = at.slice(0, -1);
  const last = at[at.length - 1];
  const parent = parentPath.length === 0 ? doc.contents : doc.getIn(parentPath, true);
  let node: Node | null | undefined;
  if (isMap(value) && value.items.length > 0) node = (value.items[0] as Pair).key as Node | undefined;
  else if (last !== undefined && isMap(parent))
    node = (parent.items as Pair[]).find((p) => isScalar(p.key) && p.key.value === last)?.key as Node | undefined;
  else if (typeof last === "number" && isSeq(parent)) node = parent.items[last] as Node | undefined;
  if (!node || !(isScalar(node) || isCollection(node))) {
    // Nothing to hang it on (e.g. a field left out): the document's own comment takes it.
    doc.commentBefore = [doc.commentBefore, `${comment} (at ${at.join(".")})`].filter(Boolean).join("\n");
    return;
  }
  node.commentBefore = [node.commentBefore, comment].filter(Boolean).join("\n");
}

/** Refuse to overwrite anything without --force; then write every file (folders made as needed). */
export async function writeFiles(
  out: string,
  files: readonly ExportFile[],
  force: boolean,
  io: CommandOutput,
  next = `Next: ecs-gitops diff ${out} (only ownership tags should differ), then ecs-gitops apply ${out}.`,
): Promise<number> {
  if (files.length === 0) {
    io.err("error: nothing to export (no services in the cluster, no matching rules)\n");
    return 2;
  }
  if (!force) {
    const existing: string[] = [];
    for (const f of files) if (await lstat(path.join(out, f.file)).catch(() => undefined)) existing.push(f.file);
    if (existing.length > 0) {
      io.err(
        `error: ${existing.length} file(s) already exist in ${out}: ${existing.join(", ")}. Nothing written; use --force to overwrite\n`,
      );
      return 2;
    }
  }
  for (const f of files) {
    const full = path.join(out, f.file);
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, f.yaml);
  }
  const width = Math.max(...files.map((f) => f.file.length));
  const lines = files.map((f) => `  ${f.file.padEnd(width)}  ${f.key}${f.reviews > 0 ? `  (${f.reviews} to review)` : ""}`);
  const reviews = files.reduce((n, f) => n + f.reviews, 0);
  io.out(`Wrote ${files.length} manifest(s) to ${out}:\n${lines.join("\n")}\n`);
  if (reviews > 0) io.out(`${reviews} field(s) are marked "# review:": read them before applying.\n`);
  io.out(`${next}\n`);
  return 0;
}

function splitNames(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  return names.length > 0 ? [...new Set(names)] : undefined;
}

function byName(field: string): (a: JsonObject, b: JsonObject) => number {
  return (a, b) => {
    const x = String(a[field] ?? "");
    const y = String(b[field] ?? "");
    return x < y ? -1 : x > y ? 1 : 0;
  };
}

function env(name: string): string | undefined {
  return process.env[name] || undefined;
}
