import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { repoIdentity } from "../resources/common/source-tag.js";

const run = promisify(execFile);

async function git(dir: string, ...args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run("git", ["-C", dir, ...args], { timeout: 5_000 });
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Which repository the manifests at `location` come from, as the `ecs-gitops:source` tag names
 * it: a remote URL as given; a local checkout by its `origin` remote, so a one-shot `apply` from a
 * clone and the controller following the remote agree; without a remote, the checkout's root path.
 */
export async function identifyRepository(location: string, remote: boolean): Promise<string> {
  if (remote) return repoIdentity(location);
  const dir = path.resolve(location);
  const origin = await git(dir, "remote", "get-url", "origin");
  if (origin !== undefined) return repoIdentity(origin);
  return repoIdentity((await git(dir, "rev-parse", "--show-toplevel")) ?? dir);
}
