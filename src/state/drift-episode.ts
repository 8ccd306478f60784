import type { AlertAction, AlertEvent } from "../alerts/types.js";
import { maskSecrets } from "../diff/mask.js";
import type { Change } from "../diff/structural.js";
import type { Kind, ResourceKey } from "../manifests/types.js";

/**
 * The episodes a resource's record keeps (records.ts), and the alert events they give (drift.ts
 * decides when). Paths and fingerprints only, never field values: records.json holds them, and
 * nothing secret may land on disk.
 */

/** An open drift episode: alerted when it opened, when its paths grew and when it ends, never while it persists. */
export type DriftEpisode = {
  kind: Kind;
  name: string;
  arn?: string;
  commit: string;
  fingerprint: string;
  firstSeen: string;
  /** Changed paths already reported in this episode's alerts. */
  reportedPaths: readonly string[];
  healing: boolean;
  healSuspended: boolean;
  suspensionReported: boolean;
};

/** An open sync-failure episode (its error's message stays in memory: it may quote AWS at length). */
export type SyncEpisode = { kind: Kind; name: string; arn?: string; commit?: string; fingerprint: string; firstSeen: string };

/** One self-heal, for the per-fingerprint budget. */
export type Heal = { fingerprint: string; at: string };

/** Masked, so no secret (not even its hash) reaches an alert or the status. */
export function episodeFields(changes: readonly Change[]): Change[] {
  return changes.map((c) => ({
    path: c.path,
    ...(c.field === undefined ? {} : { field: c.field }),
    desired: maskSecrets(c.desired),
    live: maskSecrets(c.live),
  }));
}

export function openedEvent(key: ResourceKey, episode: DriftEpisode, fields: readonly Change[], now: Date, selfHeal: boolean): AlertEvent {
  const event: AlertEvent = {
    type: "drift.opened",
    key,
    kind: episode.kind,
    name: episode.name,
    commit: episode.commit,
    fields: [...fields],
    firstSeen: episode.firstSeen,
    at: now.toISOString(),
    action: actionOf(episode, selfHeal),
  };
  if (episode.arn !== undefined) event.arn = episode.arn;
  return event;
}

export function actionOf(episode: DriftEpisode, selfHeal: boolean): AlertAction {
  if (episode.healSuspended) return "heal-suspended";
  return episode.healing || selfHeal ? "healing" : "reported";
}

export function syncEvent(type: "sync.failed" | "sync.recovered", key: ResourceKey, episode: SyncEpisode, now: Date): AlertEvent {
  const event: AlertEvent = {
    type,
    key,
    kind: episode.kind,
    name: episode.name,
    firstSeen: episode.firstSeen,
    at: now.toISOString(),
  };
  if (episode.arn !== undefined) event.arn = episode.arn;
  if (episode.commit !== undefined) event.commit = episode.commit;
  return event;
}
