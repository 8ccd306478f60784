import { readdir, stat } from "node:fs/promises";
import path from "node:path";

/** Where `--env NAME` looks for NAME below the path a command was given. */
export const ENVS_FOLDER = "envs";

export const ENV_OPTION_HELP = "environment to use: a name under <path>/envs/ (staging, prod) or the path of an environment folder";

/**
 * The folder a command works on: `target` itself, or with `--env` the environment folder. A
 * name is looked up under `<target>/envs/`; anything with a slash is a folder path as given.
 */
export async function resolveEnvTarget(target: string, env: string | undefined): Promise<{ target: string } | { error: string }> {
  if (env === undefined) return { target };
  const isPath = /[/\\]/.test(env) || env === "." || env === "..";
  const folder = isPath ? env : path.join(target, ENVS_FOLDER, env);
  if ((await stat(folder).catch(() => undefined))?.isDirectory()) return { target: folder };
  if (isPath) return { error: `--env ${env}: no such folder (give a folder holding the environment's ecs-gitops.yaml)` };
  const known = await environmentNames(target);
  return {
    error:
      `--env ${env}: no folder ${folder}` +
      (known.length > 0 ? ` (environments: ${known.join(", ")})` : ` (no ${ENVS_FOLDER}/ folder below ${target})`),
  };
}

/** `--env NAME` of `run`: the manifests path inside the repository (relative to the checkout). */
export function envPathInRepo(pathInRepo: string, env: string | undefined): string {
  if (env === undefined) return pathInRepo;
  return /[/\\]/.test(env) ? env : path.posix.join(pathInRepo, ENVS_FOLDER, env);
}

async function environmentNames(target: string): Promise<string[]> {
  const entries = await readdir(path.join(target, ENVS_FOLDER), { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}
