import { asEcsGitopsError, requeueAfter } from "../errors.js";
import type { DesiredState } from "../engine/desired-state.js";
import type { ResourceKey } from "../manifests/types.js";
import type { StatusProjection } from "../state/status-projection.js";
import type { QueueResult } from "../queue-result.js";
import { recordFailed } from "./reconcile-failure.js";
import type { ReconcilerOptions } from "./reconciler-options.js";

/**
 * Something threw past the batched read (an applier, hook or renderer bug, an unclassified error):
 * shown on the key's status and requeued by its code like any other failure (REQUEUE, errors.ts),
 * an unexpected throw as Internal: stalled until the next commit, never retried into a write that
 * may have landed.
 */
export function recordThrown(
  o: ReconcilerOptions,
  projection: StatusProjection,
  key: ResourceKey,
  desired: DesiredState | undefined,
  thrown: unknown,
  now: Date,
): QueueResult {
  const error = asEcsGitopsError(thrown);
  // The stack of an unexpected throw is what a bug report needs.
  if (error.cause !== undefined) o.log.error({ key, err: error.cause }, "reconcile threw");
  if (desired === undefined) return requeueAfter(error);
  const failed = recordFailed(o, projection.records, key, desired, error, now);
  projection.project(key);
  return failed;
}
