import type { Command } from "commander";
import { releaseService, rollbackService, rollbackTarget } from "../../engine/service-ops.js";
import { commandOutput } from "../print-problems.js";
import type { CommandOutput } from "../print-problems.js";
import { addServiceOptions, withOwnedService } from "../service-command.js";
import type { ServiceFlags } from "../service-command.js";

type RollbackFlags = ServiceFlags & { to?: string };

/**
 * `ecs-gitops rollback Service/<cluster>/<name> [--to REVISION]` and `ecs-gitops release …`:
 * run an earlier revision (registering none) and hold it there against git, then let git deploy again.
 */
export function registerRollback(program: Command): void {
  const rollback = program
    .command("rollback")
    .description("run an earlier revision of a service and pin it there (git does not replace it until `release`)")
    .argument("<key>", "Service/<cluster>/<name>")
    .option(
      "--to <revision>",
      "the revision: a number, family:number or an ARN (default: the newest ACTIVE one older than the running one)",
    );
  addServiceOptions(rollback).action(async (key: string, flags: RollbackFlags, self: Command) => {
    process.exitCode = await runRollback(key, flags, commandOutput(self));
  });
  const release = program
    .command("release")
    .description("lift a rollback pin: git's revision deploys again at the controller's next look (or the next apply)")
    .argument("<key>", "Service/<cluster>/<name>");
  addServiceOptions(release).action(async (key: string, flags: ServiceFlags, self: Command) => {
    process.exitCode = await runRelease(key, flags, commandOutput(self));
  });
}

export async function runRollback(key: string, flags: RollbackFlags, io: CommandOutput): Promise<number> {
  return withOwnedService(key, flags, io, async (aws, owned) => {
    const revision = await rollbackTarget(aws, owned, flags.to);
    const target = await rollbackService(aws, owned, revision);
    io.out(
      `rolled back ${key} to ${revision} (deployment ${target?.deploymentId ?? "?"}); pinned: git does not replace it until \`ecs-gitops release ${key}\`\n`,
    );
    return 0;
  });
}

export async function runRelease(key: string, flags: ServiceFlags, io: CommandOutput): Promise<number> {
  return withOwnedService(key, flags, io, async (aws, owned) => {
    const pin = await releaseService(aws, owned);
    io.out(pin === undefined ? `${key} is not pinned: nothing to release\n` : `released ${key} from ${pin}: git deploys it again\n`);
    return 0;
  });
}
