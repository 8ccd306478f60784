import { EcsGitopsError } from "../errors.js";
import type { ErrorCode } from "../errors.js";

/** One entry of a partial-failure answer (PutTargets, RemoveTargets, PutEvents: HTTP 200 with FailedEntries). */
export type FailedEntry = { id: string; errorCode: string; errorMessage: string };

const THROTTLED_CODES = new Set(["ThrottlingException", "TooManyRequestsException", "Throttling"]);
const TRANSIENT_CODES = new Set(["InternalException", "InternalFailure", "ServiceUnavailable", "ConcurrentModificationException"]);

function codeFor(entries: readonly FailedEntry[]): ErrorCode {
  // One entry retrying cannot fix makes the whole call terminal; otherwise throttling wins.
  if (entries.some((entry) => !THROTTLED_CODES.has(entry.errorCode) && !TRANSIENT_CODES.has(entry.errorCode))) return "InvalidRequest";
  if (entries.some((entry) => THROTTLED_CODES.has(entry.errorCode))) return "Throttled";
  return "AwsUnavailable";
}

/**
 * The error for a call that answered 200 but failed some entries. Entries are idempotent by id
 * (PutTargets) or harmless to repeat (RemoveTargets), so a retryable code retries the whole call.
 */
export function failedEntriesError(where: string, entries: readonly FailedEntry[]): EcsGitopsError {
  const code = codeFor(entries);
  const list = entries.map((entry) => `${entry.id}: ${entry.errorCode} ${entry.errorMessage}`.trim()).join("; ");
  const hint =
    code === "InvalidRequest"
      ? "Fix the named entries in the manifest; the other entries of the call were applied."
      : "The failed entries are retried with backoff.";
  return new EcsGitopsError(code, `${where}: ${entries.length} entr${entries.length === 1 ? "y" : "ies"} failed (${list}). ${hint}`, {
    where,
  });
}
