import type { AlertAction, AlertEvent } from "../alerts/types.js";
import { maskSecrets } from "../diff/mask.js";
import type { Change } from "../diff/structural.js";
import type { PersistedDrift, PersistedSync } from "./drift-store.js";

/** An episode as the tracker holds it, and the alert events it gives (drift.ts decides when). */
export type DriftEpisode = Omit<PersistedDrift, "reportedPaths"> & { reportedPaths: Set<string>; fields: Change[] };
export type SyncEpisode = PersistedSync & { error: { code: string; message: string } };

/** Masked, so no secret (not even its hash) reaches the episode record. */
export function episodeFields(changes: readonly Change[]): Change[] {
  return changes.map((c) => ({
    path: c.path,
    ...(c.field === undefined ? {} : { field: c.field }),
    desired: maskSecrets(c.desired),
    live: maskSecrets(c.live),
  }));
}

export function openedEvent(episode: DriftEpisode, now: Date, selfHeal: boolean): AlertEvent {
  const event: AlertEvent = {
    type: "drift.opened",
    key: episode.key,
    kind: episode.kind,
    name: episode.name,
    commit: episode.commit,
    fields: episode.fields,
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

export function syncEvent(type: "sync.failed" | "sync.recovered", episode: SyncEpisode, now: Date): AlertEvent {
  const event: AlertEvent = {
    type,
    key: episode.key,
    kind: episode.kind,
    name: episode.name,
    firstSeen: episode.firstSeen,
    at: now.toISOString(),
  };
  if (episode.arn !== undefined) event.arn = episode.arn;
  if (episode.commit !== undefined) event.commit = episode.commit;
  return event;
}
