import { createHash } from "node:crypto";

/**
 * The `ecs-gitops:source` tag says which repository and file a resource comes from:
 * `<repo>//<path>`, e.g. `github.com/acme/deploy//apps/web/service.yaml`. Two controllers with the
 * same owner but different repositories tell each other's resources apart by it. A value without
 * `//` is the older form (the path alone): kept as ours, and rewritten with the next tag write.
 */
const SEPARATOR = "//";
/** AWS limits a tag value to 256 characters. */
export const MAX_TAG_VALUE = 256;
const MAX_REPO = 160;

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
// `git@github.com:acme/deploy.git`: user@host:path, not a URL and not a Windows drive (`C:\…`).
const SCP_LIKE = /^(?:[^@/\s]+@)?([^:/\s]{2,}):(?!\/\/)(.+)$/;

const digest = (text: string, length: number) => createHash("sha256").update(text).digest("hex").slice(0, length);

/** Characters ECS allows in a tag value (letters, digits, spaces and `+ - = . _ : / @`). */
function tagSafe(text: string): string {
  return text.replace(/[^\p{L}\p{N} +\-=._:/@]/gu, "_");
}

/**
 * A repository's identity, the same for every way of writing its address: no scheme, no user or
 * password (never in a tag), lower-case host, no `.git` or trailing slash. `https://user:pw@GitHub.com/acme/deploy.git`,
 * `git+ssh://git@github.com/acme/deploy` and `git@github.com:acme/deploy.git` are all
 * `github.com/acme/deploy`. A local path (no remote) is its absolute path.
 */
export function repoIdentity(location: string): string {
  const text = location.trim();
  let rest: string;
  if (SCHEME.test(text)) {
    const scheme = text.slice(0, text.indexOf(":")).toLowerCase();
    rest = text.slice(text.indexOf("://") + 3).replace(/[?#].*$/, "");
    if (scheme === "file") return collapse(decodeURIComponent(rest.startsWith("/") ? rest : `/${rest.slice(rest.indexOf("/") + 1)}`));
    rest = rest.replace(/^[^@/]*@/, "");
  } else {
    const scp = text.startsWith("/") || text.startsWith(".") ? null : SCP_LIKE.exec(text);
    if (scp === null) return collapse(text);
    rest = `${scp[1] ?? ""}/${scp[2] ?? ""}`;
  }
  const slash = rest.indexOf("/");
  const host = (slash < 0 ? rest : rest.slice(0, slash)).toLowerCase();
  const repoPath = slash < 0 ? "" : rest.slice(slash);
  return collapse(`${host}${repoPath}`.replace(/\/+$/, "").replace(/\.git$/i, ""));
}

function collapse(text: string): string {
  const collapsed = text.replace(/\/{2,}/g, "/");
  return collapsed.length > 1 ? collapsed.replace(/\/$/, "") : collapsed;
}

/** The tag value for `file` of `repo` (unknown repo: the path alone), within AWS's 256 characters. */
export function sourceTagValue(repo: string | undefined, file: string): string {
  if (repo === undefined) return tagSafe(file).slice(0, MAX_TAG_VALUE);
  let repoPart = tagSafe(repo);
  // Shortened deterministically, so every run writes the same value for the same repository.
  if (repoPart.length > MAX_REPO) repoPart = `${repoPart.slice(0, MAX_REPO - 13)}-${digest(repo, 12)}`;
  let filePart = tagSafe(file);
  const room = MAX_TAG_VALUE - repoPart.length - SEPARATOR.length;
  if (filePart.length > room) filePart = `${digest(file, 12)}-${filePart.slice(filePart.length - (room - 13))}`;
  return `${repoPart}${SEPARATOR}${filePart}`;
}

/** The repository a source tag names; undefined for the older form (path only) or no tag. */
export function repoOfSource(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const at = value.indexOf(SEPARATOR);
  return at < 0 ? undefined : value.slice(0, at);
}

/** The repository that wrote the resource when it is not `repo`; undefined when it is ours (or unknown). */
export function otherRepository(liveSource: string | undefined, repo: string | undefined): string | undefined {
  const writer = repoOfSource(liveSource);
  if (writer === undefined || repo === undefined) return undefined;
  return writer === repoOfSource(sourceTagValue(repo, "")) ? undefined : writer;
}

/** Same file, older form: the live tag is the path alone and the wanted one adds the repository. */
export function isOlderSourceForm(live: string | undefined, wanted: string | undefined): boolean {
  if (live === undefined || wanted === undefined || repoOfSource(live) !== undefined) return false;
  const at = wanted.indexOf(SEPARATOR);
  return at >= 0 && wanted.slice(at + SEPARATOR.length) === live;
}
