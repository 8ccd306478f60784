import type { Command } from "commander";
import { createAwsClients, destroyAwsClients } from "../aws/index.js";
import type { AwsClients } from "../aws/index.js";
import { checkEndpointUrl } from "../config.js";
import { readOwnedResource } from "../engine/service-ops.js";
import { isEcsGitopsError } from "../errors.js";
import { redactUrl } from "../redact.js";
import type { OperationName, OwnedResource } from "../resources/kind-operations.js";
import { sourceName } from "./aws-options.js";
import { parseRateLimit } from "./commands/run.js";
import { commandOutput } from "./print-problems.js";
import type { CommandOutput } from "./print-problems.js";

export type ServiceFlags = { region?: string; endpointUrl?: string; owner?: string; awsRateLimit?: string };

/** The AWS flags of the commands that act on one live service (no manifests folder involved). */
export function addServiceOptions(command: Command, options: { owner: boolean } = { owner: true }): Command {
  command
    .option("--region <region>", "AWS region (default: the SDK chain: AWS_REGION, profile)")
    .option("--endpoint-url <url>", "AWS endpoint, e.g. a local moto_server (default: AWS_ENDPOINT_URL)");
  // Only commands that write check the owner tag.
  if (options.owner) command.option("--owner <name>", "value of the ecs-gitops:owner tag the service must carry (default: ecs-gitops)");
  return command.option("--aws-rate-limit <fraction|off>", "client-side pacing as a share of AWS's published API rates (default 0.5)");
}

export function serviceClients(flags: ServiceFlags): AwsClients {
  const env = process.env;
  return createAwsClients({
    region: flags.region ?? env["ECS_GITOPS_REGION"],
    endpoint: checkEndpointUrl(
      flags.endpointUrl ?? env["ECS_GITOPS_ENDPOINT_URL"] ?? env["AWS_ENDPOINT_URL"],
      sourceName(flags.endpointUrl, "--endpoint-url", env, ["ECS_GITOPS_ENDPOINT_URL", "AWS_ENDPOINT_URL"]),
    ),
    rateLimit: parseRateLimit(flags.awsRateLimit ?? env["ECS_GITOPS_AWS_RATE_LIMIT"] ?? "0.5"),
    // Tests only: moto's per-request account isolation (as `apply` and `run`).
    accountIdHeader: env["ECS_GITOPS_TEST_ACCOUNT_ID"] || undefined,
  });
}

/**
 * Read the resource (refusing one ecs-gitops does not own, or of a kind whose plug-in has no
 * `operation`), hand it to `use`, print any failure with its code. Exit 2 for a key the command
 * cannot act on, 1 when AWS or the ownership check refused, else what `use` returns.
 */
export async function withOwnedResource(
  key: string,
  run: { operation: OperationName; command: string },
  flags: ServiceFlags,
  io: CommandOutput,
  use: (aws: AwsClients, owned: OwnedResource) => Promise<number>,
): Promise<number> {
  const aws = serviceClients(flags);
  try {
    const owner = flags.owner ?? process.env["ECS_GITOPS_OWNER"] ?? "ecs-gitops";
    const owned = await readOwnedResource(aws, key, owner, run.operation, run.command);
    return await use(aws, owned);
  } catch (error) {
    const code = isEcsGitopsError(error) ? ` [${error.code}]` : "";
    io.err(`error${code}: ${redactUrl(error instanceof Error ? error.message : String(error))}\n`);
    return isEcsGitopsError(error) && error.code === "InvalidRequest" ? 2 : 1;
  } finally {
    destroyAwsClients(aws);
  }
}

export type ServiceCommand<F extends ServiceFlags> = {
  name: string;
  description: string;
  run: (key: string, flags: F, io: CommandOutput) => Promise<number>;
  /** The command's own options, listed before the AWS flags. */
  options?: (command: Command) => Command;
  /** Whether it takes --owner (only commands that write check the owner tag). */
  owner?: boolean;
};

/** `ecs-gitops <name> Service/<cluster>/<name>`: a command on one live service, its exit code what `run` returns. */
export function registerServiceCommand<F extends ServiceFlags>(program: Command, spec: ServiceCommand<F>): void {
  const command = program.command(spec.name).description(spec.description).argument("<key>", "Service/<cluster>/<name>");
  addServiceOptions(spec.options?.(command) ?? command, { owner: spec.owner ?? true }).action(
    async (key: string, flags: F, self: Command) => {
      process.exitCode = await spec.run(key, flags, commandOutput(self));
    },
  );
}
