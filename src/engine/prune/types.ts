import type { Kind } from "../../manifests/types.js";
import type { DeleteAction, Orphan, PruneLive, PruneScope } from "../../resources/kind-prune.js";

/** What AWS holds in the places this controller manages, per kind (in the kind's reading order): the input of the pure prune plan. */
export type Inventory = Map<Kind, PruneLive[]>;

/** Where to look, per pruned kind: the places manifests name now or named before. */
export type InventoryScope = PruneScope;

export type { DeleteAction, Orphan };

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
  /** Resources this run adds a version to (by name): one fewer of their existing versions is kept. */
  registering?: ReadonlySet<string> | undefined;
  /** The commit holds no manifests at all (empty path, wrong branch): everything we own would go. */
  emptyCommit?: boolean | undefined;
};

/** Why a plan deletes nothing although prune is on. */
export type PruneBlock = { reason: string; deletes: number; owned: number };

export type PrunePlan = {
  orphans: Orphan[];
  /** Deletes in order: kind by kind, stage by stage (what runs something before what it runs). */
  actions: DeleteAction[];
  /** Resources (not revisions) the plan deletes, for the guards. */
  deletes: number;
  owned: number;
  enabled: boolean;
  blocked?: PruneBlock | undefined;
};
