import { mkdir, mkdtemp, readdir, rename, rm, stat, utimes } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { EcsGitopsError } from "../errors.js";
import { SHA_PATTERN, createSerial, runGit } from "./git-cli.js";

export type SnapshotStoreOptions = {
  /** Where `<sha>/` directories live; created on first use. */
  dir: string;
  /** Snapshots kept on disk, the newest used first; at least 1. */
  keep: number;
  log?: Logger | undefined;
};

export type MaterialiseOptions = {
  /** The repository (its git dir) holding the commit. */
  gitDir: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** For error messages: the repository as the user knows it (redacted). */
  where: string;
};

const STALE_TMP_MS = 60 * 60 * 1000;

/**
 * Complete, read-only-by-convention trees of single commits at `<dir>/<sha>`. A tree is written
 * into a temporary directory and renamed into place, so a path handed out is always whole. It
 * stays valid until `keep` newer snapshots have been made.
 *
 * The tree comes from the object store through a throw-away index (`read-tree` + `checkout-index`),
 * never from a working tree, so uncommitted edits cannot leak in. Symlinks stay symlinks
 * (core.symlinks=true) so that the manifest loader sees them as links and reports them, exactly as
 * `validate` does on a working tree; it never follows one, so nothing outside the commit is read.
 * Submodules are not materialised.
 */
export class SnapshotStore {
  readonly #dir: string;
  readonly #keep: number;
  readonly #log: Logger | undefined;
  readonly #serial = createSerial();
  /** Most recently used last. Snapshots left by an earlier process rank below these, by mtime. */
  readonly #recent: string[] = [];

  constructor(options: SnapshotStoreOptions) {
    this.#dir = options.dir;
    this.#keep = Math.max(1, Math.floor(options.keep));
    this.#log = options.log;
  }

  get dir(): string {
    return this.#dir;
  }

  /** The path of a complete tree of `sha`, creating it if needed. The commit must be in `gitDir`. */
  materialise(sha: string, options: MaterialiseOptions): Promise<string> {
    if (!SHA_PATTERN.test(sha)) {
      return Promise.reject(
        new EcsGitopsError("InvalidRequest", `not a full commit SHA: ${JSON.stringify(sha)}`, { where: options.where }),
      );
    }
    return this.#serial(async () => {
      const target = join(this.#dir, sha);
      if (!(await isDirectory(target))) await this.#write(sha, target, options);
      else await utimes(target, new Date(), new Date()).catch(() => undefined);
      this.#touch(sha);
      await this.#prune();
      return target;
    });
  }

  async #write(sha: string, target: string, options: MaterialiseOptions): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const tmp = await mkdtemp(join(this.#dir, `.tmp-${sha.slice(0, 12)}-`));
    const env = { ...options.env, GIT_INDEX_FILE: `${tmp}.index` };
    const run = { env, timeoutMs: options.timeoutMs, where: options.where };
    try {
      await runGit(["--git-dir", options.gitDir, "read-tree", "--end-of-options", sha], { ...run, what: "read-tree" });
      await runGit(["--git-dir", options.gitDir, "--work-tree", tmp, "-c", "core.symlinks=true", "checkout-index", "--all", "--force"], {
        ...run,
        what: "checkout-index",
      });
      await rename(tmp, target);
      this.#log?.debug({ sha, path: target }, "snapshot written");
    } catch (error) {
      await rm(tmp, { recursive: true, force: true });
      throw error;
    } finally {
      await rm(`${tmp}.index`, { force: true });
    }
  }

  #touch(sha: string): void {
    const at = this.#recent.indexOf(sha);
    if (at >= 0) this.#recent.splice(at, 1);
    this.#recent.push(sha);
  }

  async #prune(): Promise<void> {
    const entries = await readdir(this.#dir, { withFileTypes: true });
    const now = Date.now();
    const old: { name: string; mtimeMs: number }[] = [];
    for (const entry of entries) {
      const path = join(this.#dir, entry.name);
      if (entry.name.startsWith(".tmp-")) {
        // Left by a crash mid-write (ours are renamed or removed before prune runs).
        const info = await stat(path).catch(() => undefined);
        if (info !== undefined && now - info.mtimeMs > STALE_TMP_MS) await rm(path, { recursive: true, force: true });
        continue;
      }
      if (!entry.isDirectory() || !SHA_PATTERN.test(entry.name) || this.#recent.includes(entry.name)) continue;
      const info = await stat(path).catch(() => undefined);
      old.push({ name: entry.name, mtimeMs: info?.mtimeMs ?? 0 });
    }
    old.sort((a, b) => b.mtimeMs - a.mtimeMs);
    const ranked = [...[...this.#recent].reverse(), ...old.map((o) => o.name)];
    for (const sha of ranked.slice(this.#keep)) {
      await rm(join(this.#dir, sha), { recursive: true, force: true });
      const at = this.#recent.indexOf(sha);
      if (at >= 0) this.#recent.splice(at, 1);
      this.#log?.debug({ sha }, "snapshot pruned");
    }
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}
