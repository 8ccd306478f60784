import type { Manifest, ResourceKey } from "../manifests/types.js";
import { isArn, parseTaskDefinitionRef, taskDefinitionArn } from "../aws/arn.js";
import type { LiveSnapshot } from "../resources/live-snapshot.js";
import { pluginOf } from "../resources/registry.js";
import type { Action, PlanContext, ResolvedTaskDefinition } from "../resources/types.js";

export type { LiveSnapshot };

/** A global ignore-differences entry (ecs-gitops.yaml): paths, optionally for one kind / name. */
export type IgnoreRule = { kind?: string | undefined; name?: string | undefined; paths: readonly string[] };

export type PlanSettings = Omit<PlanContext, "resolveTaskDefinition" | "accountId" | "ignoreDifferences"> & {
  ignoreRules: readonly IgnoreRule[];
  /** ecs-gitops.yaml `account`: credentials of another account must not deploy this environment there. */
  expectedAccount?: string | undefined;
};

/** What a family's plan tells the resources that refer to it. */
type FamilyPlan = { action: Action; resolved: ResolvedTaskDefinition };

export type PlanResult = {
  /** Task definitions first, then the services and rules that reference them. */
  actions: Action[];
  /** Resources whose plan asked to read more of them (`KindPlan.readAgain`): a family that would register a revision. */
  readAgain: ResourceKey[];
  resolved: ReadonlyMap<string, ResolvedTaskDefinition>;
};

/** Plan every manifest against the snapshot, resolving family references. Pure. */
export function planAll(manifests: readonly Manifest[], live: LiveSnapshot, settings: PlanSettings): PlanResult {
  const ordered = [...manifests].sort(
    (a, b) => pluginOf(a.kind).planOrder - pluginOf(b.kind).planOrder || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
  const tdPlans = new Map<string, FamilyPlan>();
  const readAgain: ResourceKey[] = [];
  const actions: Action[] = [];
  const { ignoreRules, expectedAccount, ...rest } = settings;
  const baseContext: PlanContext = {
    ...rest,
    ignoreDifferences: [],
    accountId: live.accountId,
    resolveTaskDefinition: (ref) => resolveReference(ref, tdPlans, live.accountId, settings.region),
  };
  // EventBridge keeps a target's ARN as written (and resolves it on every run); a service records
  // the revision ECS picked, so a service's ARN without a revision is resolved here, as ECS would.
  const serviceContext: PlanContext = {
    ...baseContext,
    resolveTaskDefinition: (ref) => resolveReference(ref, tdPlans, live.accountId, settings.region, live.latestActive ?? new Map()),
  };
  for (const manifest of ordered) {
    const ctx = contextFor(manifest, pluginOf(manifest.kind).followsLatestActive ? serviceContext : baseContext, ignoreRules);
    const plugin = pluginOf(manifest.kind);
    const plan = plugin.plan(manifest, live, ctx);
    const family = plugin.definesFamily(manifest);
    if (family !== undefined && plan.resolved !== undefined) tdPlans.set(family, { action: plan.action, resolved: plan.resolved });
    if (plan.readAgain === true) readAgain.push(manifest.key);
    actions.push(plan.action);
  }
  const resolved = new Map<string, ResolvedTaskDefinition>([...tdPlans].map(([family, plan]) => [family, plan.resolved]));
  if (expectedAccount !== undefined && live.accountId !== undefined && live.accountId !== expectedAccount) {
    return { actions: actions.map((a) => wrongAccount(a, expectedAccount, live.accountId!)), readAgain: [], resolved };
  }
  return { actions, readAgain, resolved };
}

/**
 * The settings name one account and the credentials reach another (staging keys on the prod
 * environment): nothing is written. Only judged once an ARN read told the account id.
 */
function wrongAccount(action: Action, expected: string, actual: string): Action {
  if (action.type === "noop" || action.type === "blocked") return action;
  return {
    type: "blocked",
    code: "InvalidRequest",
    key: action.key,
    kind: action.kind,
    changes: action.changes,
    reason: `ecs-gitops.yaml names account ${expected}, but the AWS credentials reach account ${actual}`,
    hint: "use the credentials of the account the settings name (or correct `account` in ecs-gitops.yaml)",
  };
}

/** Global ignore rules that match this resource; the planners add the annotation's paths. */
function contextFor(manifest: Manifest, base: PlanContext, rules: readonly IgnoreRule[]): PlanContext {
  const paths = rules
    .filter((r) => (r.kind === undefined || r.kind === manifest.kind) && (r.name === undefined || r.name === manifest.name))
    .flatMap((r) => r.paths);
  return paths.length === 0 ? base : { ...base, ignoreDifferences: paths };
}

/**
 * `web` → the revision the plan of family `web` settles on; `web:7` and full ARNs are pins
 * the repository does not manage, expanded to an ARN when the account is known.
 */
export function resolveReference(
  ref: string,
  tdPlans: ReadonlyMap<string, FamilyPlan>,
  accountId: string | undefined,
  region: string,
  latestActive?: ReadonlyMap<string, string | undefined>,
): ResolvedTaskDefinition {
  const parsed = parseTaskDefinitionRef(ref);
  if (parsed.type === "latest" && latestActive !== undefined) return resolveLatest(parsed.family, tdPlans, latestActive);
  if (isArn(ref)) return { state: "known", arn: ref };
  if (parsed.type === "pinned") {
    if (!accountId) return { state: "unresolved", reason: `cannot expand "${ref}" to an ARN: the AWS account id is not known yet` };
    return { state: "known", arn: taskDefinitionArn(region, accountId, parsed.family, parsed.revision) };
  }
  const plan = tdPlans.get(ref);
  if (!plan)
    return {
      state: "unresolved",
      reason:
        `task definition family "${ref}" is not defined in the repository (add ` +
        `a TaskDefinition named "${ref}", or pin "family:revision" / a full ARN)`,
    };
  return resolvedByPlan(ref, plan);
}

function resolvedByPlan(family: string, plan: FamilyPlan): ResolvedTaskDefinition {
  if (plan.action.type === "blocked")
    return { state: "unresolved", reason: `task definition "${family}" is blocked: ${plan.action.reason}` };
  return plan.resolved;
}

/** An ARN without a revision: the repo's own plan for the family, else AWS's latest ACTIVE revision. */
function resolveLatest(
  family: string,
  tdPlans: ReadonlyMap<string, FamilyPlan>,
  latestActive: ReadonlyMap<string, string | undefined>,
): ResolvedTaskDefinition {
  const plan = tdPlans.get(family);
  if (plan) return resolvedByPlan(family, plan);
  if (!latestActive.has(family))
    return { state: "unresolved", reason: `the latest ACTIVE revision of task definition family "${family}" was not read` };
  const arn = latestActive.get(family);
  if (arn === undefined)
    return {
      state: "unresolved",
      reason: `task definition family "${family}" has no ACTIVE revision: register one, or point taskDefinition at another family`,
    };
  return { state: "known", arn };
}
