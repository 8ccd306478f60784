import { Option } from "commander";
import type { Command } from "commander";
import { DEFAULT_CONFIG } from "../config.js";
import type { ControllerConfig } from "../config.js";
import type { OneShotPruneOptions } from "../engine/prune/one-shot.js";
import { parseBool } from "./commands/run.js";

export const PRUNE_ENV = "ECS_GITOPS_PRUNE";

/** `--prune` / `--allow-mass-delete` (docs/prune.md): diff, apply and run. */
export function addPruneOptions(command: Command): Command {
  return command
    .addOption(new Option("--prune", "delete what we own and no manifest names any more (default: ecs-gitops.yaml syncPolicy.prune)"))
    .addOption(
      new Option("--allow-mass-delete", "let one prune through that the guards hold (more than maxDeletes, half or all of what we own)"),
    );
}

/** Flag, then env ECS_GITOPS_PRUNE, then ecs-gitops.yaml. */
export function pruneEnabled(flag: boolean | undefined, env: NodeJS.ProcessEnv, config: ControllerConfig | undefined): boolean {
  if (flag !== undefined) return flag;
  const text = env[PRUNE_ENV];
  if (text !== undefined && text !== "") return parseBool(text, PRUNE_ENV);
  return (config ?? DEFAULT_CONFIG).syncPolicy.prune;
}

export function pruneOptions(
  flags: { prune?: boolean; allowMassDelete?: boolean },
  env: NodeJS.ProcessEnv,
  config: ControllerConfig | undefined,
): OneShotPruneOptions {
  const settings = config ?? DEFAULT_CONFIG;
  return {
    enabled: pruneEnabled(flags.prune, env, config),
    allowMassDelete: flags.allowMassDelete === true,
    maxDeletes: settings.maxDeletes,
    revisionHistoryLimit: settings.revisionHistoryLimit,
  };
}
