import type { AlertDispatcher } from "../alerts/dispatcher.js";
import { asEcsGitopsError } from "../errors.js";
import type { DesiredState } from "../engine/desired-state.js";
import type { AppliedWrite } from "../engine/applier.js";
import { describeRun, HookRunner } from "../engine/hooks/runner.js";
import type { HookStart } from "../engine/hooks/runner.js";
import type { PlanResult } from "../engine/planner.js";
import { isJsonObject } from "../json.js";
import { effectiveCluster, readResourceKey } from "../manifests/identity.js";
import type { Manifest, ResourceKey } from "../manifests/types.js";
import { hookFamily, hooksOf } from "../resources/service/hooks.js";
import type { HookDeclaration, HookPhase } from "../resources/service/hooks.js";
import type { Action, PlannedCall } from "../resources/types.js";
import { hookRunStatus } from "../state/hook-runs.js";
import type { HookRun } from "../state/hook-runs.js";
import type { QueueResult } from "./queue.js";
import { heldLook, withHookFailed } from "../state/record-projection.js";
import type { ResourceRecords } from "../state/records.js";
import type { Verdict } from "./policy.js";

/** Why a service's deploy does not go out in this wave: its preDeploy hooks run, or one failed. */
export type HookHold = { type: "wait"; message: string } | { type: "failed"; message: string; run: HookRun };

/** What a reconcile tells the hooks: the desired state, the plan's revisions and the policy's verdicts. */
export type HookWave = {
  desired: DesiredState;
  resolved: PlanResult["resolved"];
  verdicts: ReadonlyMap<ResourceKey, Verdict>;
  defaultCluster: string | undefined;
};

const DEPLOY_CALLS = new Set(["ecs:CreateService", "ecs:UpdateService"]);

/** The revision a Service's planned (or sent) CreateService / UpdateService deploys; undefined: the revision does not change. */
export function deployedRevision(calls: readonly PlannedCall[]): string | undefined {
  const call = calls.find((c) => DEPLOY_CALLS.has(c.operation));
  const revision = call?.input["taskDefinition"];
  return typeof revision === "string" ? revision : undefined;
}

/**
 * Hooks around a Service's deploy (docs/hooks.md): preDeploy hooks gate the deploy of a new
 * revision, postDeploy hooks start once it was sent. Only a `deploy` verdict runs hooks: a resync,
 * a drift heal or the finish of an earlier write never does, and a hook that ran for a revision
 * never runs again for it (persisted runs, plus RunTask's clientToken).
 */
export class DeployHooks {
  readonly #runner: HookRunner;

  constructor(runner: HookRunner) {
    this.#runner = runner;
  }

  /** The alert sink for runs that failed: one `hook.failed` per failed run. */
  static alertOnFailure(alerts: () => AlertDispatcher | undefined, kindOf: (key: ResourceKey) => Manifest | undefined, now: () => Date) {
    return (run: HookRun): void => {
      const manifest = kindOf(run.service);
      alerts()?.emit({
        type: "hook.failed",
        key: run.service,
        kind: "Service",
        name: manifest?.name ?? readResourceKey(run.service)?.name ?? run.service,
        commit: run.commit,
        firstSeen: run.startedAt,
        at: run.finishedAt ?? now().toISOString(),
        error: { code: "HookFailed", message: describeRun(run) },
      });
    };
  }

  /** The service's runs for /status, newest first. */
  runsOf(key: ResourceKey): HookRun[] {
    return this.#runner.store.runsOf(key);
  }

  /**
   * Did we start hooks for the revision this action deploys? Only a deploy from git starts them, so
   * after a restart the service still on its old revision is our deploy in progress, not drift.
   */
  began(action: Action): boolean {
    if (action.type === "noop" || action.type === "blocked") return false;
    const revision = deployedRevision(action.calls);
    return revision !== undefined && this.#runner.store.runsOf(action.key).some((r) => r.revision === revision);
  }

  isRunning(key: ResourceKey): boolean {
    return this.#runner.store.runsOf(key).some((r) => r.outcome === "running");
  }

  /** Once per batched read: the hook tasks the batch's services run, read before their holds are judged. */
  async refresh(keys: readonly ResourceKey[]): Promise<void> {
    await this.#runner.refresh(new Set(keys));
  }

  /** Before an apply (after `refresh`): which of `toApply` must wait for (or were stopped by) their preDeploy hooks. */
  async hold(toApply: readonly Action[], wave: HookWave): Promise<Map<ResourceKey, HookHold>> {
    const holds = new Map<ResourceKey, HookHold>();
    for (const action of toApply) {
      const manifest = wave.desired.manifests.get(action.key);
      if (
        manifest === undefined ||
        action.type === "noop" ||
        action.type === "blocked" ||
        wave.verdicts.get(action.key)?.verdict !== "deploy"
      )
        continue;
      const hooks = hooksOf(manifest).filter((h) => h.phase === "preDeploy");
      const revision = deployedRevision(action.calls);
      if (hooks.length === 0 || revision === undefined) continue;
      try {
        const hold = await this.#gate(manifest, hooks, revision, wave);
        if (hold) holds.set(action.key, hold);
      } catch (error) {
        const message = `preDeploy hooks could not start, will retry: ${asEcsGitopsError(error).message}`;
        this.#runner.log.warn({ key: action.key, err: asEcsGitopsError(error).message }, "preDeploy hooks could not start, will retry");
        holds.set(action.key, { type: "wait", message });
      }
    }
    return holds;
  }

  /** After a wave's apply: start the postDeploy hooks of every service whose new revision was sent. */
  async started(writes: readonly AppliedWrite[], wave: HookWave): Promise<void> {
    for (const write of writes) {
      const manifest = wave.desired.manifests.get(write.key);
      if (!("output" in write) || manifest === undefined || wave.verdicts.get(write.key)?.verdict !== "deploy") continue;
      const revision = deployedRevision([write.call]);
      const hooks = hooksOf(manifest).filter((h) => h.phase === "postDeploy");
      if (revision === undefined || hooks.length === 0) continue;
      for (const hook of hooks) {
        if (this.#runner.store.get(idOf(manifest, revision, hook)) !== undefined) continue;
        const request = this.#request(manifest, hook, revision, wave, 1);
        if (request === undefined) continue;
        await this.#runner.start(request).catch(async (error: unknown) => {
          // Sent once, right after the deploy: a RunTask that failed is reported, not retried.
          await this.#runner.abandon(idOf(manifest, revision, hook), `RunTask failed: ${asEcsGitopsError(error).message}`);
        });
      }
    }
  }

  async #gate(manifest: Manifest, hooks: HookDeclaration[], revision: string, wave: HookWave): Promise<HookHold | undefined> {
    if (revision.startsWith("${arn:")) return { type: "wait", message: "preDeploy hooks wait for the new revision to be registered" };
    for (const hook of hooks) {
      const run = this.#runner.store.get(idOf(manifest, revision, hook));
      if (run?.outcome === "succeeded") continue;
      if (run?.outcome === "running" && run.taskArn !== undefined) return { type: "wait", message: describeRun(run) };
      if (run?.outcome === "failed" && run.commit === wave.desired.commit) {
        if (!run.blocking) continue;
        return { type: "failed", message: `${describeRun(run)}; the deploy waits for the next commit`, run };
      }
      const attempt = run === undefined ? 1 : run.outcome === "running" ? run.attempt : run.attempt + 1;
      const request = this.#request(manifest, hook, revision, wave, attempt);
      if (request === undefined) return { type: "wait", message: `preDeploy hook "${hook.name}" waits for its task definition revision` };
      const started = await this.#runner.start(request, run);
      if (started.outcome === "failed" && started.blocking) return { type: "failed", message: describeRun(started), run: started };
      if (started.outcome === "running") return { type: "wait", message: describeRun(started) };
    }
    return undefined;
  }

  #request(manifest: Manifest, hook: HookDeclaration, revision: string, wave: HookWave, attempt: number): HookStart | undefined {
    const family = hookFamily(hook, manifest.spec);
    const definition = family === undefined ? undefined : wave.desired.manifests.get(`TaskDefinition/${family}`);
    if (family === undefined || definition === undefined) return undefined;
    const resolved = wave.resolved.get(family);
    const taskDefinitionArn = hook.taskDefinition === undefined ? revision : resolved?.state === "known" ? resolved.arn : undefined;
    if (taskDefinitionArn === undefined || !isJsonObject(definition.spec)) return undefined;
    return {
      hook,
      service: manifest.key,
      serviceSpec: manifest.spec,
      cluster: effectiveCluster(manifest.spec, wave.defaultCluster),
      revision,
      taskDefinitionArn,
      taskDefinitionSpec: definition.spec,
      commit: wave.desired.commit,
      attempt,
    };
  }
}

function idOf(manifest: Manifest, revision: string, hook: { phase: HookPhase; name: string }) {
  return { service: manifest.key, revision, phase: hook.phase, hook: hook.name };
}

export { HookRunner };

/**
 * A key's reconcile result with its hooks: a service held by its hooks gets the hold's look and
 * requeue (`record` is not called), every Service records its hook runs, and one with a hook task
 * running is looked at again every progress poll, or every resync when that is shorter.
 */
export function recordWithHooks(
  hooks: DeployHooks | undefined,
  records: ResourceRecords,
  key: ResourceKey,
  hold: HookHold | undefined,
  record: () => QueueResult,
  timing: { now: Date; progressPollMs: number; resyncMs: number },
): QueueResult {
  const pollMs = Math.min(timing.progressPollMs, timing.resyncMs);
  const result = hold ? recordHold(records, key, hold, timing.now, pollMs) : record();
  if (hooks === undefined || !key.startsWith("Service/")) return result;
  const runs = hooks.runsOf(key);
  // A blocking postDeploy hook that failed for the newest deploy marks the service Degraded until the next one.
  const failedAfter = runs.find(
    (r) => r.revision === runs[0]?.revision && r.phase === "postDeploy" && r.blocking && r.outcome === "failed",
  );
  const look = failedAfter && !hold ? { look: withHookFailed(records.get(key).look, describeRun(failedAfter)) } : {};
  records.update(key, { hookRuns: runs.map(hookRunStatus), ...look });
  return hooks.isRunning(key) && "requeueAfterMs" in result ? { requeueAfterMs: pollMs } : result;
}

/**
 * The look and requeue of a service held by its hooks: a running hook is Progressing and looked
 * at again soon; a failed blocking one is Degraded and stalls until the next commit.
 */
export function recordHold(
  records: ResourceRecords,
  key: ResourceKey,
  hold: HookHold,
  now: Date,
  progressPollMs: number,
): { requeueAfterMs: number } | { stalled: true } {
  const error = hold.type === "failed" ? { code: "HookFailed" as const, message: hold.message, at: now.toISOString() } : undefined;
  records.update(key, { look: heldLook(records.get(key).look, { message: hold.message, error }) });
  return hold.type === "wait" ? { requeueAfterMs: progressPollMs } : { stalled: true };
}
