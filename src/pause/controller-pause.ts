import type { Logger } from "pino";
import type { PauseHandler } from "../http/pause-api.js";
import type { Manifest } from "../manifests/types.js";
import { pausedFor } from "./gate.js";
import type { Paused } from "./gate.js";
import type { Suspensions } from "./suspensions-setup.js";
import type { SuspendTarget } from "./suspensions.js";
import type { SyncWindow } from "./sync-windows.js";

/** The controller's side of pausing: the policy's question, and the API's changes followed by a fresh look. */
export type ControllerPause = {
  paused(manifest: Manifest, now: Date): Paused | undefined;
  handler: PauseHandler;
  /** Controller stop: the shared suspensions stop polling. */
  close(): void;
};

export function controllerPause(
  suspensions: Suspensions,
  windows: () => readonly SyncWindow[],
  requeue: (target: SuspendTarget) => void,
  log: Logger,
  defaultCluster: string | undefined,
): ControllerPause {
  const store = suspensions.store;
  const change = async (verb: "suspend" | "resume", target: SuspendTarget) => {
    const state = verb === "suspend" ? await store.suspend(target) : await store.resume(target);
    log.info({ keys: target === "all" ? "all" : target, state }, verb === "suspend" ? "suspended" : "resumed");
    // Status follows at once; a resumed resource deploys what git says without waiting for the resync.
    requeue(target);
    return state;
  };
  return {
    paused: (manifest, now) =>
      pausedFor(manifest, { isSuspended: (key) => store.isSuspended(key), windows: windows(), now, defaultCluster }),
    handler: { suspend: (target) => change("suspend", target), resume: (target) => change("resume", target) },
    close: () => suspensions.close(),
  };
}
