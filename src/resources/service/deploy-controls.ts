import { ANNOTATION } from "../../manifests/annotations.js";
import type { JsonObject } from "../../json.js";
import type { Manifest } from "../../manifests/types.js";
import type { TagMap } from "../common/tags.js";

/** The last restartedAt honoured, on the service: a controller restart must not restart the service again. */
export const RESTARTED_AT_TAG = "ecs-gitops:restarted-at";
/**
 * Set by `ecs-gitops rollback`: the revision the service stays on whatever git says, until git
 * names that revision again or `ecs-gitops release` lifts it. On the service, so the CLI, every
 * controller and a restart agree.
 */
export const PINNED_REVISION_TAG = "ecs-gitops:pinned-revision";

/** The tag that records the restart asked for in git, written with the service. */
export function restartTags(manifest: Manifest): TagMap {
  const value = manifest.annotations[ANNOTATION.restartedAt];
  return value === undefined || value === "" ? {} : { [RESTARTED_AT_TAG]: value };
}

/** The revision a rollback pinned the service to, if any. */
export function pinnedRevision(liveTags: TagMap): string | undefined {
  const pin = liveTags[PINNED_REVISION_TAG];
  return pin === undefined || pin === "" ? undefined : pin;
}

/**
 * The task definition the service should run while a rollback pin holds: the pinned one, unless
 * git names it again (then the pin is lifted: undefined, and its tag is not kept). Pure.
 */
export function holdPin<T extends { display: string; input: string }>(
  gitRef: T | { unresolved: string } | undefined,
  liveTags: TagMap,
): { ref: { display: string; input: string }; keepTags: TagMap; note: string } | undefined {
  const pin = pinnedRevision(liveTags);
  if (pin === undefined) return undefined;
  if (gitRef !== undefined && !("unresolved" in gitRef) && gitRef.display === pin) return undefined;
  return {
    ref: { display: pin, input: pin },
    keepTags: { [PINNED_REVISION_TAG]: pin },
    note: `pinned to ${pin} by a rollback: git's revision is not deployed (other fields still sync); \`ecs-gitops release\` lifts the pin`,
  };
}

/**
 * Why this update must start a new deployment although ECS would not start one by itself: a
 * restart asked for in git that the service has not had yet, or ECS Exec turned on (only tasks
 * started afterwards get it). Empty: no forced deployment. Pure.
 */
export function forceReasons(manifest: Manifest, liveTags: TagMap, changed: readonly string[], want: JsonObject): string[] {
  const reasons: string[] = [];
  const restart = restartTags(manifest)[RESTARTED_AT_TAG];
  if (restart !== undefined && liveTags[RESTARTED_AT_TAG] !== restart)
    reasons.push(`${ANNOTATION.restartedAt} is "${restart}": forcing a new deployment (restart)`);
  if (changed.includes("enableExecuteCommand") && want["enableExecuteCommand"] === true)
    reasons.push("enableExecuteCommand turned on: forcing a new deployment, since only tasks started afterwards get ECS Exec");
  return reasons;
}

/** The plan removes a rollback pin (git names the pinned revision again). */
export function liftsPin(action: { type: string; changes?: readonly { path: string; desired: unknown }[] }): boolean {
  return action.type === "update" && (action.changes ?? []).some((c) => c.path.endsWith(PINNED_REVISION_TAG) && c.desired === undefined);
}
