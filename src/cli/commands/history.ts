import type { Command } from "commander";
import { taskDefinitionRefOf } from "../../aws/arn.js";
import { describeServices, describeTaskDefinition, destroyAwsClients } from "../../aws/index.js";
import type { AwsClients } from "../../aws/index.js";
import { isEcsGitopsError } from "../../errors.js";
import { isJsonObject } from "../../json.js";
import { redactUrl } from "../../redact.js";
import { tagListToMap } from "../../resources/common/tags.js";
import { serviceKeyParts } from "../../resources/service/operations.js";
import type { DeployRecord } from "../../state/history.js";
import { recoverHistory } from "../../state/recover-history.js";
import type { StatusDocument } from "../../state/status.js";
import { formatTable } from "../table.js";
import type { CommandOutput } from "../print-problems.js";
import { registerServiceCommand, serviceClients } from "../service-command.js";
import type { ServiceFlags } from "../service-command.js";

type HistoryFlags = ServiceFlags & { url?: string; output: string };

/**
 * `ecs-gitops history Service/<cluster>/<name>`: the controller's record with `--url`, else what
 * AWS still knows, one-shot (docs/deploys.md#history).
 */
export function registerHistory(program: Command): void {
  registerServiceCommand(program, {
    name: "history",
    description: "print a service's last deploys: from a running controller (--url) or, without it, rebuilt from AWS",
    options: (command) =>
      command
        .option("--url <url>", "a running controller's HTTP address: print its recorded history")
        .option("-o, --output <format>", "text or json", "text"),
    run: runHistory,
    owner: false,
  });
}

export async function runHistory(key: string, flags: HistoryFlags, io: CommandOutput): Promise<number> {
  if (flags.output !== "text" && flags.output !== "json") {
    io.err(`error: --output must be "text" or "json", got "${flags.output}"\n`);
    return 2;
  }
  let history: DeployRecord[];
  try {
    serviceKeyParts(key);
    history = flags.url === undefined ? await fromAws(key, flags) : await fromController(key, flags.url);
  } catch (error) {
    const code = isEcsGitopsError(error) ? ` [${error.code}]` : "";
    io.err(`error${code}: ${redactUrl(error instanceof Error ? error.message : String(error))}\n`);
    return isEcsGitopsError(error) && error.code === "InvalidRequest" ? 2 : 1;
  }
  const source = flags.url === undefined ? "aws" : "controller";
  io.out(flags.output === "json" ? JSON.stringify({ key, source, history }, null, 2) + "\n" : renderHistory(key, source, history));
  return 0;
}

async function fromController(key: string, url: string): Promise<DeployRecord[]> {
  let doc: StatusDocument;
  try {
    const response = await fetch(new URL("/status", url), { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    doc = (await response.json()) as StatusDocument;
  } catch (error) {
    throw new Error(
      `cannot read ${url}/status (${error instanceof Error ? error.message : String(error)}): is \`ecs-gitops run\` running there?`,
    );
  }
  const entry = doc.resources.find((r) => r.key === key);
  if (entry === undefined) throw new Error(`${key}: the controller at ${url} does not manage it (see \`ecs-gitops status --url ${url}\`)`);
  return entry.history ?? [];
}

async function fromAws(key: string, flags: ServiceFlags): Promise<DeployRecord[]> {
  const { cluster, name } = serviceKeyParts(key);
  const aws = serviceClients(flags);
  try {
    const service = (await describeServices(aws, cluster, [name])).services.get(name);
    if (service === undefined) throw new Error(`${key}: no such service on AWS (check the cluster, the name and --region)`);
    const tags = await revisionTags(aws, service["deployments"]);
    return recoverHistory(service, (arn) => tags.get(arn));
  } finally {
    destroyAwsClients(aws);
  }
}

/** The tags of each revision the deployments run (one DescribeTaskDefinition each; ECS keeps few deployments). */
async function revisionTags(aws: AwsClients, deployments: unknown): Promise<Map<string, Record<string, string>>> {
  const arns = new Set(
    (Array.isArray(deployments) ? deployments.filter(isJsonObject) : [])
      .map((d) => d["taskDefinition"])
      .filter((a) => typeof a === "string"),
  );
  const tags = new Map<string, Record<string, string>>();
  for (const arn of arns) {
    const found = await describeTaskDefinition(aws, arn);
    if (found !== undefined) tags.set(arn, tagListToMap(found["tags"]));
  }
  return tags;
}

export function renderHistory(key: string, source: string, history: readonly DeployRecord[]): string {
  const rows = [["STARTED", "OUTCOME", "TRIGGER", "COMMIT", "REVISION", "REASON"]];
  for (const r of history)
    rows.push([r.startedAt, r.outcome, r.trigger, (r.commit ?? "").slice(0, 12), taskDefinitionRefOf(r.revision), r.reason ?? ""]);
  const lines = formatTable(rows);
  const header = `${key} (${source === "aws" ? "rebuilt from AWS: current deployments only" : "recorded by the controller"})`;
  return [header, ...(history.length === 0 ? ["no deploys recorded"] : lines)].join("\n") + "\n";
}
