import { createHash } from "node:crypto";
import { rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import { watch as chokidarWatch } from "chokidar";
import type { FSWatcher } from "chokidar";
import type { Logger } from "pino";
import { EcsGitopsError } from "../errors.js";
import { SHA_PATTERN, baseGitEnv, createSerial, execGit, gitError } from "./git-cli.js";
import { SnapshotStore } from "./snapshots.js";
import type { PollResult, Source } from "./types.js";

export type LocalCheckoutSourceOptions = {
  /** A git checkout (or a folder inside one: snapshots then open at the same folder). */
  path: string;
  /** Follow this branch instead of whatever HEAD points at (the default). */
  branch?: string;
  /** Where snapshots go; default a folder under the OS temp dir, removed on close(). */
  workDir?: string;
  log?: Logger;
  /** Quiet time after the last change in .git before HEAD is read again. Default 300 ms. */
  debounceMs?: number;
  timeoutMs?: number;
  keepSnapshots?: number;
  /** Poll the files instead of fs events (network filesystems, some container bind mounts). */
  usePolling?: boolean;
};

type Repo = { gitDir: string; commonDir: string; prefix: string };

/**
 * `--repo ./dir`: a local git checkout. Only committed state is reconciled: `poll` reads the
 * commit HEAD (or `branch`) points at and `checkout` materialises it from the object store, so
 * uncommitted edits never reach AWS. A folder that is not in a git repository is an InvalidConfig
 * error telling the user to commit the manifests: reconciling a working tree would give no
 * revision to record on AWS, no last good commit to fall back to, and half-saved files.
 */
export class LocalCheckoutSource implements Source {
  readonly #path: string;
  readonly #ref: string;
  readonly #workDir: string;
  readonly #ownsWorkDir: boolean;
  readonly #log: Logger | undefined;
  readonly #debounceMs: number;
  readonly #timeoutMs: number;
  readonly #usePolling: boolean;
  readonly #env: NodeJS.ProcessEnv;
  readonly #snapshots: SnapshotStore;
  readonly #serial = createSerial();
  #repo: Repo | undefined;
  #lastSha: string | undefined;
  #watcher: FSWatcher | undefined;
  #debounce: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: LocalCheckoutSourceOptions) {
    this.#path = resolve(options.path);
    if (
      options.branch !== undefined &&
      (options.branch === "" || options.branch.startsWith("-") || /[\s~^:?*[\\]|\.\./.test(options.branch))
    ) {
      throw new EcsGitopsError("InvalidConfig", `--branch ${JSON.stringify(options.branch)} is not a valid branch name`, {
        where: "--branch",
      });
    }
    this.#ref = options.branch === undefined ? "HEAD" : `refs/heads/${options.branch}`;
    this.#ownsWorkDir = options.workDir === undefined;
    this.#workDir =
      options.workDir ?? join(tmpdir(), `ecs-gitops-local-${createHash("sha256").update(this.#path).digest("hex").slice(0, 12)}`);
    this.#log = options.log;
    this.#debounceMs = options.debounceMs ?? 300;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#usePolling = options.usePolling ?? false;
    this.#env = baseGitEnv(process.env);
    this.#snapshots = new SnapshotStore({ dir: join(this.#workDir, "snapshots"), keep: options.keepSnapshots ?? 2, log: options.log });
  }

  describe(): string {
    return this.#ref === "HEAD"
      ? `local checkout ${this.#path}`
      : `local checkout ${this.#path} (branch ${this.#ref.slice("refs/heads/".length)})`;
  }

  async poll(): Promise<PollResult> {
    const sha = await this.#readSha();
    const changed = sha !== this.#lastSha;
    if (changed) this.#log?.info({ source: this.describe(), sha, previous: this.#lastSha }, "source head moved");
    this.#lastSha = sha;
    return { sha, changed };
  }

  async checkout(sha: string): Promise<string> {
    if (!SHA_PATTERN.test(sha))
      throw new EcsGitopsError("InvalidRequest", `not a full commit SHA: ${JSON.stringify(sha)}`, { where: this.describe() });
    const repo = await this.#resolve();
    const present = await this.#git(["cat-file", "-e", `${sha}^{commit}`]);
    if (present.code !== 0) {
      throw new EcsGitopsError("SourceUnavailable", `commit ${sha} is not in ${this.#path} (history rewritten?)`, {
        where: this.describe(),
        retryable: false,
      });
    }
    const root = await this.#snapshots.materialise(sha, {
      gitDir: repo.gitDir,
      env: this.#env,
      timeoutMs: this.#timeoutMs,
      where: this.describe(),
    });
    return repo.prefix === "" ? root : join(root, repo.prefix);
  }

  /**
   * Watch HEAD, the branch refs and packed-refs (not the objects or the working tree) and call
   * `onChange` once the commit they point at differs, after `debounceMs` of quiet.
   */
  async watch(onChange: () => void): Promise<void> {
    if (this.#watcher !== undefined)
      throw new EcsGitopsError("Internal", "LocalCheckoutSource.watch called twice", { where: this.describe() });
    const repo = await this.#resolve();
    let seen = await this.#readSha().catch(() => undefined);
    const headFile = join(repo.gitDir, "HEAD");
    const watched = (path: string): boolean => {
      if (path === headFile) return true;
      const rel = relative(repo.commonDir, path).split(sep).join("/");
      if (rel === "" || rel === "HEAD" || rel === "packed-refs" || rel === "refs" || rel === "refs/heads") return true;
      return rel.startsWith("refs/heads/") && !rel.endsWith(".lock");
    };
    const check = async () => {
      const sha = await this.#readSha().catch(() => undefined);
      if (sha === undefined || sha === seen || this.#closed) return;
      seen = sha;
      this.#log?.debug({ source: this.describe(), sha }, "local head moved");
      onChange();
    };
    const schedule = () => {
      if (this.#debounce !== undefined) clearTimeout(this.#debounce);
      this.#debounce = setTimeout(() => {
        this.#debounce = undefined;
        void check();
      }, this.#debounceMs);
    };
    const paths = repo.gitDir === repo.commonDir ? [repo.commonDir] : [repo.commonDir, headFile];
    const watcher = chokidarWatch(paths, {
      ignoreInitial: true,
      ignored: (path) => !watched(path),
      usePolling: this.#usePolling,
      interval: 250,
    });
    this.#watcher = watcher;
    watcher.on("all", schedule);
    watcher.on("error", (error) => this.#log?.warn({ err: error, source: this.describe() }, "watch error"));
    await new Promise<void>((ready) => watcher.once("ready", () => ready()));
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#debounce !== undefined) clearTimeout(this.#debounce);
    await this.#watcher?.close();
    this.#watcher = undefined;
    await this.#serial(async () => undefined);
    if (this.#ownsWorkDir) await rm(this.#workDir, { recursive: true, force: true });
  }

  async #readSha(): Promise<string> {
    await this.#resolve();
    const result = await this.#git(["rev-parse", "--verify", "--quiet", "--end-of-options", `${this.#ref}^{commit}`]);
    const sha = result.stdout.trim();
    if (result.code === 0 && SHA_PATTERN.test(sha)) return sha;
    if (result.code === 1 && !result.timedOut) {
      const what = this.#ref === "HEAD" ? "has no commit yet" : `has no branch ${this.#ref.slice("refs/heads/".length)}`;
      throw new EcsGitopsError(
        "SourceUnavailable",
        `${this.#path} ${what}: commit your manifests (the local mode reconciles committed state only)`,
        { where: this.describe() },
      );
    }
    throw gitError(result, { what: "rev-parse", where: this.#path, timeoutMs: this.#timeoutMs });
  }

  #resolve(): Promise<Repo> {
    return this.#serial(async () => {
      if (this.#repo !== undefined) return this.#repo;
      const info = await stat(this.#path).catch(() => undefined);
      if (info?.isDirectory() !== true) {
        throw new EcsGitopsError("InvalidConfig", `--repo ${this.#path} is not a directory`, { where: "--repo", retryable: false });
      }
      const result = await this.#git(["rev-parse", "--path-format=absolute", "--absolute-git-dir", "--git-common-dir", "--show-prefix"]);
      if (result.code !== 0) {
        if (/not a git repository/i.test(result.stderr)) {
          throw new EcsGitopsError(
            "InvalidConfig",
            `${this.#path} is not a git checkout: the local mode reconciles commits, ` +
              `never loose files. Run \`git init && git add -A && git commit -m manifests\` ` +
              `there, or pass a git URL to --repo`,
            { where: "--repo", retryable: false },
          );
        }
        throw gitError(result, { what: "rev-parse", where: this.#path, timeoutMs: this.#timeoutMs });
      }
      const [gitDir = "", commonDir = "", prefix = ""] = result.stdout.split("\n");
      this.#repo = { gitDir, commonDir, prefix: prefix.replace(/\/$/, "") };
      return this.#repo;
    });
  }

  #git(args: readonly string[]) {
    // The checkout may belong to another user (a bind mount): the user pointed us at it on purpose.
    return execGit(["-c", `safe.directory=${this.#path}`, "-C", this.#path, ...args], { env: this.#env, timeoutMs: this.#timeoutMs });
  }
}
