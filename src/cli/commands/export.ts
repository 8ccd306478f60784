import { lstat, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { Option } from "commander";
import type { Command } from "commander";
import { escapeVariables } from "../../environments/variables.js";
import { Document } from "yaml";
import type { Node, Pair } from "yaml";
import { isCollection, isMap, isScalar, isSeq } from "yaml";
import { createAwsClients, destroyAwsClients } from "../../aws/index.js";
import type { AwsClientOptions, AwsClients } from "../../aws/index.js";
import { checkCluster, checkEndpointUrl } from "../../config.js";
import { sourceName } from "../aws-options.js";
import type { JsonObject, JsonPath } from "../../json.js";
import { AWS_DEFAULT_EVENT_BUS } from "../../manifests/identity.js";
import { exportResources } from "../export-resources.js";
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
  const files = (await exportResources(aws, flags, warn)).map(({ resource, exported }) => ({
    file: resource.file,
    key: resource.key,
    yaml: renderManifest({ ...exported, document: escapeVariables(exported.document) as JsonObject }, `${resource.source}\n${ADOPT_NOTE}`),
    reviews: exported.reviews.length,
  }));
  return files.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
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

function env(name: string): string | undefined {
  return process.env[name] || undefined;
}
