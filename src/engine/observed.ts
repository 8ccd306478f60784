import type { Manifest } from "../manifests/types.js";
import { pluginFor } from "../resources/registry.js";
import type { LiveSnapshot, PlanResult } from "./planner.js";

/** Facts about one resource read off a snapshot and its plan, through its kind's plug-in. Pure. */

/** After a restart: our revision of `family` is newer than what the resource runs (see isInterruptedDeploy). */
export function isInterruptedDeploy(manifest: Manifest, family: string, plan: PlanResult, snapshot: LiveSnapshot): boolean {
  const resolved = plan.resolved.get(family);
  if (resolved?.state !== "known") return false;
  const revision = snapshot.revisions.get(family)?.find((r) => r.arn === resolved.arn);
  return pluginFor(manifest).interruptedDeploy(manifest, snapshot, revision?.taskDefinition);
}

/** Kind, name and (when read) ARN: what an alert says about the resource. */
export function identityOf(manifest: Manifest, snapshot: LiveSnapshot): { kind: Manifest["kind"]; name: string; arn?: string } {
  const arn = pluginFor(manifest).arn(manifest, snapshot);
  return arn ? { kind: manifest.kind, name: manifest.name, arn } : { kind: manifest.kind, name: manifest.name };
}
