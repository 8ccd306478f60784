import type { Command } from "commander";
import { restartResource } from "../../engine/service-ops.js";
import type { CommandOutput } from "../print-problems.js";
import { registerServiceCommand, withOwnedResource } from "../service-command.js";
import type { ServiceFlags } from "../service-command.js";

/** `ecs-gitops restart Service/<cluster>/<name>`: new tasks of the same revision (one forceNewDeployment). */
export function registerRestart(program: Command): void {
  registerServiceCommand(program, {
    name: "restart",
    description: "start new tasks of a service's current revision (one forceNewDeployment, nothing registered)",
    run: runRestart,
  });
}

export async function runRestart(key: string, flags: ServiceFlags, io: CommandOutput): Promise<number> {
  return withOwnedResource(key, { operation: "restart", command: "restart" }, flags, io, async (aws, owned) => {
    const target = await restartResource(aws, owned);
    io.out(`restarted ${key}: new deployment ${target?.deploymentId ?? "(id not returned)"} of ${target?.revision ?? "its revision"}\n`);
    return 0;
  });
}
