import type { SecretMatcher } from "../diff/mask.js";
import type { Change } from "../diff/structural.js";
import type { JsonObject } from "../json.js";
import type { Kind, ResourceKey } from "../manifests/types.js";
import type { AwsWriteOperation } from "../aws/write-operation.js";

export type { Change };

/**
 * One AWS write a plan calls, with its exact input in the SDK's request shape (camelCase for ECS,
 * PascalCase for EventBridge); its operation is one some kind declares (`writes`). A string input
 * value may hold a reference placeholder (see `arnPlaceholder`) that apply replaces with the ARN
 * registered earlier in the same run. Typed as any SDK command, not as the registry's
 * `WriteOperation`: that type is derived from the plug-ins, which import this module (a type
 * cycle); test/unit/resources/declared-writes.test.ts checks that plans call only declared writes.
 */
export type PlannedCall = { operation: AwsWriteOperation; input: JsonObject };

/**
 * What apply checks on AWS right before an action's first write: the resource is still ours, as
 * the plan judged from cached tags. Another team may have deleted it and made its own under the
 * same name (and ARN) since. Existence comes from the wave's own fresh listing, so a create needs
 * no guard.
 */
export type WriteGuard = { owner: string; repo?: string | undefined; adopt: boolean } & (
  | { resource: "rule"; arn: string; expect: "owned" }
  // A revision's tags are cached by ARN; a tag write to it re-reads them first.
  | { resource: "revision"; arn: string; expect: "owned" }
  // Schedules have no tags: the marker in their description is read afresh (GetSchedule).
  | { resource: "schedule"; arn: string; group: string; name: string; expect: "owned" }
);

export type Health = "Healthy" | "Progressing" | "Degraded" | "Missing" | "Unknown";

export type HealthVerdict = { health: Health; message: string };

/** What apply executes and diff prints: one source of truth (docs/design.md#plan-then-apply, as changesets and Terraform). */
export type Action =
  | {
      type: "create" | "update" | "noop";
      key: ResourceKey;
      kind: Kind;
      changes: Change[];
      calls: PlannedCall[];
      notes?: string[];
      guard?: WriteGuard;
      /** Keys whose writes must land first although no input names them (a scalable target's service). */
      after?: ResourceKey[];
    }
  | { type: "delete"; key: ResourceKey; kind: Kind; changes: Change[]; calls: PlannedCall[]; notes?: string[]; guard?: WriteGuard }
  | { type: "blocked"; key: ResourceKey; kind: Kind; changes: Change[]; code: BlockedCode; reason: string; hint: string };

/**
 * Why a plan cannot proceed, which also says when to look again: a dependency may settle on its
 * own (requeue soon); a foreign resource or a create-only change waits for the next commit.
 */
export type BlockedCode = "NotOwned" | "ImmutableField" | "DependencyNotReady" | "InvalidRequest";

export type ActionType = Action["type"];

/** Tags the controller writes on what it manages (docs/design.md#ownership). */
export const OWNER_TAG = "ecs-gitops:owner";
export const SOURCE_TAG = "ecs-gitops:source";
export const SPEC_HASH_TAG = "ecs-gitops:spec-hash";
/** The `ecs-gitops/prune` annotation, kept on the resource for when its manifest has left git. */
export const PRUNE_TAG = "ecs-gitops:prune";
/** Written with every apply of a resource; never compared (else every commit retags everything). */
export const REVISION_TAG = "ecs-gitops:revision";
/** On a registered revision: the family's earlier revisions' spec hashes (task-definition/history.ts). Written once, never compared. */
export const EARLIER_REVISIONS_TAG = "ecs-gitops:earlier";
export const WRITE_ONLY_TAGS: readonly string[] = [REVISION_TAG, EARLIER_REVISIONS_TAG];

/** Placeholder for "the ARN of the revision apply registers for this family in this run". */
export function arnPlaceholder(key: ResourceKey): string {
  return `\${arn:${key}}`;
}

/**
 * How a reference from a Service or a ScheduledRule target to a task definition resolves.
 * `arn` is known when the family is unchanged (the matching revision) or pinned; `pending` when
 * apply is about to register a new revision (the desired value then shows as `family:(new)`).
 */
export type ResolvedTaskDefinition =
  { state: "known"; arn: string } | { state: "pending"; family: string; key: ResourceKey } | { state: "unresolved"; reason: string };

/** What every planner needs from the world, passed in so planning stays pure. */
export type PlanContext = {
  owner: string;
  /** Identity of the repository being applied (source-tag.ts `repoIdentity`); unknown in pure tests. */
  repo?: string | undefined;
  /** Commit SHA (or "local") being applied; goes into the write-only revision tag. */
  revision: string;
  region: string;
  accountId: string | undefined;
  defaultCluster: string | undefined;
  /** The manifests folder's path from the repository root ("" or unset: the root); prefixes ecs-gitops:source. */
  sourcePrefix?: string | undefined;
  /** Global ignore-differences paths (ecs-gitops.yaml), merged with the annotation. */
  ignoreDifferences: readonly string[];
  resolveTaskDefinition: (ref: string) => ResolvedTaskDefinition;
  /** Names whose values are masked in every Change (built-in names plus ecs-gitops.yaml `maskPatterns`). */
  isSecret?: SecretMatcher | undefined;
};
