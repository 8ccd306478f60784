import type { AwsClients } from "../aws/index.js";
import type { ThrottleCategory, ThrottledCall } from "../aws/rate-limit.js";
import { parseTaskDefinitionRef } from "../aws/arn.js";
import { isJsonObject } from "../json.js";
import type { JsonObject, JsonPath, JsonValue } from "../json.js";
import type { Manifest, Problem, ResourceKey } from "../manifests/types.js";
import type { TaskDefinitionRef, ValidationContext } from "./common/validation.js";
import type { KindExport } from "./kind-export.js";
import type { KindOperations } from "./kind-operations.js";
import type { KindPrune } from "./kind-prune.js";
import type { KindWrites } from "./kind-writes.js";
import type { RuntimeDetail } from "./kind-runtime.js";
import type { LiveReads, LiveSnapshot, ReadCache } from "./live-snapshot.js";
import type { Action, Change, HealthVerdict, PlanContext, ResolvedTaskDefinition } from "./types.js";

/** One AWS call a kind makes, and the token bucket AWS throttles it against. */
export type KindCall = ThrottledCall;

/** What a kind's batched read may use: the clients, the reader's bounded and throttle-retrying queue, its cache. */
export type KindReadIo = {
  readonly aws: AwsClients;
  /** One call through the reader's bounded queue (a throttled read is retried after a pause). */
  read<T>(call: () => Promise<T>): Promise<T>;
  readonly cache: ReadCache;
  now(): number;
  readonly defaultCluster: string | undefined;
  /**
   * What another kind reads in the same snapshot (a scalable target takes its service's tags from the service read).
   * Refused for the kind's own read and for the kind that calls `othersRun` (each would wait on the other).
   */
  readsOf(kind: string): Promise<LiveReads>;
  /**
   * What the resources of every other kind run, once all their reads are in and the account id is
   * learned: a read that needs it waits on every other kind's read. One kind at most may ask (two
   * would wait on each other: the second is refused).
   */
  othersRun(): Promise<OthersRun>;
  /** Set on a second read only (`KindPlan.readAgain`): the snapshot the plan that asked for it saw. */
  readonly again: LiveSnapshot | undefined;
};

/** What the resources of the snapshot run, from each plug-in's `revisionsInUse` and `references`. */
export type OthersRun = {
  /** ARNs of the task definition revisions in use, as read, in manifest order (duplicates dropped). */
  readonly revisions: readonly string[];
  /** Families named by an ARN without a revision where AWS deploys the latest ACTIVE revision (`followsLatestActive`). */
  readonly latestActive: readonly string[];
};

/**
 * A kind's plan of one resource. `resolved`: what references to it resolve to (the revision a
 * family settles on); `readAgain`: the plan could change with more of the resource read (a
 * family about to register a revision that has not compared its latest or earlier revisions yet):
 * the engine calls the kind's `readLive` again for it, with `io.again`, and plans again.
 */
export type KindPlan = { action: Action; resolved?: ResolvedTaskDefinition; readAgain?: boolean };

/** The context a write's own answer is compared in (the revision the write set is taken as meant). */
export type ResidueContext = Omit<PlanContext, "resolveTaskDefinition" | "ignoreDifferences">;

/** Calls of one service, listed by the bucket they draw from. */
export function callsOf(service: KindCall["service"], byBucket: Partial<Record<ThrottleCategory, readonly string[]>>): KindCall[] {
  return Object.entries(byBucket).flatMap(([throttle, operations]) =>
    operations.map((operation) => ({ service, operation, throttle: throttle as ThrottleCategory })),
  );
}

/** `read(value)` when the resource was read, else undefined (not on AWS). */
export function maybe<T, R>(value: T | undefined, read: (value: T) => R): R | undefined {
  return value === undefined ? undefined : read(value);
}

/** The task definition references at `paths` of a spec, parsed. */
export function referencesAt(spec: JsonObject, paths: readonly JsonPath[]): TaskDefinitionRef[] {
  return paths.flatMap((path) => {
    let value: JsonValue | undefined = spec;
    for (const step of path) value = isJsonObject(value) ? value[String(step)] : Array.isArray(value) ? value[Number(step)] : undefined;
    return typeof value === "string" ? [parseTaskDefinitionRef(value)] : [];
  });
}

/**
 * The reference capabilities of a kind that runs task definitions named at `referencePaths`
 * (defining none, naming no service); `followsLatestActive`: how a family-only ARN there resolves.
 */
export function taskDefinitionReferences(
  referencePaths: (spec: JsonObject) => JsonPath[],
  followsLatestActive: boolean,
): Pick<KindPlugin<string>, "references" | "referencePaths" | "serviceReferencePaths" | "followsLatestActive" | "definesFamily"> {
  return {
    references: (manifest) => referencesAt(manifest.spec, referencePaths(manifest.spec)),
    referencePaths,
    serviceReferencePaths: () => [],
    followsLatestActive,
    definesFamily: () => undefined,
  };
}

/** The string a read left at this place, if any. */
export function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/**
 * Everything the engine knows about one kind, behind one interface (as ACK's AWSResourceManager
 * or crossplane's ExternalClient): the engine dispatches on the registry, so a new kind is one
 * folder and a registry line, and the compiler names whatever capability it still lacks; the few
 * files it touches besides are listed in docs/kinds.md#files-a-new-kind-touches. Every method but
 * the reads (`readLive`, `export.read`) is pure.
 */
export type KindPlugin<K extends string> = {
  readonly kind: K;
  /** Plan and apply order: kinds others refer to come first (a revision before the service that runs it). */
  readonly planOrder: number;
  /** Semantic checks beyond the generated JSON schema (the manifest loader checks each kind against its generated schema). */
  validate(manifest: Manifest, ctx: ValidationContext): Problem[];
  /** References to task definitions, as written (families, pins, ARNs). */
  references(manifest: Manifest): TaskDefinitionRef[];
  /** Where the spec names task definitions (what an environment's rename follows). */
  referencePaths(spec: JsonObject): JsonPath[];
  /** Where the spec names a service as `service/<cluster>/<name>` (an environment's rename follows it too). */
  serviceReferencePaths(spec: JsonObject): JsonPath[];
  /** A reference by ARN without a revision follows AWS's latest ACTIVE revision (ECS resolves it at deploy time). */
  readonly followsLatestActive: boolean;
  /** The task definition family this resource defines (what other kinds refer to), if any. */
  definesFamily(manifest: Pick<Manifest, "name" | "spec">): string | undefined;
  /** Clusters whose ARN names the account (learned before the first write when nothing else exists). */
  clusters(manifest: Manifest, defaultCluster: string | undefined): string[];
  /** The resource's ARN as read (undefined: not on AWS, or not read). */
  arn(manifest: Manifest, live: LiveSnapshot): string | undefined;
  /** The resource's tags as read (undefined: not on AWS). */
  tags(manifest: Manifest, live: LiveSnapshot): Readonly<Record<string, string>> | undefined;
  /** What git says about the resource, as the `ecs-gitops:spec-hash` tag carries it. */
  specHash(manifest: Manifest): string;
  health(manifest: Manifest, live: LiveSnapshot): HealthVerdict;
  /** Right after a successful write, before anything is read again. */
  readonly healthAfterApply: HealthVerdict;
  /**
   * A deploy of `revision` (ours, registered from git) was interrupted before the resource moved
   * to it: what differs is still our deploy, not drift.
   */
  interruptedDeploy(manifest: Manifest, live: LiveSnapshot, revision: JsonObject | undefined): boolean;
  /** AWS undid the last deploy itself (circuit breaker, alarms): redeploying it would fail again. */
  rolledBack(manifest: Manifest, live: LiveSnapshot): boolean;
  /**
   * Read every resource of this kind among `manifests` in as few calls as the API allows (the
   * engine calls it once per plan with all of them). A read that needs what the others run waits
   * on `io.othersRun()` (task definitions: which revisions matter is known only once the resources
   * that run them are read). Called again, with `io.again`, for the resources whose plan asked it.
   */
  readLive(manifests: readonly Manifest[], io: KindReadIo): Promise<LiveReads>;
  /** ARNs of the task definition revisions the resource runs, as read. */
  revisionsInUse(manifest: Manifest, live: LiveSnapshot): string[];
  /** The plan of one resource against the snapshot (pure): the action apply executes and diff prints. */
  plan(manifest: Manifest, live: LiveSnapshot, ctx: PlanContext): KindPlan;
  /**
   * What a write left undone, from the state the write itself answered with (undefined: this
   * kind's writes answer with no state, so nothing seen afterwards can be told from a hand change).
   */
  residueChanges(manifest: Manifest, postWrite: JsonObject, ctx: ResidueContext): Change[] | undefined;
  /** What the dashboard shows of the resource's live state (undefined: nothing beyond its plan). */
  runtime(key: ResourceKey, live: LiveSnapshot): RuntimeDetail | undefined;
  /** How `ecs-gitops export` writes manifests from the kind's live resources; undefined: the kind is not exported. */
  readonly export: KindExport | undefined;
  /** Where prune looks for the kind's orphans; undefined: the kind is never pruned (a resource that leaves git stays). */
  readonly prune: KindPrune | undefined;
  /** The calls reading this kind, each with its throttle category (its writes name theirs in `writes`). */
  readonly calls: readonly KindCall[];
  /**
   * Every write its plans (and prune) call: the SDK command, its throttle bucket, whether it may be
   * sent again after a lost answer, and what it makes stale in the reader's cache (kind-writes.ts).
   */
  readonly writes: KindWrites;
  /** The day-2 operations on one live resource (restart, rollback); undefined: the kind has none. */
  readonly operations: KindOperations | undefined;
};

/** The deploy facts of a kind that does not roll out tasks itself: healthy once written, never interrupted or rolled back. */
export const NO_ROLLOUT = {
  healthAfterApply: { health: "Healthy", message: "" },
  interruptedDeploy: () => false,
  rolledBack: () => false,
} as const satisfies Pick<KindPlugin<string>, "healthAfterApply" | "interruptedDeploy" | "rolledBack">;

/**
 * The facts of a kind that is configuration only, rolling out no tasks itself (NO_ROLLOUT): its
 * writes answer with no state to compare (nothing seen afterwards can be told from a hand change),
 * the dashboard shows nothing beyond its plan, it has no day-2 operations, and prune reads none of
 * it, so one whose manifest leaves git stays (docs/prune.md).
 */
export const CONFIGURATION_ONLY = {
  ...NO_ROLLOUT,
  residueChanges: () => undefined,
  runtime: () => undefined,
  prune: undefined,
  operations: undefined,
} as const satisfies Pick<KindPlugin<string>, keyof typeof NO_ROLLOUT | "residueChanges" | "runtime" | "prune" | "operations">;
