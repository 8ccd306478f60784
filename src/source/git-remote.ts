import { access, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { EcsGitopsError } from "../errors.js";
import { redactUrl } from "../redact.js";
import type { ControllerMetrics } from "../state/metrics.js";
import { SHA_PATTERN, baseGitEnv, createSerial, execGit, gitError, runGit, shellQuote, withGitConfig } from "./git-cli.js";
import { SnapshotStore } from "./snapshots.js";
import type { PollResult, Source } from "./types.js";

export type GitRemoteSourceOptions = {
  /** https://, ssh://, scp-like `git@host:org/repo.git` or file://. Credentials in it are redacted everywhere. */
  url: string;
  branch: string;
  /** Private to this source: a bare repository (`repo.git`) and `snapshots/`. Reused across restarts. */
  workDir: string;
  /**
   * Where credentials are read (default process.env):
   * - ECS_GITOPS_GIT_TOKEN: https token, sent as `Authorization: Basic base64(user:token)` to the
   *   remote's origin only, through GIT_CONFIG_* variables (not argv, not the repo config).
   * - ECS_GITOPS_GIT_USERNAME: the user for that header (default `x-access-token`: GitHub; GitLab
   *   takes any name with a personal access token, `oauth2` with an OAuth token).
   * - ECS_GITOPS_GIT_SSH_KEY: private key path, used with `IdentitiesOnly=yes`.
   * - ECS_GITOPS_GIT_KNOWN_HOSTS: known_hosts path, checked strictly (otherwise ssh's defaults).
   * ssh always runs with BatchMode=yes, so a missing key or host key fails instead of prompting.
   */
  env?: NodeJS.ProcessEnv;
  log?: Logger;
  /** Per network git call (ls-remote, fetch); local calls get the same bound. Default 60 s. */
  timeoutMs?: number;
  /** Shallow fetch depth; 1 is enough because every reconcile reads one whole commit. */
  fetchDepth?: number;
  keepSnapshots?: number;
  metrics?: Pick<ControllerMetrics, "gitFetches">;
};

/**
 * A git remote followed by polling: `poll()` asks `git ls-remote` where the branch is (one
 * round trip, no download) and fetches only when that commit is not already local. Git runs
 * without a shell and without prompts; every call has a timeout; errors are SourceUnavailable
 * with credentials redacted and git's stderr summarised.
 */
export class GitRemoteSource implements Source {
  readonly #url: string;
  readonly #branch: string;
  readonly #repoDir: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #secrets: string[];
  readonly #log: Logger | undefined;
  readonly #timeoutMs: number;
  readonly #depth: number;
  readonly #metrics: GitRemoteSourceOptions["metrics"];
  readonly #snapshots: SnapshotStore;
  readonly #serial = createSerial();
  #initialised = false;
  #lastSha: string | undefined;

  constructor(options: GitRemoteSourceOptions) {
    if (options.url === "" || options.url.startsWith("-") || /\s/.test(options.url)) {
      throw new EcsGitopsError("InvalidConfig", `--repo ${JSON.stringify(redactUrl(options.url))} is not a git URL`, { where: "--repo" });
    }
    assertBranchName(options.branch);
    this.#url = options.url;
    this.#branch = options.branch;
    this.#repoDir = join(options.workDir, "repo.git");
    this.#log = options.log;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#depth = options.fetchDepth ?? 1;
    this.#metrics = options.metrics;
    const credentials = credentialEnv(options.url, options.env ?? process.env);
    this.#env = credentials.env;
    this.#secrets = credentials.secrets;
    this.#snapshots = new SnapshotStore({ dir: join(options.workDir, "snapshots"), keep: options.keepSnapshots ?? 2, log: options.log });
  }

  describe(): string {
    return `${redactUrl(this.#url)} (branch ${this.#branch})`;
  }

  /** The commit the remote branch points at, by `git ls-remote`: no objects are downloaded. */
  headSha(): Promise<string> {
    return this.#serial(() => this.#headSha());
  }

  /** Where the branch stands, fetching it only when that commit is not local yet. */
  sync(): Promise<PollResult> {
    return this.#serial(async () => {
      const remoteSha = await this.#headSha();
      let sha = remoteSha;
      if (!(await this.#hasCommit(remoteSha))) {
        await this.#fetch(`+refs/heads/${this.#branch}:refs/heads/${this.#branch}`);
        // The branch may have moved again between ls-remote and fetch: report what we hold.
        sha = (await this.#git(["rev-parse", "--verify", "--end-of-options", `refs/heads/${this.#branch}^{commit}`], "rev-parse")).trim();
      }
      const changed = sha !== this.#lastSha;
      if (changed) this.#log?.info({ source: this.describe(), sha, previous: this.#lastSha }, "source head moved");
      this.#lastSha = sha;
      return { sha, changed };
    });
  }

  poll(): Promise<PollResult> {
    return this.sync();
  }

  async checkout(sha: string): Promise<string> {
    if (!SHA_PATTERN.test(sha))
      throw new EcsGitopsError("InvalidRequest", `not a full commit SHA: ${JSON.stringify(sha)}`, { where: this.describe() });
    await this.#serial(async () => {
      await this.#ensureRepo();
      if (await this.#hasCommit(sha)) return;
      // Not fetched by this process (a restart with a last good commit, or pruned by gc).
      const failure = await this.#fetch(sha).then(
        () => undefined,
        (error: unknown) => error,
      );
      if (!(await this.#hasCommit(sha))) {
        const why = failure instanceof Error ? `: ${failure.message}` : "";
        throw new EcsGitopsError(
          "SourceUnavailable",
          `commit ${sha} could not be fetched from ${this.describe()} (force-pushed away?)${why}`,
          { where: this.describe(), cause: failure },
        );
      }
    });
    return this.#snapshots.materialise(sha, { gitDir: this.#repoDir, env: this.#env, timeoutMs: this.#timeoutMs, where: this.describe() });
  }

  async close(): Promise<void> {
    await this.#serial(async () => undefined);
  }

  async #headSha(): Promise<string> {
    await this.#ensureRepo();
    const ref = `refs/heads/${this.#branch}`;
    const args = ["--git-dir", this.#repoDir, "ls-remote", "--exit-code", "--", this.#url, ref];
    const result = await execGit(args, { env: this.#env, timeoutMs: this.#timeoutMs });
    if (result.code === 2 && !result.timedOut) {
      throw new EcsGitopsError(
        "SourceUnavailable",
        `branch ${JSON.stringify(this.#branch)} does not exist on ${redactUrl(this.#url)}; check --branch`,
        { where: this.describe() },
      );
    }
    if (result.code !== 0) throw gitError(result, this.#errorContext("ls-remote"));
    const line = result.stdout.split("\n").find((l) => l.endsWith(`\t${ref}`));
    const sha = line?.split("\t")[0] ?? "";
    if (!SHA_PATTERN.test(sha))
      throw new EcsGitopsError("SourceUnavailable", `git ls-remote gave no commit for ${ref} on ${redactUrl(this.#url)}`, {
        where: this.describe(),
      });
    return sha;
  }

  async #fetch(refspec: string): Promise<void> {
    const args = [
      "--git-dir",
      this.#repoDir,
      "fetch",
      "--quiet",
      "--no-tags",
      "--no-write-fetch-head",
      "--no-recurse-submodules",
      `--depth=${this.#depth}`,
      "--",
      this.#url,
      refspec,
    ];
    const started = Date.now();
    const result = await execGit(args, { env: this.#env, timeoutMs: this.#timeoutMs });
    this.#metrics?.gitFetches.inc({ result: result.code === 0 ? "ok" : "error" });
    if (result.code !== 0) throw gitError(result, this.#errorContext("fetch"));
    this.#log?.debug({ source: this.describe(), refspec, durationMs: Date.now() - started }, "fetched");
  }

  async #hasCommit(sha: string): Promise<boolean> {
    const result = await execGit(["--git-dir", this.#repoDir, "cat-file", "-e", `${sha}^{commit}`], {
      env: this.#env,
      timeoutMs: this.#timeoutMs,
    });
    return result.code === 0;
  }

  async #ensureRepo(): Promise<void> {
    if (this.#initialised) return;
    const exists = await access(join(this.#repoDir, "HEAD")).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await mkdir(this.#repoDir, { recursive: true });
      await this.#git(["-c", "init.defaultBranch=main", "init", "--bare", "--quiet", this.#repoDir], "init", false);
    }
    this.#initialised = true;
  }

  #git(args: readonly string[], what: string, inRepo = true): Promise<string> {
    return runGit(inRepo ? ["--git-dir", this.#repoDir, ...args] : args, { env: this.#env, ...this.#errorContext(what) });
  }

  #errorContext(what: string) {
    return { what, where: redactUrl(this.#url), timeoutMs: this.#timeoutMs, redact: (text: string) => this.#redact(text) };
  }

  #redact(text: string): string {
    let out = redactUrl(text);
    for (const secret of this.#secrets) out = out.replaceAll(secret, "***");
    return out;
  }
}

function assertBranchName(branch: string): void {
  // git check-ref-format's rules, the ones that matter for argv safety and typos.
  if (
    branch === "" ||
    branch.startsWith("-") ||
    branch.startsWith("/") ||
    branch.endsWith("/") ||
    branch.endsWith(".lock") ||
    /\.\.|[\s~^:?*[\\\x00-\x1f\x7f]|@\{/.test(branch)
  ) {
    throw new EcsGitopsError("InvalidConfig", `--branch ${JSON.stringify(branch)} is not a valid branch name`, { where: "--branch" });
  }
}

function credentialEnv(url: string, source: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; secrets: string[] } {
  let env = baseGitEnv(source);
  const secrets: string[] = [];
  const token = source.ECS_GITOPS_GIT_TOKEN;
  const origin = httpOrigin(url);
  if (token !== undefined && token !== "" && origin !== undefined) {
    const basic = Buffer.from(`${source.ECS_GITOPS_GIT_USERNAME || "x-access-token"}:${token}`).toString("base64");
    // Scoped to the remote's origin: a redirect or submodule elsewhere never sees the token.
    env = withGitConfig(env, [[`http.${origin}/.extraHeader`, `Authorization: Basic ${basic}`]]);
    secrets.push(token, basic);
  }
  for (const name of ["ECS_GITOPS_GIT_TOKEN", "ECS_GITOPS_GIT_USERNAME", "ECS_GITOPS_WEBHOOK_SECRET"]) delete env[name];
  if (source.GIT_SSH_COMMAND === undefined || source.ECS_GITOPS_GIT_SSH_KEY !== undefined) {
    const ssh = ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=15"];
    const key = source.ECS_GITOPS_GIT_SSH_KEY;
    if (key !== undefined && key !== "") ssh.push("-i", shellQuote(key), "-o", "IdentitiesOnly=yes");
    const knownHosts = source.ECS_GITOPS_GIT_KNOWN_HOSTS;
    if (knownHosts !== undefined && knownHosts !== "")
      ssh.push("-o", `UserKnownHostsFile=${shellQuote(knownHosts)}`, "-o", "StrictHostKeyChecking=yes");
    env.GIT_SSH_COMMAND = ssh.join(" ");
  }
  return { env, secrets };
}

function httpOrigin(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}
