import type { ErrorCode } from "../errors.js";
import { EcsGitopsError, requeueAfter, requeueFor } from "../errors.js";
import type { DesiredState } from "../engine/desired-state.js";
import { handMadeRevisions } from "../engine/difference.js";
import type { LiveSnapshot } from "../engine/planner.js";
import type { Manifest, ResourceKey } from "../manifests/types.js";
import { pluginFor } from "../resources/registry.js";
import type { Action } from "../resources/types.js";
import type { ResourceRecords } from "../state/records.js";
import { blockedLook, failedLook } from "../state/record-projection.js";
import type { QueueResult } from "./queue.js";
import type { ReconcilerOptions } from "./reconciler-options.js";

/** The reconciler's outcomes that are not a write: a blocked plan, a failed reconcile, a revision made by hand. */

type BlockedAction = Extract<Action, { type: "blocked" }>;

/** A plan the engine refuses to write: its look (the status), log and alert say why; requeued by its code. */
export function recordBlocked(
  o: ReconcilerOptions,
  records: ResourceRecords,
  action: BlockedAction,
  manifest: Manifest,
  snapshot: LiveSnapshot,
  commit: string,
  now: Date,
): QueueResult {
  const key = action.key;
  const code: ErrorCode = action.code;
  const error = new EcsGitopsError(code, `${action.reason} (${action.hint})`, { where: key });
  o.log.child({ key, commit }).error({ reason: action.reason, hint: action.hint }, "blocked");
  const lastError = { code, message: error.message, at: now.toISOString() };
  const health = pluginFor(manifest).health(manifest, snapshot);
  records.update(key, { look: blockedLook(records.get(key).look, health, action.reason, lastError) });
  o.alerts.emitAll(o.drift.syncFailed(key, { code, message: error.message }, now, { commit }));
  // A dependency may settle soon; a foreign or immutable resource waits for the next commit.
  return requeueFor(code);
}

export function recordFailed(
  o: ReconcilerOptions,
  records: ResourceRecords,
  key: ResourceKey,
  desired: DesiredState,
  error: EcsGitopsError,
  now: Date,
): QueueResult {
  const commit = desired.commitOf.get(key) ?? desired.commit;
  const log = o.log.child({ key, commit });
  const queued = requeueAfter(error);
  const retry = "retry" in queued;
  if (retry) log.warn({ code: error.code, err: error.message }, "reconcile failed, will retry");
  else log.error({ code: error.code, err: error.message }, "reconcile failed, stalled until the next commit");
  records.update(key, { look: failedLook(records.get(key).look, { code: error.code, message: error.message, at: now.toISOString() }) });
  if (error.code === "AwsUnavailable") o.reader.forgetCached();
  // Throttling and a bad network are weather, not an episode worth paging anyone for.
  if (error.code !== "Throttled") o.alerts.emitAll(o.drift.syncFailed(key, { code: error.code, message: error.message }, now, { commit }));
  return queued;
}

/** A revision of a managed family that git did not register: logged once per revision. */
export function noteHandMadeRevisions(o: ReconcilerOptions, records: ResourceRecords, snapshot: LiveSnapshot, desired: DesiredState): void {
  for (const note of handMadeRevisions(snapshot, o.settings.owner)) {
    if (!records.noteRevision(note.arn)) continue;
    o.log.info(
      { key: `TaskDefinition/${note.family}`, commit: desired.commit, ...note },
      "task definition revision registered outside git",
    );
  }
}
