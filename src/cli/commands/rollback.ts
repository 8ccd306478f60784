import type { Command } from "commander";
import { releaseResource, rollbackResource, rollbackTarget } from "../../engine/service-ops.js";
import type { CommandOutput } from "../print-problems.js";
import { registerServiceCommand, withOwnedResource } from "../service-command.js";
import type { ServiceFlags } from "../service-command.js";

type RollbackFlags = ServiceFlags & { to?: string };

/**
 * `ecs-gitops rollback Service/<cluster>/<name> [--to REVISION]` and `ecs-gitops release …`:
 * run an earlier revision (registering none) and hold it there against git, then let git deploy again.
 */
export function registerRollback(program: Command): void {
  registerServiceCommand(program, {
    name: "rollback",
    description: "run an earlier revision of a service and pin it there (git does not replace it until `release`)",
    options: (command) =>
      command.option(
        "--to <revision>",
        "the revision: a number, family:number or an ARN (default: the newest ACTIVE one older than the running one)",
      ),
    run: runRollback,
  });
  registerServiceCommand(program, {
    name: "release",
    description: "lift a rollback pin: git's revision deploys again at the controller's next look (or the next apply)",
    run: runRelease,
  });
}

export async function runRollback(key: string, flags: RollbackFlags, io: CommandOutput): Promise<number> {
  return withOwnedResource(key, { operation: "rollback", command: "rollback" }, flags, io, async (aws, owned) => {
    const revision = await rollbackTarget(aws, owned, flags.to);
    const target = await rollbackResource(aws, owned, revision);
    io.out(
      `rolled back ${key} to ${revision} (deployment ${target?.deploymentId ?? "?"}); ` +
        `pinned: git does not replace it until \`ecs-gitops release ${key}\`\n`,
    );
    return 0;
  });
}

export async function runRelease(key: string, flags: ServiceFlags, io: CommandOutput): Promise<number> {
  return withOwnedResource(key, { operation: "rollback", command: "release" }, flags, io, async (aws, owned) => {
    const pin = await releaseResource(aws, owned);
    io.out(pin === undefined ? `${key} is not pinned: nothing to release\n` : `released ${key} from ${pin}: git deploys it again\n`);
    return 0;
  });
}
