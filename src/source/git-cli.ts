import { spawn } from "node:child_process";
import { EcsGitopsError } from "../errors.js";
import type { ErrorCode } from "../errors.js";
import { redactUrl } from "../redact.js";

export type GitResult = { code: number | null; stdout: string; stderr: string; timedOut: boolean; missingGit: boolean };

export type GitRunOptions = {
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  cwd?: string;
  /** Hides credentials in anything that reaches an error message. */
  redact?: (text: string) => string;
};

const STDOUT_LIMIT_BYTES = 16 * 1024 * 1024;
const STDERR_LIMIT_BYTES = 64 * 1024;

// Inherited from a git hook or a parent git process, these would point our commands elsewhere.
const INHERITED_GIT_VARS = [
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_INDEX_FILE",
  "GIT_OBJECT_DIRECTORY",
  "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  "GIT_COMMON_DIR",
  "GIT_NAMESPACE",
  "GIT_PREFIX",
];

/** The environment every git call runs with: never prompts, English messages, no inherited repo. */
export function baseGitEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, GIT_TERMINAL_PROMPT: "0", GCM_INTERACTIVE: "never", LC_ALL: "C", LANG: "C" };
  for (const name of INHERITED_GIT_VARS) delete out[name];
  return out;
}

/** Add `-c key=value` settings through the environment (git ≥ 2.31): never in argv, never on disk. */
export function withGitConfig(env: NodeJS.ProcessEnv, settings: readonly (readonly [string, string])[]): NodeJS.ProcessEnv {
  const out = { ...env };
  let count = Number(out.GIT_CONFIG_COUNT ?? 0);
  if (!Number.isInteger(count) || count < 0) count = 0;
  for (const [key, value] of settings) {
    out[`GIT_CONFIG_KEY_${count}`] = key;
    out[`GIT_CONFIG_VALUE_${count}`] = value;
    count += 1;
  }
  out.GIT_CONFIG_COUNT = String(count);
  return out;
}

/**
 * Run git without a shell, in its own process group so a timeout also ends the ssh or https
 * helper it started. Never throws: the caller decides what a non-zero exit means.
 */
export function execGit(args: readonly string[], options: GitRunOptions): Promise<GitResult> {
  return new Promise((resolve) => {
    const child = spawn("git", args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = "";
    let timedOut = false;
    let settled = false;
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes <= STDOUT_LIMIT_BYTES) stdout.push(chunk);
      else kill();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-STDERR_LIMIT_BYTES);
    });
    const finish = (result: Omit<GitResult, "stdout" | "stderr" | "timedOut">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, stdout: Buffer.concat(stdout).toString("utf8"), stderr, timedOut });
    };
    child.once("error", (error: NodeJS.ErrnoException) => finish({ code: null, missingGit: error.code === "ENOENT" }));
    child.once("close", (code) => finish({ code, missingGit: false }));
  });
}

/** Run git and return stdout; any failure becomes a SourceUnavailable naming `what` and `where`. */
export async function runGit(
  args: readonly string[],
  options: GitRunOptions & { what: string; where: string; code?: ErrorCode },
): Promise<string> {
  const result = await execGit(args, options);
  if (result.code === 0) return result.stdout;
  throw gitError(result, options);
}

export function gitError(
  result: GitResult,
  options: { what: string; where: string; timeoutMs: number; code?: ErrorCode; redact?: (text: string) => string },
): EcsGitopsError {
  const redact = options.redact ?? redactUrl;
  if (result.missingGit) {
    return new EcsGitopsError(
      "SourceUnavailable",
      "the git executable was not found on PATH; install git (the controller shells out to it)",
      { where: options.where, retryable: false },
    );
  }
  const detail = result.timedOut
    ? `timed out after ${Math.round(options.timeoutMs / 1000)} s`
    : summariseStderr(result.stderr) || `exit code ${result.code}`;
  const hint = result.timedOut ? "check that the remote is reachable from here" : hintFor(result.stderr);
  const message = `git ${options.what} failed for ${options.where}: ${detail}` + (hint === undefined ? "" : ` (${hint})`);
  return new EcsGitopsError(options.code ?? "SourceUnavailable", redact(message), { where: redact(options.where) });
}

function hintFor(stderr: string): string | undefined {
  if (
    /terminal prompts disabled|authentication failed|invalid username or password|HTTP Basic: Access denied|returned error: 40[13]/i.test(
      stderr,
    )
  ) {
    return "the remote wants credentials: set ECS_GITOPS_GIT_TOKEN for https";
  }
  if (/Permission denied \(publickey/i.test(stderr))
    return "the remote refused the SSH key: set ECS_GITOPS_GIT_SSH_KEY to a key with read access";
  if (/Host key verification failed|No .* host key is known/i.test(stderr)) {
    return "the SSH host key is unknown: put the host in a known_hosts file and set ECS_GITOPS_GIT_KNOWN_HOSTS";
  }
  return undefined;
}

/** The lines that say what went wrong (`fatal:`, `error:`, `remote:`), without git's hints. */
export function summariseStderr(stderr: string): string {
  const lines = stderr
    .split(/\r?\n|\r/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("hint:"));
  const important = lines.filter(
    (line) => /^(fatal|error|remote|ssh|warning):/i.test(line) || /denied|not found|could not|unable/i.test(line),
  );
  const chosen = (important.length > 0 ? important : lines).slice(-4).join("; ");
  return chosen.length > 400 ? chosen.slice(0, 397) + "..." : chosen;
}

/** Run async sections one at a time (git locks refs and the shallow file; concurrent fetches fail). */
export function createSerial(): <T>(section: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(section: () => Promise<T>) => {
    const run = tail.then(section, section);
    tail = run.catch(() => undefined);
    return run;
  };
}

export const SHA_PATTERN = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** `'…'` quoting for the one place a shell is involved: git runs GIT_SSH_COMMAND through `sh -c`. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
