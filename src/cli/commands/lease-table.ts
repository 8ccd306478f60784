import type { Command } from "commander";
import { checkEndpointUrl } from "../../config.js";
import { isEcsGitopsError } from "../../errors.js";
import { commandOutput } from "../print-problems.js";

/** `ecs-gitops lease-table create NAME`: the DynamoDB table high availability needs, for a first install. */
export function registerLeaseTable(program: Command): void {
  program
    .command("lease-table")
    .description("manage the DynamoDB table of shard leases (high availability)")
    .command("create")
    .argument("<name>", "table name (give the same to every replica's --lease-table)")
    .description("create the lease table (on-demand billing, key leaseKey); exit 0 created or already there, 1 error")
    .option("--region <region>", "AWS region (default: the SDK chain)")
    .option("--endpoint-url <url>", "AWS endpoint (a local emulator)")
    .action(async (name: string, flags: { region?: string; endpointUrl?: string }, self: Command) => {
      const io = commandOutput(self);
      try {
        // Imported here: the DynamoDB client would otherwise load with every command (docs/scale.md#lazy-sdk-clients).
        const { createLeaseTable } = await import("../../aws/lease-table.js");
        const outcome = await createLeaseTable({
          table: name,
          region: flags.region ?? process.env["ECS_GITOPS_REGION"],
          endpoint: checkEndpointUrl(flags.endpointUrl ?? process.env["AWS_ENDPOINT_URL"], "--endpoint-url"),
          accountIdHeader: process.env["ECS_GITOPS_TEST_ACCOUNT_ID"] || undefined,
        });
        io.out(outcome === "created" ? `created lease table ${name}\n` : `lease table ${name} already exists\n`);
        process.exitCode = 0;
      } catch (error) {
        io.err(`${isEcsGitopsError(error) ? error.message : String(error)}\n`);
        process.exitCode = 1;
      }
    });
}
