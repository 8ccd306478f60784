import { realpath } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { SsmReadOptions } from "../aws/index.js";
import { DEFAULT_CONFIG, loadConfigFile, regionProblems } from "../config.js";
import type { ControllerConfig, LoadedConfig } from "../config.js";
import { EcsGitopsError, isEcsGitopsError } from "../errors.js";
import { problem } from "../manifests/parse.js";
import { registerSecretValue } from "../redact.js";
import type { LoadResult, Manifest, Problem } from "../manifests/types.js";
import { loadDesiredState } from "../resources/load.js";
import { collectGarbage } from "./heap-collect.js";
import { loadPlainCommit, withoutLocators } from "./plain-commit.js";
import type { LoadMemo } from "./plain-commit.js";

export type CommitLoadRequest = {
  /** The manifests root inside a materialised commit. */
  root: string;
  /** `--cluster`; unset: the commit's ecs-gitops.yaml decides. */
  cluster: string | undefined;
  maxCommitBytes?: number | undefined;
  /** The commit's tree: `root` must not lead out of it (`--path ../..`, a linked folder). */
  within?: string | undefined;
  /** The region the controller's clients were made for: a settings file naming another is an error. */
  region?: string | undefined;
  /** Where `fromSsm` variables are read (plain data: it crosses into the worker). Unset: they are an error. */
  ssm?: SsmReadOptions | undefined;
  /** Answer with each file's share of the load (a plain commit's), for the next commit's incremental load. */
  keepMemo?: boolean | undefined;
  /** The commit's id: named by the marker of a load on the controller's thread (src/source/load-marker.ts). */
  commit?: string | undefined;
};

/** A commit's settings file and manifests; `loaded` is absent when the settings file is broken. */
export type CommitLoad = {
  config: ControllerConfig;
  configProblems: LoadResult["problems"];
  loaded: LoadResult | undefined;
  /** The load read SSM parameters: their values can change without a commit, so the controller reloads at resync. */
  readSsm?: boolean;
  /**
   * SecureString values the load resolved. The worker masks them in its own thread only; the
   * controller registers them in its own (withLocators) and drops the list.
   */
  secretValues?: string[];
  /** With `keepMemo`: each file's share of a plain commit's load (src/source/plain-commit.ts). */
  memo?: LoadMemo | undefined;
};

export type CommitLoadLimits = {
  /** A load that takes longer is abandoned (the worker is terminated). */
  timeoutMs: number;
  /** The worker's heap; a commit that needs more is refused instead of growing the controller. */
  maxHeapMb: number;
};

// Node counts are capped per file and per commit, so a commit that fits them needs far less;
// a larger heap only lets a pathological one take more of the machine before it is refused.
export const DEFAULT_COMMIT_LOAD_LIMITS: CommitLoadLimits = { timeoutMs: 120_000, maxHeapMb: 384 };

/** Read, parse and validate one commit in the calling thread (the worker's body; tests). */
export async function loadCommitInline(request: CommitLoadRequest): Promise<CommitLoad> {
  const settings = await commitSettings(request);
  if ("loaded" in settings) return settings;
  const { config, configProblems, loadedConfig } = settings;
  const defaultCluster = request.cluster ?? config.cluster;
  const plain = await loadPlainCommit(request.root, loadedConfig, { defaultCluster, maxCommitBytes: request.maxCommitBytes });
  if (plain !== undefined) return { config, configProblems, loaded: plain.loaded, ...(request.keepMemo ? { memo: plain.memo } : {}) };
  const ssm = request.ssm;
  let readSsm = false;
  const secretValues: string[] = [];
  const loaded = await loadDesiredState(request.root, {
    defaultCluster,
    maxCommitBytes: request.maxCommitBytes,
    within: request.within,
    ...(ssm === undefined
      ? {}
      : {
          readSsm: async (names: readonly string[]) => {
            readSsm = true;
            // Imported here, not at the top: only a commit with `fromSsm` variables loads the SSM client into the worker.
            const { readSsmParameters } = await import("../aws/ssm.js");
            const values = await readSsmParameters(ssm, names);
            for (const value of values.values()) if (value.secure) secretValues.push(value.value);
            return values;
          },
        }),
  });
  return { config, configProblems, loaded, ...(readSsm ? { readSsm, secretValues } : {}) };
}

/** The commit's settings file read and checked; a finished load (nothing loaded) when it is broken or the root leads out of the tree. */
export async function commitSettings(
  request: CommitLoadRequest,
): Promise<CommitLoad | { config: ControllerConfig; configProblems: Problem[]; loadedConfig: LoadedConfig }> {
  if (request.within !== undefined && !(await isInside(request.root, request.within))) {
    // Reported like a broken settings file: the last good commit stays in force entirely.
    const outside = problem(
      { file: ".", line: 1, column: 1 },
      "PathNotFound",
      `the manifests path leads out of the repository (through ".." or a symbolic link): point --path at a folder of the repository`,
    );
    return { config: structuredClone(DEFAULT_CONFIG), configProblems: [outside], loaded: undefined };
  }
  const loadedConfig = await loadConfigFile(request.root);
  const { config } = loadedConfig;
  const configProblems = [...loadedConfig.problems, ...regionProblems(loadedConfig, request.region)];
  if (configProblems.some((p) => p.severity === "error")) return { config, configProblems, loaded: undefined };
  return { config, configProblems, loadedConfig };
}

/**
 * The same load in a worker thread: parsing and validating a pathological commit (a megabyte of
 * YAML, thousands of documents) takes seconds of CPU, and on the main thread that would stall
 * /healthz and the reconcile queue. The worker also bounds the memory a commit can take.
 * `collected`: the caller has just collected this thread's heap (or chose not to): no second pause.
 */
export function loadCommitInWorker(
  request: CommitLoadRequest,
  limits: CommitLoadLimits | undefined = DEFAULT_COMMIT_LOAD_LIMITS,
  options: { collected?: boolean } = {},
): Promise<CommitLoad> {
  limits ??= DEFAULT_COMMIT_LOAD_LIMITS;
  if (options.collected !== true) collectGarbage();
  return new Promise((resolve, reject) => {
    const worker = startWorker(request, limits);
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      outcome();
    };
    const timer = setTimeout(() => {
      finish(() =>
        reject(
          new EcsGitopsError(
            "InvalidManifest",
            `loading the commit's manifests took longer than ${Math.round(limits.timeoutMs / 1000)} s: split or simplify the largest files`,
            { where: request.root, retryable: false },
          ),
        ),
      );
    }, limits.timeoutMs);
    worker.once("message", (message: CommitLoad) => finish(() => resolve(withLocators(message))));
    worker.once("error", (error: Error & { code?: string }) => {
      const tooLarge = error.code === "ERR_WORKER_OUT_OF_MEMORY";
      const failure = tooLarge
        ? new EcsGitopsError(
            "InvalidManifest",
            `the commit's manifests need more than ${limits.maxHeapMb} MiB to load: split or shrink the largest files`,
            { where: request.root, retryable: false, cause: error },
          )
        : error;
      finish(() => reject(failure));
    });
    worker.once("exit", (code) =>
      finish(() =>
        reject(new EcsGitopsError("Internal", `the manifest loader exited (code ${code}) without a result`, { where: request.root })),
      ),
    );
  });
}

/**
 * A load that failed as a whole (too heavy, too slow, the loader died): the commit is broken, not
 * the git source. One problem names it, the last good commit stays in force; `retry` when the
 * failure may pass (a crash, a timeout on a busy machine), so the next poll loads the commit again.
 */
export function failedCommitLoad(sha: string, error: unknown): CommitLoad & { retry: boolean } {
  const why = error instanceof Error ? error.message : String(error);
  const message = `commit ${sha.slice(0, 12)} could not be loaded: ${why.slice(0, 300)}`;
  const retry = !isEcsGitopsError(error) || error.code !== "InvalidManifest" || /took longer/.test(why);
  return {
    config: structuredClone(DEFAULT_CONFIG),
    configProblems: [problem({ file: ".", line: 1, column: 1 }, "FileTooLarge", message)],
    loaded: undefined,
    retry,
  };
}

async function isInside(root: string, within: string): Promise<boolean> {
  const [real, base] = await Promise.all([realpath(root).catch(() => undefined), realpath(within).catch(() => undefined)]);
  // A root that does not exist is reported by the loader as a missing path.
  if (real === undefined || base === undefined) return !path.relative(path.resolve(within), path.resolve(root)).startsWith("..");
  const rel = path.relative(base, real);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/**
 * What crosses the thread boundary: everything but the `locate` closures, which only validation
 * uses. A manifest that is also in the memo is sent as the memo's object: one copy of each.
 */
export function toTransferable(load: CommitLoad): CommitLoad {
  if (!load.loaded) return load;
  return { ...load, loaded: { ...load.loaded, manifests: load.loaded.manifests.map(withoutLocators) } };
}

/** A load as the controller keeps it: each manifest located at its document's start only; its secrets registered for redaction. */
export function withLocators(received: CommitLoad): CommitLoad {
  const { secretValues, ...load } = received;
  for (const value of secretValues ?? []) registerSecretValue(value);
  if (!load.loaded) return load;
  const manifests = load.loaded.manifests.map((m): Manifest => ({ ...m, locate: () => m.position }));
  return { ...load, loaded: { ...load.loaded, manifests } };
}

function startWorker(request: CommitLoadRequest, limits: CommitLoadLimits): Worker {
  const options = { workerData: request, resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb } };
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL("./commit-load-worker.js", import.meta.url), options);
  // Running from the TypeScript sources (tests, `tsx`): the worker loads them through tsx too.
  // tsx's ESM entry (its CommonJS twin, which require.resolve finds, cannot register hooks here).
  const tsx = pathToFileURL(
    path.join(path.dirname(createRequire(import.meta.url).resolve("tsx/package.json")), "dist/esm/api/index.mjs"),
  ).href;
  const entry = new URL("./commit-load-worker.ts", import.meta.url).href;
  return new Worker(`import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); })`, {
    ...options,
    eval: true,
  });
}
