import type { Logger } from "pino";
import { describeTasks, fencedWrite, runTask, stopTask } from "../../aws/index.js";
import type { AwsClients } from "../../aws/index.js";
import { parseDuration } from "../../config.js";
import { asEcsGitopsError } from "../../errors.js";
import type { JsonObject } from "../../json.js";
import type { ResourceKey } from "../../manifests/types.js";
import type { HookDeclaration } from "../../resources/service/hooks.js";
import type { HookRun, HookRunId, HookRunStore } from "../../state/hook-runs.js";
import { awslogsStream, hookClientToken, hookRunTaskInput, judgeTask, nonEssentialContainers, reportedContainer } from "./task-request.js";

/** Everything needed to start one hook of one deploy. */
export type HookStart = {
  hook: HookDeclaration;
  service: ResourceKey;
  serviceSpec: JsonObject;
  cluster: string;
  /** The service revision being deployed, and the revision the hook's task runs (the same unless the hook names its family). */
  revision: string;
  taskDefinitionArn: string;
  /** The hook's task definition spec as in git (log configuration, essential containers). */
  taskDefinitionSpec: JsonObject;
  commit: string;
  /** 1 for the first attempt at this revision; the next commit after a failure tries again. */
  attempt: number;
};

export type HookRunnerOptions = {
  aws: AwsClients;
  store: HookRunStore;
  log: Logger;
  /** Called once when a run ends failed (the caller raises `hook.failed`). */
  onFailed: (run: HookRun) => void;
  now?: () => Date;
};

/**
 * Starts hook tasks and follows them to STOPPED. Never waits on a task itself: each call does a
 * few AWS calls and returns, and the reconciler looks again (a migration may take an hour; the
 * event loop and the other services must not wait on it).
 */
export class HookRunner {
  readonly #o: HookRunnerOptions;

  constructor(options: HookRunnerOptions) {
    this.#o = options;
  }

  get log(): Logger {
    return this.#o.log;
  }

  get store(): HookRunStore {
    return this.#o.store;
  }

  /**
   * Start (or, for a run persisted without a task, re-send with the same clientToken) a hook's
   * task. The run is persisted before RunTask, so a restart at any point re-sends the same token.
   */
  async start(request: HookStart, previous?: HookRun): Promise<HookRun> {
    const { hook } = request;
    const id = { service: request.service, revision: request.revision, phase: hook.phase, hook: hook.name, attempt: request.attempt };
    const clientToken = previous?.outcome === "running" ? previous.clientToken : hookClientToken(id);
    const now = this.#now();
    const container = reportedContainer(request.taskDefinitionSpec, hook);
    const run: HookRun =
      previous?.outcome === "running" && previous.attempt === request.attempt
        ? { ...previous }
        : {
            ...id,
            clientToken,
            cluster: request.cluster,
            taskDefinition: request.taskDefinitionArn,
            commit: request.commit,
            blocking: hook.blocking,
            nonEssential: nonEssentialContainers(request.taskDefinitionSpec),
            ...(container === undefined ? {} : { container }),
            outcome: "running",
            startedAt: now.toISOString(),
            deadline: new Date(now.getTime() + parseDuration(hook.timeout, "timeout")).toISOString(),
          };
    await this.#o.store.put(run);
    const input = hookRunTaskInput(hook, request.serviceSpec, {
      cluster: request.cluster,
      taskDefinitionArn: request.taskDefinitionArn,
      clientToken,
      startedBy: `ecs-gitops/${hook.name}`.slice(0, 128),
    });
    let task: JsonObject;
    try {
      task = await fencedWrite(this.#o.aws, request.service, () => runTask(this.#o.aws, input), "ecs:RunTask");
    } catch (error) {
      const failure = asEcsGitopsError(error);
      // It may have landed (a lost response): the run stays open and the same token is sent again.
      if (failure.retryable) throw failure;
      return this.#finish(run, { stoppedReason: `RunTask refused: ${failure.message}` }, false);
    }
    const taskArn = typeof task["taskArn"] === "string" ? task["taskArn"] : undefined;
    if (taskArn !== undefined) {
      run.taskArn = taskArn;
      const stream = container === undefined ? undefined : awslogsStream(request.taskDefinitionSpec, container, taskArn);
      if (stream) Object.assign(run, { logGroup: stream.group, logStream: stream.stream });
    }
    await this.#o.store.put(run);
    this.#o.log.info({ key: run.service, hook: run.hook, phase: run.phase, taskArn, attempt: run.attempt }, "hook task started");
    return run;
  }

  /**
   * Look at every running hook task of these services, one DescribeTasks per 100 tasks and
   * cluster: a STOPPED one is judged, one past its deadline is stopped and failed.
   */
  async refresh(services: ReadonlySet<ResourceKey>): Promise<void> {
    const running = this.#o.store.running(services).filter((r) => r.taskArn !== undefined);
    const byCluster = new Map<string, HookRun[]>();
    for (const run of running) byCluster.set(run.cluster, [...(byCluster.get(run.cluster) ?? []), run]);
    for (const [cluster, runs] of byCluster) {
      let tasks: Map<string, JsonObject>;
      try {
        tasks = await describeTasks(
          this.#o.aws,
          cluster,
          runs.map((r) => r.taskArn!),
        );
      } catch (error) {
        this.#o.log.warn({ cluster, err: asEcsGitopsError(error).message }, "could not read hook tasks, will look again");
        continue;
      }
      for (const run of runs) await this.#follow(run, tasks.get(run.taskArn!));
    }
  }

  /** A run that never got a task and will not be sent again (a postDeploy hook whose RunTask failed) ends failed. */
  async abandon(id: HookRunId, reason: string): Promise<void> {
    const run = this.#o.store.get(id);
    if (run?.outcome === "running" && run.taskArn === undefined) await this.#finish(run, { stoppedReason: reason }, false);
  }

  async #follow(run: HookRun, task: JsonObject | undefined): Promise<void> {
    if (task === undefined) {
      await this.#finish(run, { stoppedReason: "the task is no longer known to ECS (stopped over an hour ago?)" }, false);
      return;
    }
    const verdict = judgeTask(task, run.nonEssential);
    if (verdict.state === "stopped") {
      const detail = { exitCodes: verdict.exitCodes, ...(verdict.exitCode === undefined ? {} : { exitCode: verdict.exitCode }) };
      await this.#finish(run, { ...detail, ...(verdict.stoppedReason ? { stoppedReason: verdict.stoppedReason } : {}) }, verdict.succeeded);
      return;
    }
    if (this.#now().toISOString() < run.deadline) return;
    const reason = `ecs-gitops: hook ${run.hook} ran past its timeout`;
    const stop = () =>
      fencedWrite(this.#o.aws, run.service, () => stopTask(this.#o.aws, run.cluster, run.taskArn!, reason), "ecs:StopTask");
    await stop().catch((error: unknown) =>
      this.#o.log.warn(
        { key: run.service, taskArn: run.taskArn, err: asEcsGitopsError(error).message },
        "could not stop a timed-out hook task",
      ),
    );
    await this.#finish(run, { stoppedReason: `timed out (deadline ${run.deadline}); the task was stopped` }, false);
  }

  async #finish(run: HookRun, detail: Partial<HookRun>, succeeded: boolean): Promise<HookRun> {
    const done: HookRun = { ...run, ...detail, outcome: succeeded ? "succeeded" : "failed", finishedAt: this.#now().toISOString() };
    await this.#o.store.put(done);
    const fields = { key: done.service, hook: done.hook, phase: done.phase, taskArn: done.taskArn, exitCode: done.exitCode };
    if (succeeded) this.#o.log.info(fields, "hook succeeded");
    else {
      this.#o.log.error({ ...fields, stoppedReason: done.stoppedReason, logStream: done.logStream }, "hook failed");
      this.#o.onFailed(done);
    }
    return done;
  }

  #now(): Date {
    return this.#o.now?.() ?? new Date();
  }
}

/** One line about a run for status messages and alerts: what failed, its exit code and where its logs are. */
export function describeRun(run: HookRun): string {
  const exit = run.exitCode === undefined ? "no exit code" : `exit code ${run.exitCode}`;
  const logs = run.logStream === undefined ? "" : `; logs: ${run.logGroup ?? ""} ${run.logStream}`;
  const reason = run.stoppedReason === undefined ? "" : ` (${run.stoppedReason})`;
  return `${run.phase} hook "${run.hook}" ${run.outcome === "running" ? "is running" : run.outcome}: ${exit}${reason}${logs}`;
}
