import { syncDisabled, ANNOTATION } from "../manifests/annotations.js";
import type { Manifest } from "../manifests/types.js";
import { pluginFor } from "../resources/registry.js";
import { windowBlocks } from "./sync-windows.js";
import type { SyncWindow } from "./sync-windows.js";

/** Why writes to a resource are paused right now; the policy turns every write into a report. */
export type Paused = { reason: "Suspended" | "SyncDisabled" | "SyncWindow"; message: string };

export type PauseInputs = {
  isSuspended(key: string): boolean;
  windows: readonly SyncWindow[];
  now: Date;
  /** Where a manifest that names no cluster runs (a window's `clusters:` match follows it). */
  defaultCluster?: string | undefined;
};

/** The first of: the resource's own annotation, an operator's suspend, a sync window. */
export function pausedFor(manifest: Manifest, inputs: PauseInputs): Paused | undefined {
  if (syncDisabled(manifest)) return { reason: "SyncDisabled", message: `${ANNOTATION.sync} is "false": observe only` };
  if (inputs.isSuspended(manifest.key)) return { reason: "Suspended", message: "suspended (`ecs-gitops resume` lifts it)" };
  const { kind, name, key } = manifest;
  const target = { kind, name, key, clusters: pluginFor(manifest).clusters(manifest, inputs.defaultCluster) };
  const window = windowBlocks(inputs.windows, target, inputs.now);
  return window === undefined ? undefined : { reason: "SyncWindow", message: window };
}
