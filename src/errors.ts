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
  | "Internal";

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
