import type { Change } from "../diff/structural.js";
import type { Kind, ResourceKey } from "../manifests/types.js";

export type { Change, Kind, ResourceKey };

export type AlertType =
  | "drift.opened"
  | "drift.resolved"
  | "sync.failed"
  | "sync.recovered"
  | "deploy.succeeded"
  | "deploy.failed"
  | "deploy.rolledBack"
  | "rollback.active"
  /** A deploy hook task failed (docs/hooks.md#failure); `error` carries its exit code and log stream. */
  | "hook.failed"
  | PruneAlertType;

/** `pruned`: one resource deleted because it left git; `prune-blocked`: a guard held a whole pass (docs/prune.md#guards). */
export type PruneAlertType = "pruned" | "prune-blocked";

/** A deploy alert's facts (docs/deploys.md#rollout): what was deployed, why, how it ended, how long it took. */
export type AlertDeploy = {
  revision: string;
  trigger: string;
  outcome: string;
  durationS?: number;
  reason?: string;
};

/** What the controller did about the drift (or the failed sync) when the alert was raised. */
export type AlertAction = "reported" | "healing" | "healed" | "heal-failed" | "heal-suspended";

/** Why an open drift episode is reported again. */
export type AlertUpdate = "fields" | "heal-suspended";

/** Why an episode ended: reverted by the controller, made moot by a new commit, fixed by hand, or the resource left git. */
export type AlertResolution = "healed" | "git" | "manual" | "deleted";

/**
 * One alert: the opening or the end of a drift or sync-failure episode. Field values in `fields`
 * are already masked where they look secret (the producer masks; sinks never see raw secrets).
 */
export type AlertEvent = {
  type: AlertType;
  key: ResourceKey;
  /** Absent when the alert is about no one resource (a prune pass blocked before any orphan was found). */
  kind?: Kind;
  name: string;
  arn?: string;
  /** The commit the resource was last applied from (drift is measured against it). */
  commit?: string;
  fields?: Change[];
  /** ISO time the episode began. */
  firstSeen: string;
  /** ISO time of this alert. */
  at: string;
  action?: AlertAction;
  resolution?: AlertResolution;
  error?: { code: string; message: string };
  /**
   * Set on a `drift.opened` that re-reports an episode already open (same `firstSeen`): the drift
   * spread to fields not reported before, or self-heal was suspended. Receivers counting episodes skip these.
   */
  update?: AlertUpdate;
  /** Set on deploy.* and rollback.active. */
  deploy?: AlertDeploy;
};

export interface AlertSink {
  readonly name: string;
  /** Deliver one event; rejects when delivery failed for good (the dispatcher logs and counts it). */
  send(event: AlertEvent): Promise<void>;
}
