import type { AwsClients } from "../aws/index.js";
import type { JsonObject } from "../json.js";
import type { ResourceKey } from "../manifests/types.js";
import type { TagMap } from "./common/tags.js";

/** A live resource an operation may write: read just now, and carrying our owner and source tags. */
export type OwnedResource = { readonly key: ResourceKey; readonly arn: string; readonly live: JsonObject; readonly tags: TagMap };

/** What an operation's write started, as far as its answer tells (undefined members: the answer did not say). */
export type Started = { readonly deploymentId?: string | undefined; readonly revision?: string | undefined };

/** `ecs-gitops rollback KEY [--to]` and `release KEY`: run an earlier revision held against git, then let git deploy again. */
export type KindRollback = {
  /** The revision to go back to: `to` as given (a number, family:number or an ARN), else the one before the running one. */
  target(aws: AwsClients, owned: OwnedResource, to: string | undefined): Promise<string>;
  /** Run `revision` (registering none) and hold it there: git does not replace it until `release`. */
  run(aws: AwsClients, owned: OwnedResource, revision: string): Promise<Started | undefined>;
  /** Lift the hold, so git's revision deploys again; the revision that was held (undefined: nothing was). */
  release(aws: AwsClients, owned: OwnedResource): Promise<string | undefined>;
};

/**
 * The day-2 operations `ecs-gitops` runs on one live resource of a kind (src/engine/service-ops.ts
 * looks the key's kind up in the registry). Each is written out, `undefined` where the kind has
 * none, so a new kind says what it supports and a key of a kind without it is refused by name.
 */
export type KindOperations = {
  /** Read the resource before any write, refusing one ecs-gitops does not own (NotFound, NotOwned, InvalidRequest). */
  readOwned(aws: AwsClients, key: string, owner: string): Promise<OwnedResource>;
  /** `ecs-gitops restart KEY`: start again what runs now, changing nothing git compares. */
  readonly restart: ((aws: AwsClients, owned: OwnedResource) => Promise<Started | undefined>) | undefined;
  readonly rollback: KindRollback | undefined;
};

/** The operations a key can be asked for (`readOwned` is how each begins, not one of them). */
export type OperationName = Exclude<keyof KindOperations, "readOwned">;
