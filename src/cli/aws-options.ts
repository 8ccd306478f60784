import type { Command } from "commander";
import { loadConfigFile, maxCommitBytesFromEnv } from "../config.js";
import type { OneShotOptions } from "../controller/one-shot.js";
import type { Problem } from "../manifests/types.js";
import { parseRateLimit } from "./commands/run.js";
import { lstat } from "node:fs/promises";

export type AwsFlags = { region?: string; endpointUrl?: string; cluster?: string; owner?: string; awsRateLimit?: string };

/** The AWS target flags every command that talks to AWS shares (DESIGN.md §4). */
export function addAwsOptions(command: Command): Command {
  return command
    .option("--region <region>", "AWS region (default: ecs-gitops.yaml, then the SDK chain: AWS_REGION, profile)")
    .option("--endpoint-url <url>", "AWS endpoint, e.g. a local moto_server (default: AWS_ENDPOINT_URL)")
    .option("--cluster <name>", "default cluster for services and rule targets that name none")
    .option("--owner <name>", "value of the ecs-gitops:owner tag (default: ecs-gitops)")
    .option("--aws-rate-limit <fraction|off>", "client-side pacing as a share of AWS's published API rates (default 0.5; off for emulators)");
}

/** Flags win over env, env over `ecs-gitops.yaml` at the manifests root, that over defaults. */
export async function resolveOneShotOptions(path: string, flags: AwsFlags): Promise<OneShotOptions | { problems: Problem[] }> {
  const isDir = (await lstat(path).catch(() => undefined))?.isDirectory() ?? false;
  const { config, problems } = isDir ? await loadConfigFile(path) : { config: undefined, problems: [] };
  if (problems.some((p) => p.severity === "error")) return { problems };
  const env = process.env;
  return {
    path,
    region: flags.region ?? env["ECS_GITOPS_REGION"] ?? config?.region,
    endpoint: flags.endpointUrl ?? env["ECS_GITOPS_ENDPOINT_URL"] ?? env["AWS_ENDPOINT_URL"],
    cluster: flags.cluster ?? env["ECS_GITOPS_CLUSTER"] ?? config?.cluster,
    owner: flags.owner ?? env["ECS_GITOPS_OWNER"] ?? config?.owner ?? "ecs-gitops",
    ignoreRules: config?.ignoreDifferences ?? [],
    rateLimit: parseRateLimit(flags.awsRateLimit ?? env["ECS_GITOPS_AWS_RATE_LIMIT"] ?? "0.5"),
    maxCommitBytes: maxCommitBytesFromEnv(env),
    // Tests only: moto's per-request account isolation (the same variable `run` reads).
    accountIdHeader: env["ECS_GITOPS_TEST_ACCOUNT_ID"] || undefined,
  };
}
