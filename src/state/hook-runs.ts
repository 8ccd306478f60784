import { readFile } from "node:fs/promises";
import type { Logger } from "pino";
import { isJsonObject } from "../json.js";
import type { ResourceKey } from "../manifests/types.js";
import type { HookPhase } from "../resources/service/hooks.js";
import { writeFileAtomic } from "./atomic-file.js";

/** One attempt of one hook at one revision of a service: persisted, and shown in /status (docs/hooks.md#status). */
export type HookRun = {
  service: ResourceKey;
  hook: string;
  phase: HookPhase;
  /** The service's task definition revision (ARN) whose deploy ran the hook. */
  revision: string;
  attempt: number;
  clientToken: string;
  cluster: string;
  /** The revision the hook's task ran (the service's own, or the hook's family). */
  taskDefinition: string;
  /** The commit that started this attempt: a failed attempt is retried by the next commit only. */
  commit: string;
  blocking: boolean;
  /** Containers whose exit does not count (essential: false), copied at start. */
  nonEssential: string[];
  /** The container whose log stream is reported. */
  container?: string;
  taskArn?: string;
  outcome: "running" | "succeeded" | "failed";
  exitCode?: number;
  exitCodes?: Record<string, number | null>;
  stoppedReason?: string;
  logGroup?: string;
  logStream?: string;
  startedAt: string;
  /** After this the task is stopped and the run failed. */
  deadline: string;
  finishedAt?: string;
};

/** What /status shows of a run. */
export type HookRunStatus = Pick<HookRun, "hook" | "phase" | "revision" | "attempt" | "outcome" | "startedAt"> &
  Partial<Pick<HookRun, "taskArn" | "exitCode" | "stoppedReason" | "logGroup" | "logStream" | "finishedAt">>;

export function hookRunStatus(run: HookRun): HookRunStatus {
  const { hook, phase, revision, attempt, outcome, startedAt, taskArn, exitCode, stoppedReason, logGroup, logStream, finishedAt } = run;
  const optional = { taskArn, exitCode, stoppedReason, logGroup, logStream, finishedAt };
  return {
    hook,
    phase,
    revision,
    attempt,
    outcome,
    startedAt,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  };
}

export type HookRunId = Pick<HookRun, "service" | "revision" | "phase" | "hook">;

/** Finished runs kept per service (the newest): enough for /status and for "already ran" across restarts. */
const KEEP_PER_SERVICE = 20;

function idOf(run: HookRunId): string {
  return JSON.stringify([run.revision, run.phase, run.hook]);
}

/**
 * The latest attempt of every hook at every revision, saved to one JSON file in the workdir after
 * each change (atomically), so a restarted controller resumes waiting on a running hook and never
 * runs a hook again for a revision it already ran for. Saves are serialized.
 */
export class HookRunStore {
  readonly #path: string | undefined;
  readonly #log: Logger | undefined;
  /** By service, then by (revision, phase, hook): every reconcile of a Service reads its own runs only. */
  readonly #runs = new Map<ResourceKey, Map<string, HookRun>>();
  #saving: Promise<void> = Promise.resolve();

  constructor(options: { path?: string; log?: Logger } = {}) {
    this.#path = options.path;
    this.#log = options.log;
  }

  /** Read the file; a missing or corrupt one restores nothing (clientTokens still keep AWS from running a task twice). */
  async restore(): Promise<void> {
    if (this.#path === undefined) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(this.#path, "utf8"));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT")
        this.#log?.warn({ path: this.#path, err: error }, "hook run record unreadable");
      return;
    }
    const runs = isJsonObject(parsed) && parsed["version"] === 1 && Array.isArray(parsed["runs"]) ? parsed["runs"] : [];
    for (const run of runs) if (isHookRun(run)) this.#of(run.service).set(idOf(run), run);
  }

  get(id: HookRunId): HookRun | undefined {
    return this.#runs.get(id.service)?.get(idOf(id));
  }

  /** Record a run (new or changed) and persist before returning. */
  async put(run: HookRun): Promise<void> {
    this.#of(run.service).set(idOf(run), { ...run });
    this.#prune(run.service);
    await this.#save();
  }

  /** The service's runs, newest first. */
  runsOf(service: ResourceKey): HookRun[] {
    return [...(this.#runs.get(service)?.values() ?? [])].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  running(services: ReadonlySet<ResourceKey>): HookRun[] {
    return [...services].flatMap((service) => [...(this.#runs.get(service)?.values() ?? [])].filter((r) => r.outcome === "running"));
  }

  #of(service: ResourceKey): Map<string, HookRun> {
    let runs = this.#runs.get(service);
    if (runs === undefined) this.#runs.set(service, (runs = new Map()));
    return runs;
  }

  #prune(service: ResourceKey): void {
    const finished = this.runsOf(service).filter((r) => r.outcome !== "running");
    for (const old of finished.slice(KEEP_PER_SERVICE)) this.#runs.get(service)?.delete(idOf(old));
  }

  #save(): Promise<void> {
    const path = this.#path;
    if (path === undefined) return Promise.resolve();
    const text = JSON.stringify({ version: 1, runs: [...this.#runs.values()].flatMap((runs) => [...runs.values()]) }) + "\n";
    this.#saving = this.#saving.catch(() => undefined).then(() => writeFileAtomic(path, text));
    return this.#saving;
  }
}

function isHookRun(value: unknown): value is HookRun {
  if (!isJsonObject(value)) return false;
  const strings = [
    "service",
    "hook",
    "phase",
    "revision",
    "clientToken",
    "cluster",
    "taskDefinition",
    "commit",
    "outcome",
    "startedAt",
    "deadline",
  ];
  return (
    strings.every((field) => typeof value[field] === "string") &&
    typeof value["attempt"] === "number" &&
    Array.isArray(value["nonEssential"]) &&
    ["running", "succeeded", "failed"].includes(String(value["outcome"]))
  );
}
