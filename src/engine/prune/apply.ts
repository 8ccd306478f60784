import { describeServices, executeCall, fencedWrite } from "../../aws/index.js";
import type { AwsClients } from "../../aws/index.js";
import { asEcsGitopsError, EcsGitopsError } from "../../errors.js";
import type { JsonObject } from "../../json.js";
import type { Kind, ResourceKey } from "../../manifests/types.js";
import { isNotOurs, ownershipOf, tagListToMap } from "../../resources/common/tags.js";
import { OWNER_TAG, PRUNE_TAG } from "../../resources/types.js";
import type { PlannedCall } from "../../resources/types.js";
import { checkWriteGuard } from "../write-guard.js";
import type { DeleteAction } from "./types.js";

export type PruneOutcome =
  | { key: ResourceKey; kind: Kind; outcome: "deleted" | "gone"; calls: string[] }
  | { key: ResourceKey; kind: Kind; outcome: "failed"; calls: string[]; error: EcsGitopsError };

export type PruneApplyOptions = {
  owner: string;
  repo?: string | undefined;
  /** How long to wait for a deleted service to be reported DRAINING or INACTIVE. */
  drainTimeoutMs?: number;
  pollMs?: number;
  /** Each write made, as made (the caller's caches and logs follow them). */
  onWrite?: (key: ResourceKey, call: PlannedCall) => void;
};

type Claim = { owner: string; repo?: string | undefined; adopt: false };

/**
 * Execute prune deletes: services and rules first (side by side), then task definition families
 * once every one of those went through (a family's revision is never deregistered while a failed
 * delete leaves its service running). Each resource's tags are read again right before its first
 * write: what is not ours now is never touched, whatever the plan read.
 */
export async function applyPrune(aws: AwsClients, actions: readonly DeleteAction[], options: PruneApplyOptions): Promise<PruneOutcome[]> {
  const claim: Claim = { owner: options.owner, repo: options.repo, adopt: false };
  const first = actions.filter((a) => a.kind !== "TaskDefinition");
  const families = actions.filter((a) => a.kind === "TaskDefinition");
  const outcomes = await Promise.all(first.map((a) => run(a, () => deleteOne(aws, a, claim, options))));
  if (outcomes.some((o) => o.outcome === "failed")) {
    const error = new EcsGitopsError(
      "DependencyNotReady",
      "a service or rule delete failed first; task definitions are pruned once it succeeds",
      {
        retryable: true,
      },
    );
    return [...outcomes, ...families.map((a) => ({ key: a.key, kind: a.kind, outcome: "failed" as const, calls: [], error }))];
  }
  for (const action of families) outcomes.push(await run(action, () => deregisterAll(aws, action, claim, options)));
  return outcomes;
}

async function run(action: DeleteAction, body: () => Promise<PruneOutcome>): Promise<PruneOutcome> {
  try {
    return await body();
  } catch (error) {
    const e = asEcsGitopsError(error);
    return { key: action.key, kind: action.kind, outcome: "failed", calls: [], error: e };
  }
}

async function deleteOne(aws: AwsClients, action: DeleteAction, claim: Claim, options: PruneApplyOptions): Promise<PruneOutcome> {
  const base = { key: action.key, kind: action.kind };
  const done: string[] = [];
  const call = async (planned: PlannedCall): Promise<JsonObject> => {
    const output = await fencedWrite(aws, action.key, () => executeCall(aws, planned));
    done.push(planned.operation);
    options.onWrite?.(action.key, planned);
    return output;
  };
  if (action.kind === "Service") {
    const [scale, remove] = action.calls;
    const cluster = String(remove?.input["cluster"]);
    const name = String(remove?.input["service"]);
    const live = await describeServices(aws, cluster, [name]);
    const service = live.services.get(name);
    if (service === undefined || service["status"] !== "ACTIVE") return { ...base, outcome: "gone", calls: done };
    refuseUnlessOurs(action.key, tagListToMap(service["tags"]), claim);
    if (scale) await call(scale);
    try {
      await call(remove!);
    } catch (error) {
      // `force` only when the resource asked for it: without it, a service that will not scale down stays.
      if (tagListToMap(service["tags"])[PRUNE_TAG] !== "force") throw error;
      await call({ operation: "ecs:DeleteService", input: { ...remove!.input, force: true } });
    }
    await waitDraining(aws, cluster, name, options);
    return { ...base, outcome: "deleted", calls: done };
  }
  const arn = action.calls.length > 0 ? ruleArnOf(action) : undefined;
  if (arn !== undefined) {
    const refused = await checkWriteGuard(aws, action.key, { resource: "rule", arn, expect: "owned", ...claim });
    if (refused?.code === "NotFound") return { ...base, outcome: "gone", calls: done };
    if (refused) throw refused;
  }
  for (const planned of action.calls) await call(planned);
  return { ...base, outcome: "deleted", calls: done };
}

/** The rule's ARN, as the inventory read it (kept on the orphan's delete). */
function ruleArnOf(action: DeleteAction): string | undefined {
  return action.guard?.resource === "rule" ? action.guard.arn : undefined;
}

async function deregisterAll(aws: AwsClients, action: DeleteAction, claim: Claim, options: PruneApplyOptions): Promise<PruneOutcome> {
  const done: string[] = [];
  for (const planned of action.calls) {
    const arn = String(planned.input["taskDefinition"]);
    const refused = await checkWriteGuard(aws, action.key, { resource: "revision", arn, expect: "owned", ...claim });
    if (refused?.code === "NotFound") continue;
    if (refused) throw refused;
    await fencedWrite(aws, action.key, () => executeCall(aws, planned));
    done.push(planned.operation);
    options.onWrite?.(action.key, planned);
  }
  return { key: action.key, kind: action.kind, outcome: done.length === 0 ? "gone" : "deleted", calls: done };
}

function refuseUnlessOurs(key: ResourceKey, tags: Record<string, string>, claim: Claim): void {
  if (!isNotOurs(ownershipOf(tags, claim))) return;
  throw new EcsGitopsError(
    "NotOwned",
    `${key}: its tag ${OWNER_TAG} is "${tags[OWNER_TAG] ?? ""}" now, not "${claim.owner}" ` +
      `(or another repository wrote it), so prune did not touch it`,
    { where: key },
  );
}

/** ECS reports a deleted service DRAINING until its tasks stop, then INACTIVE: either means the delete took. */
async function waitDraining(aws: AwsClients, cluster: string, name: string, options: PruneApplyOptions): Promise<void> {
  const deadline = Date.now() + (options.drainTimeoutMs ?? 60_000);
  for (;;) {
    const live = await describeServices(aws, cluster, [name]);
    const status = live.services.get(name)?.["status"];
    if (status === undefined || status === "DRAINING" || status === "INACTIVE") return;
    if (Date.now() > deadline)
      throw new EcsGitopsError(
        "DependencyNotReady",
        `Service/${cluster}/${name}: still ${String(status)} after DeleteService; looked at again later`,
        {
          where: `Service/${cluster}/${name}`,
        },
      );
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2_000));
  }
}
