import type { Kind, ResourceKey } from "../../manifests/types.js";
import type { TagMap } from "../../resources/common/tags.js";
import type { PruneScope } from "../../resources/kind-prune.js";
import type { Action } from "../../resources/types.js";

/** A service in a managed cluster, as ListServices + DescribeServices told (any owner). */
export type InventoryService = {
  key: ResourceKey;
  cluster: string;
  name: string;
  arn: string;
  status: string;
  desiredCount: number;
  /** The revisions its deployments run (ARNs): never deregistered. */
  taskDefinitions: string[];
  tags: TagMap;
};

/** A rule on a managed bus whose tags were read; targets only for the ones we own. */
export type InventoryRule = {
  key: ResourceKey;
  bus: string;
  name: string;
  arn: string;
  tags: TagMap;
  targetIds: string[];
  taskDefinitions: string[];
};

/** An ACTIVE revision of a family looked at, with its tags. */
export type InventoryRevision = { arn: string; revision: number; tags: TagMap };

/** What AWS holds in the places this controller manages: the input of the pure prune plan. */
export type Inventory = {
  services: InventoryService[];
  rules: InventoryRule[];
  /** ACTIVE revisions per family, oldest first. */
  families: Map<string, InventoryRevision[]>;
};

/** Where to look: the clusters, buses and families manifests name now or named before. */
export type InventoryScope = PruneScope;

/** A resource we own that no manifest of the commit names. */
export type Orphan = {
  key: ResourceKey;
  kind: Kind;
  name: string;
  arn?: string | undefined;
  /** The `ecs-gitops:source` it was written from. */
  source?: string | undefined;
  /** Why it stays although prune is on (`ecs-gitops/prune: "false"`). */
  kept?: string | undefined;
  /** A manifest of the same kind now in its file: the resource was renamed (a create + a prune). */
  renamedTo?: ResourceKey | undefined;
};

export type PruneSettings = {
  owner: string;
  repo?: string | undefined;
  enabled: boolean;
  maxDeletes: number;
  revisionHistoryLimit: number;
  /** `--allow-mass-delete`: the guards below let this one plan through. */
  allowMassDelete: boolean;
  /** Files that fail to load at this commit: what they made is held back, never an orphan. */
  heldBackFiles?: readonly string[] | undefined;
  /** Families this run registers a revision of: one fewer of the existing revisions is kept. */
  registering?: ReadonlySet<string> | undefined;
  /** The commit holds no manifests at all (empty path, wrong branch): everything we own would go. */
  emptyCommit?: boolean | undefined;
};

/** Why a plan deletes nothing although prune is on. */
export type PruneBlock = { reason: string; deletes: number; owned: number };

export type DeleteAction = Extract<Action, { type: "delete" }>;

export type PrunePlan = {
  orphans: Orphan[];
  /** Deletes in order: services and rules, then the families they use; then history trims. */
  actions: DeleteAction[];
  /** Resources (not revisions) the plan deletes, for the guards. */
  deletes: number;
  owned: number;
  enabled: boolean;
  blocked?: PruneBlock | undefined;
};
