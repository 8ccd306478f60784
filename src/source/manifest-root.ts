import { execFile } from "node:child_process";
import { lstat, realpath } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { CONFIG_FILE_NAMES } from "../manifests/load.js";

/** Where the manifests a command was pointed at sit, seen from the repository. */
export type ManifestRoot = {
  /** The folder to load: the nearest one holding ecs-gitops.yaml, else the folder given (a file's own folder). */
  root: string;
  /** `root` relative to the repository root, with forward slashes; "" at the root. */
  sourcePrefix: string;
  /** The file or folder given, relative to `root` (forward slashes); undefined when it is `root` itself. */
  scope: string | undefined;
};

/**
 * A folder or a single manifest file. `diff web/service.yaml` plans that file in the context of
 * the whole manifests root (its task definition may sit next door; ecs-gitops.yaml sets the
 * default cluster), and the ecs-gitops:source tag must not depend on which folder or file a
 * command was given, so it is taken from the git toplevel (outside git: the manifests root).
 */
export async function locateManifestRoot(target: string): Promise<ManifestRoot> {
  const stat = await lstat(target).catch(() => undefined);
  const dir = stat?.isFile() ? path.dirname(target) : target;
  if (!stat) return { root: target, sourcePrefix: "", scope: undefined };
  const real = await realpath(dir);
  const top = await gitToplevel(real);
  const configured = await configuredRoot(real, top);
  const root = configured ?? real;
  const relative = toPosix(path.relative(root, stat.isFile() ? path.join(real, path.basename(target)) : real));
  return {
    root: configured === undefined ? dir : root,
    sourcePrefix: toPosix(path.relative(top ?? root, root)),
    scope: relative === "" ? undefined : relative,
  };
}

/** Whether a manifest file (relative to the root) is inside the scope a command was given. */
export function inScope(scope: string | undefined, file: string): boolean {
  return scope === undefined || file === scope || file.startsWith(`${scope}/`);
}

/** `--path` of `run` (relative to the checkout, which is the repository root) as a source prefix. */
export function prefixOf(pathInRepo: string): string {
  return path.posix
    .normalize(toPosix(pathInRepo))
    .replace(/^(\.\/)+|\/+$/g, "")
    .replace(/^\.$/, "");
}

async function gitToplevel(dir: string): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)("git", ["-C", dir, "rev-parse", "--show-toplevel"], { timeout: 5_000 });
    return await realpath(stdout.trim());
  } catch {
    return undefined;
  }
}

/** The nearest folder at or above `dir` holding ecs-gitops.yaml, not above the repository root. */
async function configuredRoot(dir: string, top: string | undefined): Promise<string | undefined> {
  for (let current = dir; ; current = path.dirname(current)) {
    for (const name of CONFIG_FILE_NAMES) {
      if (await lstat(path.join(current, name)).catch(() => undefined)) return current;
    }
    if (current === top || path.dirname(current) === current) return undefined;
  }
}

function toPosix(relative: string): string {
  return relative.split(path.sep).join("/");
}
