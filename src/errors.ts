import type { QueueResult } from "./queue-result.js";

export type ErrorCode =
  | "InvalidManifest"
  | "InvalidConfig"
  | "ImmutableField"
  | "NotOwned"
  | "AccessDenied"
  | "NotFound"
  | "InvalidRequest"
  | "Throttled"
  | "AwsUnavailable"
  | "DependencyNotReady"
  | "SourceUnavailable"
  /** ECS rolled a deployment back (circuit breaker or alarm): the revision fails; a fix in git is needed. */
  | "RolledBack"
  /** High availability: this replica's shard lease ran out before a write; the new holder reconciles. */
  | "LeaseLost"
  /** A blocking deploy hook task failed: the deploy waits for the next commit (docs/hooks.md). */
  | "HookFailed"
  | "Internal";

/**
 * What the work queue does with a key whose reconcile ended in each error: `backoff` tries again
 * with per-key backoff up to 15 min (it may clear on its own or be fixed outside git: a missing
 * cluster, an IAM policy, expired credentials); `stall` waits for the next commit (only git can
 * fix it). The one requeue table: reads, writes, blocked plans, throws and the prune pass all go
 * through it (requeueAfter, requeueFor).
 */
export const REQUEUE: Readonly<Record<ErrorCode, "backoff" | "stall">> = {
  InvalidManifest: "stall",
  InvalidConfig: "stall",
  ImmutableField: "stall",
  NotOwned: "stall",
  AccessDenied: "backoff",
  NotFound: "backoff",
  InvalidRequest: "stall",
  Throttled: "backoff",
  AwsUnavailable: "backoff",
  DependencyNotReady: "backoff",
  SourceUnavailable: "backoff",
  RolledBack: "stall",
  LeaseLost: "backoff",
  HookFailed: "stall",
  Internal: "stall",
};

/**
 * What the queue does after `error`: its code's REQUEUE entry. An error marked retryable where it
 * was raised is retried whatever its code.
 */
export function requeueAfter(error: EcsGitopsError): QueueResult {
  return error.retryable || REQUEUE[error.code] === "backoff" ? { retry: true } : { stalled: true };
}

/** A reconcile that cannot go on yet and has no error to show (a key the plan left out): `code`'s entry. */
export function requeueFor(code: ErrorCode): QueueResult {
  return REQUEUE[code] === "backoff" ? { retry: true } : { stalled: true };
}

const RETRYABLE: Record<ErrorCode, boolean> = {
  InvalidManifest: false,
  InvalidConfig: false,
  ImmutableField: false,
  NotOwned: false,
  AccessDenied: false,
  NotFound: false,
  InvalidRequest: false,
  Throttled: true,
  AwsUnavailable: true,
  DependencyNotReady: true,
  SourceUnavailable: true,
  RolledBack: false,
  LeaseLost: true,
  HookFailed: false,
  Internal: false,
};

/** The one error type: a closed code, whether retrying can help, and what the user should do. */
export class EcsGitopsError extends Error {
  override readonly name = "EcsGitopsError";
  readonly code: ErrorCode;
  readonly retryable: boolean;
  /** Resource key, manifest location or AWS operation the error is about. */
  readonly where: string | undefined;

  constructor(code: ErrorCode, message: string, options: { where?: string; cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE[code];
    this.where = options.where;
  }
}

export function isEcsGitopsError(error: unknown): error is EcsGitopsError {
  return error instanceof EcsGitopsError;
}

/** Anything thrown, as an EcsGitopsError (an unexpected one is Internal). */
export function asEcsGitopsError(error: unknown): EcsGitopsError {
  return isEcsGitopsError(error)
    ? error
    : new EcsGitopsError("Internal", String(error instanceof Error ? error.message : error), { cause: error });
}
