import PQueue from "p-queue";
import { executeCall, fencedWrite } from "../aws/index.js";
import type { AwsClients } from "../aws/index.js";
import { EcsGitopsError, isEcsGitopsError } from "../errors.js";
import { isJsonObject } from "../json.js";
import type { JsonObject, JsonValue } from "../json.js";
import type { ResourceKey } from "../manifests/types.js";
import { arnPlaceholder } from "../resources/types.js";
import { checkWriteGuard } from "./write-guard.js";
import type { Action, PlannedCall } from "../resources/types.js";

export type ApplyOutcome =
  | { key: ResourceKey; kind: Action["kind"]; outcome: "unchanged" }
  | { key: ResourceKey; kind: Action["kind"]; outcome: "applied"; type: Action["type"]; calls: string[]; registeredArn?: string }
  | { key: ResourceKey; kind: Action["kind"]; outcome: "blocked"; reason: string; hint: string }
  | { key: ResourceKey; kind: Action["kind"]; outcome: "failed"; calls: string[]; error: EcsGitopsError };

/**
 * One AWS write apply made, in the order made: what AWS answered, or that it failed (it may still
 * have landed: a lost response) or was refused by its guard. The caller keeps its caches true
 * with these; apply itself calls back into nothing.
 */
export type AppliedWrite =
  { key: ResourceKey; call: PlannedCall; output: JsonObject } | { key: ResourceKey; call: PlannedCall; failed: true };

export type ApplyResult = { outcomes: ApplyOutcome[]; writes: AppliedWrite[] };

export type ApplyOptions = {
  /** Writes in flight at once (each still paced by the clients' rate limiter). Default 8. */
  concurrency?: number | undefined;
  /** Revisions registered before this apply (by another key's reconcile), by task definition key: their placeholders resolve to them. */
  registered?: ReadonlyMap<ResourceKey, string> | undefined;
  /** Task definition keys whose registration failed before this apply: their dependents fail as DependencyNotReady. */
  failed?: ReadonlySet<ResourceKey> | undefined;
};

export const DEFAULT_APPLY_CONCURRENCY = 8;

/**
 * Execute a plan with bounded parallelism. An action starts once every revision it refers to
 * (a `${arn:TaskDefinition/…}` placeholder) has been registered in this run, so a service is
 * never created or updated before the revision it needs; everything else runs side by side. The
 * ARN a RegisterTaskDefinition returns replaces that family's placeholder; if the registration
 * failed, its dependents fail as DependencyNotReady. One resource's failure never stops the
 * others. The calls of one action stay in order. Outcomes come back in plan order.
 */
export async function applyPlan(aws: AwsClients, actions: readonly Action[], options: ApplyOptions = {}): Promise<ApplyResult> {
  const writing = actions.filter((a) => a.type !== "noop" && a.type !== "blocked").map((a) => a.key);
  if (writing.length > 0) await aws.beforeWrites?.(writing);
  const made: AppliedWrite[] = [];
  const registered = new Map([...(options.registered ?? [])].map(([key, arn]) => [arnPlaceholder(key), arn]));
  const failedKeys = new Set<ResourceKey>(options.failed);
  const writes = new PQueue({ concurrency: options.concurrency ?? DEFAULT_APPLY_CONCURRENCY });
  const byKey = new Map<ResourceKey, Action>();
  for (const action of actions) if (!byKey.has(action.key)) byKey.set(action.key, action);
  const started = new Map<Action, Promise<ApplyOutcome>>();
  const visiting = new Set<Action>();
  const run = (action: Action): Promise<ApplyOutcome> => {
    const known = started.get(action);
    if (known) return known;
    visiting.add(action);
    const dependencies: Promise<unknown>[] = [];
    for (const key of [...dependenciesOf(action), ...orderedAfter(action)]) {
      const dependency = byKey.get(key);
      // Registrations reference nothing, so a cycle cannot occur; guard anyway rather than hang.
      if (dependency === undefined || visiting.has(dependency)) continue;
      dependencies.push(run(dependency));
    }
    visiting.delete(action);
    const outcome = Promise.all(dependencies).then(() => writes.add(() => applyAction(aws, action, registered, failedKeys, made)));
    started.set(action, outcome);
    return outcome;
  };
  return { outcomes: await Promise.all(actions.map(run)), writes: made };
}

/** Keys whose writes go first though no input names them (a scalable target's service); never pulled into a scoped plan. */
export function orderedAfter(action: Action): ResourceKey[] {
  return action.type === "create" || action.type === "update" || action.type === "noop" ? (action.after ?? []) : [];
}

/** Resource keys whose registration this action's calls wait for (`${arn:KEY}` placeholders). */
export function dependenciesOf(action: Action): ResourceKey[] {
  if (action.type === "noop" || action.type === "blocked") return [];
  const keys = new Set<ResourceKey>();
  const visit = (value: JsonValue): void => {
    if (typeof value === "string") {
      if (value.startsWith("${arn:") && value.endsWith("}")) keys.add(value.slice("${arn:".length, -1));
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (isJsonObject(value)) Object.values(value).forEach(visit);
  };
  for (const call of action.calls) visit(call.input);
  return [...keys];
}

async function applyAction(
  aws: AwsClients,
  action: Action,
  registered: Map<string, string>,
  failedKeys: Set<ResourceKey>,
  made: AppliedWrite[],
): Promise<ApplyOutcome> {
  const base = { key: action.key, kind: action.kind };
  if (action.type === "noop") return { ...base, outcome: "unchanged" };
  if (action.type === "blocked") return { ...base, outcome: "blocked", reason: action.reason, hint: action.hint };
  const done: string[] = [];
  let registeredArn: string | undefined;
  try {
    const refused = action.guard === undefined ? undefined : await checkWriteGuard(aws, action.key, action.guard);
    if (refused !== undefined) {
      // What the plan believed is stale: let the caches forget it.
      for (const call of action.calls) made.push({ key: action.key, call, failed: true });
      throw refused;
    }
    for (const planned of action.calls) {
      const call = { operation: planned.operation, input: substitute(planned.input, registered, failedKeys) as JsonObject };
      const output = await fencedWrite(aws, action.key, () => executeCall(aws, call), call.operation).catch((error: unknown) => {
        made.push({ key: action.key, call, failed: true });
        throw error;
      });
      done.push(call.operation);
      made.push({ key: action.key, call, output });
      if (call.operation === "ecs:RegisterTaskDefinition") {
        const td = output["taskDefinition"];
        const arn = isJsonObject(td) ? td["taskDefinitionArn"] : undefined;
        if (typeof arn !== "string")
          throw new EcsGitopsError("Internal", `RegisterTaskDefinition for ${action.key} returned no taskDefinitionArn`, {
            where: action.key,
          });
        registeredArn = arn;
        registered.set(arnPlaceholder(action.key), arn);
      }
    }
    return { ...base, outcome: "applied", type: action.type, calls: done, ...(registeredArn ? { registeredArn } : {}) };
  } catch (error) {
    failedKeys.add(action.key);
    const wrapped = isEcsGitopsError(error)
      ? error
      : new EcsGitopsError("Internal", `${action.key}: ${String(error)}`, { where: action.key, cause: error });
    return { ...base, outcome: "failed", calls: done, error: wrapped };
  }
}

/** Replace `${arn:TaskDefinition/web}` placeholders with the ARN registered in this run. */
function substitute(value: JsonValue, registered: ReadonlyMap<string, string>, failedKeys: ReadonlySet<ResourceKey>): JsonValue {
  if (typeof value === "string" && value.startsWith("${arn:")) {
    const arn = registered.get(value);
    if (arn) return arn;
    const key = value.slice("${arn:".length, -1);
    throw new EcsGitopsError(
      "DependencyNotReady",
      failedKeys.has(key)
        ? `${key} failed to register, so this resource cannot use its new revision`
        : `${key} has no registered revision in this run`,
      { where: key },
    );
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, registered, failedKeys));
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = substitute(v, registered, failedKeys);
    return out;
  }
  return value;
}
