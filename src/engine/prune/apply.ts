import { executeCall, fencedWrite } from "../../aws/index.js";
import type { AwsClients } from "../../aws/index.js";
import { asEcsGitopsError, EcsGitopsError } from "../../errors.js";
import type { JsonObject } from "../../json.js";
import type { Kind, ResourceKey } from "../../manifests/types.js";
import type { PruneDeleteIo } from "../../resources/kind-prune.js";
import type { PlannedCall } from "../../resources/types.js";
import { checkWriteGuard } from "../write-guard.js";
import { prunablePlugins, stagesOf } from "./kinds.js";
import type { PrunablePlugin } from "./kinds.js";
import type { DeleteAction } from "./types.js";

export type PruneOutcome =
  | { key: ResourceKey; kind: Kind; outcome: "deleted" | "gone"; calls: string[] }
  | { key: ResourceKey; kind: Kind; outcome: "failed"; calls: string[]; error: EcsGitopsError };

export type PruneApplyOptions = {
  owner: string;
  repo?: string | undefined;
  /** How long to wait for a delete AWS finishes on its own (a service draining). */
  drainTimeoutMs?: number;
  pollMs?: number;
  /** Each write tried, once it returned or failed (`failed`: it may still have landed); the caller's caches and logs follow them. */
  onWrite?: (key: ResourceKey, call: PlannedCall, failed: boolean) => void;
};

/**
 * Execute prune deletes stage by stage (the kind's prune `stage`): a later stage only once every
 * delete of the earlier ones went through (nothing is deleted while a failed delete leaves
 * something that runs it in place). Within a stage, a kind's deletes run side by side or one by one,
 * as the kind says. Each kind's delete reads the resource's tags again right before its first
 * write: what is not ours now is never touched, whatever the plan read.
 */
export async function applyPrune(
  aws: AwsClients,
  actions: readonly DeleteAction[],
  options: PruneApplyOptions,
  plugins: readonly PrunablePlugin[] = prunablePlugins(),
): Promise<PruneOutcome[]> {
  const outcomes: PruneOutcome[] = [];
  for (const stage of stagesOf(plugins)) {
    const kinds = new Map(stage.map((p) => [p.kind, p]));
    const mine = actions.filter((a) => kinds.has(a.kind));
    const failed = outcomes.filter((o) => o.outcome === "failed");
    if (failed.length > 0) {
      const error = new EcsGitopsError(
        "DependencyNotReady",
        `${failed.map((o) => o.key).join(", ")} failed to delete first; what it runs is pruned once that delete succeeds`,
        { retryable: true },
      );
      outcomes.push(...mine.map((a) => ({ key: a.key, kind: a.kind, outcome: "failed" as const, calls: [], error })));
      continue;
    }
    // One chain per kind that deletes one by one; everything else starts at once. Outcomes stay in plan order.
    const chains = new Map<Kind, Promise<unknown>>();
    const started = mine.map((action) => {
      const plugin = kinds.get(action.kind)!;
      const go = () => run(aws, plugin, action, options);
      if (!plugin.prune.oneByOne) return go();
      const next = (chains.get(action.kind) ?? Promise.resolve()).then(go);
      chains.set(action.kind, next);
      return next;
    });
    outcomes.push(...(await Promise.all(started)));
  }
  const pruned = new Set(plugins.map((p) => p.kind));
  const unknown = new EcsGitopsError("InvalidRequest", "this kind is never pruned (its plug-in has no prune capability)", {
    retryable: false,
  });
  outcomes.push(
    ...actions
      .filter((a) => !pruned.has(a.kind))
      .map((a) => ({ key: a.key, kind: a.kind, outcome: "failed" as const, calls: [], error: unknown })),
  );
  return outcomes;
}

async function run(aws: AwsClients, plugin: PrunablePlugin, action: DeleteAction, options: PruneApplyOptions): Promise<PruneOutcome> {
  const done: string[] = [];
  const claim = { owner: options.owner, repo: options.repo, adopt: false } as const;
  const io: PruneDeleteIo = {
    aws,
    claim,
    write: async (planned: PlannedCall): Promise<JsonObject> => {
      let output: JsonObject;
      try {
        output = await fencedWrite(aws, action.key, () => executeCall(aws, planned), planned.operation);
      } catch (error) {
        options.onWrite?.(action.key, planned, true);
        throw error;
      }
      done.push(planned.operation);
      options.onWrite?.(action.key, planned, false);
      return output;
    },
    guard: (guard) => checkWriteGuard(aws, action.key, guard),
    drainTimeoutMs: options.drainTimeoutMs ?? 60_000,
    pollMs: options.pollMs ?? 2_000,
  };
  try {
    const outcome = await plugin.prune.remove(action, io);
    return { key: action.key, kind: action.kind, outcome, calls: done };
  } catch (error) {
    return { key: action.key, kind: action.kind, outcome: "failed", calls: [], error: asEcsGitopsError(error) };
  }
}
