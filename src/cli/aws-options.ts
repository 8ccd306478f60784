import type { Command } from "commander";
import { checkCluster, checkEndpointUrl, loadConfigFile, maxCommitBytesFromEnv } from "../config.js";
import { locateManifestRoot } from "../source/manifest-root.js";
import type { OneShotOptions } from "../engine/one-shot.js";
import type { Problem } from "../manifests/types.js";
import { parseRateLimit } from "./commands/run.js";
import { pruneOptions } from "./prune-options.js";

export type AwsFlags = {
  region?: string;
  endpointUrl?: string;
  cluster?: string;
  owner?: string;
  awsRateLimit?: string;
  /** diff / apply only (prune-options.ts). */
  prune?: boolean;
  allowMassDelete?: boolean;
};

/** The AWS target flags every command that talks to AWS shares (docs/design.md#commands). */
export function addAwsOptions(command: Command): Command {
  return command
    .option("--region <region>", "AWS region (default: ecs-gitops.yaml, then the SDK chain: AWS_REGION, profile)")
    .option("--endpoint-url <url>", "AWS endpoint, e.g. a local moto_server (default: AWS_ENDPOINT_URL)")
    .option("--cluster <name>", "default cluster for services and rule targets that name none")
    .option("--owner <name>", "value of the ecs-gitops:owner tag (default: ecs-gitops)")
    .option(
      "--aws-rate-limit <fraction|off>",
      "client-side pacing as a share of AWS's published API rates (default 0.5; off for emulators)",
    );
}

/** Flags win over env, env over `ecs-gitops.yaml` at the manifests root, that over defaults. */
export async function resolveOneShotOptions(
  path: string,
  flags: AwsFlags,
): Promise<OneShotOptions | { problems: Problem[]; root: string }> {
  // A file or subfolder is planned within its manifests root, with that root's settings.
  const root = await locateManifestRoot(path);
  const { config, problems } = await loadConfigFile(root.root);
  if (problems.some((p) => p.severity === "error")) return { problems, root: root.root };
  const env = process.env;
  return {
    path: root.root,
    scope: root.scope,
    sourcePrefix: root.sourcePrefix,
    region: flags.region ?? env["ECS_GITOPS_REGION"] ?? config?.region,
    endpoint: checkEndpointUrl(
      flags.endpointUrl ?? env["ECS_GITOPS_ENDPOINT_URL"] ?? env["AWS_ENDPOINT_URL"],
      sourceName(flags.endpointUrl, "--endpoint-url", env, ["ECS_GITOPS_ENDPOINT_URL", "AWS_ENDPOINT_URL"]),
    ),
    cluster: checkCluster(
      flags.cluster ?? env["ECS_GITOPS_CLUSTER"] ?? config?.cluster,
      sourceName(flags.cluster, "--cluster", env, ["ECS_GITOPS_CLUSTER"]),
    ),
    owner: flags.owner ?? env["ECS_GITOPS_OWNER"] ?? config?.owner ?? "ecs-gitops",
    ignoreRules: config?.ignoreDifferences ?? [],
    account: config?.account,
    maskPatterns: config?.maskPatterns ?? [],
    rateLimit: parseRateLimit(flags.awsRateLimit ?? env["ECS_GITOPS_AWS_RATE_LIMIT"] ?? "0.5"),
    maxCommitBytes: maxCommitBytesFromEnv(env),
    prune: pruneOptions(flags, env, config),
    // Tests only: moto's per-request account isolation (the same variable `run` reads).
    accountIdHeader: env["ECS_GITOPS_TEST_ACCOUNT_ID"] || undefined,
  };
}

/** Which flag or variable a value came from, for its error message. */
export function sourceName(flagValue: string | undefined, flag: string, env: NodeJS.ProcessEnv, variables: readonly string[]): string {
  if (flagValue !== undefined) return flag;
  return variables.find((name) => env[name] !== undefined) ?? flag;
}
