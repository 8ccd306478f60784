import { EcsGitopsError } from "../errors.js";
import { redactUrl } from "../redact.js";

/** Where `--repo` points: a git remote (any URL form git fetches from) or a local checkout. */
export type RepoLocation = { type: "remote"; url: string } | { type: "local"; path: string };

const GIT_SCHEMES = new Set(["https", "http", "ssh", "git", "file"]);

/**
 * Classify `--repo` the way git reads it, so no remote is ever mistaken for a local path (whose
 * "no such directory" error would print the URL with its password):
 * - `scheme://…` in any case (`HTTPS://`), with npm/pip's `git+` prefix (`git+https://`,
 *   `git+ssh://`): a remote; the scheme is lower-cased and `git+` dropped, as git wants it.
 *   Schemes git cannot fetch from are an error, not a path.
 * - scp form `[user@]host:path` (a `:` before any `/`, not a Windows drive letter): a remote.
 * - anything else: a local path.
 */
export function parseRepoLocation(repo: string): RepoLocation {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(repo);
  if (scheme) {
    const name = scheme[1]!.toLowerCase().replace(/^git\+/, "");
    if (!GIT_SCHEMES.has(name)) {
      throw new EcsGitopsError(
        "InvalidConfig",
        `--repo ${JSON.stringify(redactUrl(repo))}: git cannot fetch from "${scheme[1]}://"; ` +
          `use https://, ssh://, git:// or file:// (or a local checkout path)`,
        { where: "--repo" },
      );
    }
    return { type: "remote", url: `${name}://${repo.slice(scheme[0].length)}` };
  }
  const colon = repo.indexOf(":");
  const slash = repo.search(/[/\\]/);
  const isDrive = colon === 1 && /^[A-Za-z]:[/\\]/.test(repo);
  if (colon > 0 && (slash === -1 || colon < slash) && !isDrive) return { type: "remote", url: repo };
  return { type: "local", path: repo };
}
