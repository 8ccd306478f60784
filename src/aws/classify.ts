import { EcsGitopsError, isEcsGitopsError } from "../errors.js";
import type { ErrorCode } from "../errors.js";

// Error names as the SDK sets them (`error.name` = the modelled shape or AWS error code). Throttling
// is checked before everything else (docs/design.md#errors): AWS also answers some throttles with 400 or 5xx.
const THROTTLING = new Set([
  "ThrottlingException",
  "TooManyRequestsException",
  "Throttling",
  "ThrottledException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
]);

/** Credentials that do not work at all: no IAM policy change helps, new credentials do. */
const BAD_CREDENTIALS = new Set([
  "UnrecognizedClientException",
  "ExpiredTokenException",
  "ExpiredToken",
  "InvalidClientTokenId",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "CredentialsProviderError",
]);

/** Not allowed: an IAM policy (or an account block) says no, or the credentials do not work at all. */
const ACCESS_DENIED = new Set([...BAD_CREDENTIALS, "AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "BlockedException"]);

const NOT_FOUND = new Set([
  "ClusterNotFoundException",
  "ServiceNotFoundException",
  "ResourceNotFoundException",
  "NamespaceNotFoundException",
  "TaskSetNotFoundException",
  "TargetNotFoundException",
  "ServiceDeploymentNotFoundException",
]);

const INVALID_REQUEST = new Set([
  "InvalidParameterException",
  "ClientException",
  "ValidationException",
  "ServiceNotActiveException",
  "PlatformUnknownException",
  "PlatformTaskDefinitionIncompatibilityException",
  "UnsupportedFeatureException",
  "AttributeLimitExceededException",
  // A quota (300 rules per bus, 5 targets per rule, revisions …): retrying cannot help, although
  // the SDK's own retry treats this name as throttling.
  "LimitExceededException",
  "ResourceInUseException",
  "ResourceAlreadyExistsException",
  "ClusterContainsServicesException",
  "ClusterContainsTasksException",
  "ClusterContainsContainerInstancesException",
  "InvalidEventPatternException",
  "InvalidStateException",
  "IllegalStatusException",
  "ManagedRuleException",
  "OperationDisabledException",
  "PolicyLengthExceededException",
  "MissingVersionException",
  "NoUpdateAvailableException",
]);

/** Another writer is mid-change: the same request succeeds a little later. */
const TRANSIENT_CONFLICT = new Set(["ConcurrentModificationException", "UpdateInProgressException", "ConflictException"]);

const SERVER_FAULT = new Set([
  "ServerException",
  "InternalException",
  "InternalFailure",
  "ServiceUnavailable",
  "ServiceUnavailableException",
]);

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);
const NETWORK_NAMES = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException"]);

type ErrorFacts = {
  name: string;
  message: string;
  status: number | undefined;
  fault: string | undefined;
  throttlingTrait: boolean;
  retryableTrait: boolean;
  code: string | undefined;
};

function factsOf(error: unknown): ErrorFacts {
  const record = typeof error === "object" && error !== null ? (error as Record<string, unknown>) : {};
  const metadata = record["$metadata"] as { httpStatusCode?: unknown } | undefined;
  const response = record["$response"] as { statusCode?: unknown } | undefined;
  const statusRaw = metadata?.httpStatusCode ?? response?.statusCode;
  const retryable = record["$retryable"] as { throttling?: unknown } | undefined;
  return {
    name: typeof record["name"] === "string" ? record["name"] : typeof error,
    message: typeof record["message"] === "string" ? record["message"] : String(error),
    status: typeof statusRaw === "number" ? statusRaw : undefined,
    fault: typeof record["$fault"] === "string" ? record["$fault"] : undefined,
    throttlingTrait: retryable?.throttling === true,
    retryableTrait: retryable !== undefined,
    code: typeof record["code"] === "string" ? record["code"] : undefined,
  };
}

/** True for any throttling answer (by name, status 429 or the SDK's throttling trait). */
export function isThrottlingError(error: unknown): boolean {
  const facts = factsOf(error);
  return THROTTLING.has(facts.name) || facts.throttlingTrait || facts.status === 429;
}

function isNetworkError(facts: ErrorFacts): boolean {
  return (
    (facts.code !== undefined && NETWORK_CODES.has(facts.code)) ||
    NETWORK_NAMES.has(facts.name) ||
    /socket hang up|ECONNREFUSED|ECONNRESET|ETIMEDOUT/.test(facts.message)
  );
}

function codeOf(facts: ErrorFacts): ErrorCode {
  if (THROTTLING.has(facts.name) || facts.throttlingTrait || facts.status === 429) return "Throttled";
  if (ACCESS_DENIED.has(facts.name)) return "AccessDenied";
  if (NOT_FOUND.has(facts.name)) return "NotFound";
  if (INVALID_REQUEST.has(facts.name)) return "InvalidRequest";
  if (TRANSIENT_CONFLICT.has(facts.name) || SERVER_FAULT.has(facts.name)) return "AwsUnavailable";
  if (facts.status !== undefined && facts.status >= 500) return "AwsUnavailable";
  if (facts.fault === "server" || facts.retryableTrait || isNetworkError(facts)) return "AwsUnavailable";
  return "Internal";
}

// "User: arn:aws:iam::1:assumed-role/x/y is not authorized to perform: ecs:UpdateService on resource: arn:… because …"
const NOT_AUTHORIZED = /User: (\S+) is not authorized to perform: (\S+?)(?: on resource: (\S+?))?(?: because|\.?$|\s)/;

function accessDeniedHint(facts: ErrorFacts): string {
  if (BAD_CREDENTIALS.has(facts.name)) {
    return (
      "The AWS credentials are missing, invalid or expired: refresh them " + "(AWS_PROFILE, SSO login, the task role) and check the region."
    );
  }
  if (facts.name === "BlockedException") return "The AWS account is blocked for this service: contact AWS Support.";
  const match = NOT_AUTHORIZED.exec(facts.message);
  if (match !== null) {
    const resource = match[3] === undefined ? "" : ` on ${match[3]}`;
    return `Grant the IAM action ${match[2]}${resource} to ${match[1]} (see manifests/ for the controller's policy).`;
  }
  return "Grant the controller's IAM role the permission for this call (see manifests/ for the controller's policy).";
}

function hintFor(code: ErrorCode, facts: ErrorFacts): string {
  switch (code) {
    case "Throttled":
      return (
        "AWS throttled the call after the SDK's retries; it is retried with " +
        "backoff. If it persists, lower concurrency (the account's API buckets " +
        "are shared with other tools) or ask AWS Support for a higher limit."
      );
    case "AwsUnavailable":
      return TRANSIENT_CONFLICT.has(facts.name)
        ? "Another change to the same resource is in progress; it is retried with backoff."
        : "AWS or the network did not answer successfully; it is retried with " +
            "backoff. Check connectivity to the endpoint and the AWS Health " +
            "Dashboard if it persists.";
    case "AccessDenied":
      return accessDeniedHint(facts);
    case "NotFound":
      return "It does not exist in this account and region: check the name, the cluster, the region and the credentials' account.";
    case "InvalidRequest":
      return "AWS rejected the request; retrying will not help: fix the manifest field the message names.";
    default:
      return "Unexpected error: please report it with this message.";
  }
}

/**
 * The SDK error without its raw `$response` (socket, streams): logs and test reports stay readable,
 * while name, message, stack, status, request id and attempts remain for support cases.
 */
function slimCause(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const record = error as Error & Record<string, unknown>;
  const slim = new Error(error.message);
  slim.name = error.name;
  if (error.stack !== undefined) slim.stack = error.stack;
  for (const key of ["code", "$fault", "$metadata", "$retryable"]) {
    if (record[key] !== undefined) Object.defineProperty(slim, key, { value: record[key], enumerable: true });
  }
  return slim;
}

/**
 * The one place an AWS SDK (or network) error becomes an `EcsGitopsError`. `where` names the
 * resource and call (e.g. `Service/prod/web (ecs:UpdateService)`); the message adds the AWS error
 * name, AWS's message and what to do.
 */
export function classifyAwsError(error: unknown, where: string): EcsGitopsError {
  if (isEcsGitopsError(error)) return error;
  const facts = factsOf(error);
  const code = codeOf(facts);
  const status = facts.status === undefined ? "" : ` (HTTP ${facts.status})`;
  const awsMessage = facts.message.trim().replace(/\.$/, "") || "(no message)";
  const message = `${where}: AWS ${facts.name}${status}: ${awsMessage}. ${hintFor(code, facts)}`;
  return new EcsGitopsError(code, message, { where, cause: slimCause(error) });
}

/** The name AWS (or Node) gave an error, for the few callers that branch on one literal name. */
export function awsErrorName(error: unknown): string {
  return factsOf(error).name;
}
