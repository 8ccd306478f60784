import type { Logger } from "pino";
import type { AlertDispatcher } from "../alerts/dispatcher.js";
import type { AwsClients } from "../aws/index.js";
import type { SecretMatcher } from "../diff/mask.js";
import type { Action } from "../resources/types.js";
import type { ApplyOptions, ApplyResult } from "../engine/applier.js";
import type { DriftTracker } from "../state/drift.js";
import type { LiveReader } from "../engine/live-state.js";
import type { ControllerMetrics } from "../state/metrics.js";
import type { Planner } from "../engine/read-plan.js";
import type { LiveSnapshot } from "../resources/live-snapshot.js";
import type { StatusStore } from "../state/status.js";
import type { DeployTracker } from "./deploys.js";
import type { DeployHooks } from "./deploy-hooks.js";
import type { Manifest, ResourceKey } from "../manifests/types.js";
import type { Paused } from "../pause/gate.js";
import type { CodeDeployFollower } from "../engine/codedeploy-follow.js";
import type { PrunePass } from "./prune-pass.js";
import type { ReconcilerSettings } from "./reconciler-settings.js";

export type { ReconcilerSettings };

/** The reader as the reconciler uses it (a seam: unit tests give a fake, the controller a LiveReader). */
export type ReconcilerReader = Pick<LiveReader, "snapshot" | "readAgain" | "recordWrites" | "forgetCached">;

/** Executes the chosen actions, with the revisions other keys registered (a seam: the controller uses applyPlan against AWS). */
export type ReconcilerApplier = (actions: readonly Action[], options?: ApplyOptions) => Promise<ApplyResult>;

export type ReconcilerOptions = {
  aws: AwsClients;
  reader: ReconcilerReader;
  /** Default: applyPlan with `aws`. */
  apply?: ReconcilerApplier | undefined;
  /** Default: planAll. */
  plan?: Planner | undefined;
  status: StatusStore;
  /** Keeps the episodes in the records (records.ts), one per resource, which the reconciler keeps the rest of its facts in too. */
  drift: DriftTracker;
  alerts: AlertDispatcher;
  /** Follows started deployments, keeps the deploy history and rollback pins (docs/deploys.md). */
  deploys?: DeployTracker | undefined;
  metrics: ControllerMetrics;
  /** Deploy hooks (docs/hooks.md); unset: hooks declared in manifests are not run. */
  hooks?: DeployHooks | undefined;
  log: Logger;
  settings: ReconcilerSettings;
  /** Keys asked for until no new key came for this long share one batched read (DescribeServices, ListRules). */
  waveDelayMs?: number;
  /** …but a wave starts at the latest this long after its first key, however steadily keys keep coming. */
  maxWaveDelayMs?: number;
  now?: () => Date;
  /** The resync phase's randomness (default Math.random): a test fixes where the ticks fall. */
  random?: (() => number) | undefined;
  /** Each resource's plan and the snapshot it was made from, as planned (the dashboard's resource page). */
  onPlanned?: ((action: Action, snapshot: LiveSnapshot, isSecret: SecretMatcher | undefined, now: Date) => void) | undefined;
  /** Why writes to a resource are paused now (suspend, annotation, sync window); unset: never. */
  paused?: ((manifest: Manifest, now: Date) => Paused | undefined) | undefined;
  /** Follows CodeDeploy deployments our writes started: their status is the resource's health meanwhile. */
  codeDeploy?: CodeDeployFollower | undefined;
  /**
   * Keys queued to run soon (the work queue's waiting keys): a batch reads them too, so a resync
   * larger than the queue's concurrency still shares one read. Unset: no read-ahead.
   */
  upcoming?: (() => Iterable<ResourceKey>) | undefined;
  /** With leases: a key's difference at a commit is a deploy the shard's previous holder left half done. */
  inFlightDeploy?: ((key: ResourceKey, commit: string) => boolean) | undefined;
  /**
   * Whether this process may reconcile `key` now (with leases: it holds the key's shard and has
   * caught up with git). A service whose family's registration is still queued reconciles the
   * family itself when this allows it. Unset: always.
   */
  mayReconcile?: ((key: ResourceKey) => boolean) | undefined;
  /** Orphans and prune (prune-pass.ts), run after the creates and updates of its wave. */
  prune?: Pick<PrunePass, "run"> | undefined;
};
