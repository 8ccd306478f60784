import { describe, expect, it } from "vitest";
import { accountIdFromArn } from "../../src/aws/arn.js";
import { classifyAwsError, isThrottlingError } from "../../src/aws/classify.js";
import { EcsGitopsError } from "../../src/errors.js";
import type { ErrorCode } from "../../src/errors.js";

function sdkError(name: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} message`), { name, $metadata: { httpStatusCode: 400 }, ...extra });
}

const cases: { error: unknown; code: ErrorCode; retryable: boolean }[] = [
  { error: sdkError("ThrottlingException"), code: "Throttled", retryable: true },
  { error: sdkError("TooManyRequestsException"), code: "Throttled", retryable: true },
  { error: sdkError("Throttling"), code: "Throttled", retryable: true },
  { error: sdkError("RequestLimitExceeded"), code: "Throttled", retryable: true },
  // Throttling is classified before faults: a throttling trait wins over a 5xx status.
  {
    error: sdkError("SomethingNew", { $retryable: { throttling: true }, $metadata: { httpStatusCode: 503 } }),
    code: "Throttled",
    retryable: true,
  },
  { error: sdkError("ServerException", { $metadata: { httpStatusCode: 500 }, $fault: "server" }), code: "AwsUnavailable", retryable: true },
  { error: sdkError("InternalException", { $metadata: { httpStatusCode: 500 } }), code: "AwsUnavailable", retryable: true },
  { error: sdkError("Unknown", { $metadata: { httpStatusCode: 502 } }), code: "AwsUnavailable", retryable: true },
  {
    error: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
    code: "AwsUnavailable",
    retryable: true,
  },
  { error: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }), code: "AwsUnavailable", retryable: true },
  { error: Object.assign(new Error("timed out"), { name: "TimeoutError" }), code: "AwsUnavailable", retryable: true },
  { error: sdkError("ConcurrentModificationException"), code: "AwsUnavailable", retryable: true },
  { error: sdkError("AccessDeniedException"), code: "AccessDenied", retryable: false },
  { error: sdkError("AccessDenied"), code: "AccessDenied", retryable: false },
  { error: sdkError("UnrecognizedClientException"), code: "AccessDenied", retryable: false },
  { error: sdkError("ExpiredTokenException"), code: "AccessDenied", retryable: false },
  { error: sdkError("ClusterNotFoundException"), code: "NotFound", retryable: false },
  { error: sdkError("ServiceNotFoundException"), code: "NotFound", retryable: false },
  { error: sdkError("ResourceNotFoundException"), code: "NotFound", retryable: false },
  { error: sdkError("InvalidParameterException"), code: "InvalidRequest", retryable: false },
  { error: sdkError("ClientException"), code: "InvalidRequest", retryable: false },
  { error: sdkError("ValidationException"), code: "InvalidRequest", retryable: false },
  { error: sdkError("ServiceNotActiveException"), code: "InvalidRequest", retryable: false },
  { error: sdkError("PlatformUnknownException"), code: "InvalidRequest", retryable: false },
  // A quota, not a rate: the SDK retries it as throttling, we do not pretend it will pass.
  { error: sdkError("LimitExceededException"), code: "InvalidRequest", retryable: false },
  { error: sdkError("SomeBrandNewException"), code: "Internal", retryable: false },
  { error: "a string", code: "Internal", retryable: false },
];

describe("classifyAwsError", () => {
  it.each(cases)("classifies $error.name as $code", ({ error, code, retryable }) => {
    const classified = classifyAwsError(error, "Service/prod/web (ecs:UpdateService)");
    expect([classified.code, classified.retryable]).toEqual([code, retryable]);
    expect(classified.where).toBe("Service/prod/web (ecs:UpdateService)");
    if (error instanceof Error) expect(classified.cause).toMatchObject({ name: error.name, message: error.message });
  });

  it("names the resource, the AWS error name and AWS's message", () => {
    const classified = classifyAwsError(sdkError("ClusterNotFoundException"), "Service/prod/web (ecs:UpdateService)");
    expect(classified.message).toMatch(
      /^Service\/prod\/web \(ecs:UpdateService\): AWS ClusterNotFoundException \(HTTP 400\): ClusterNotFoundException message\./,
    );
  });

  it("names the missing IAM action when AWS's message says which", () => {
    const error = sdkError("AccessDeniedException", {
      message:
        "User: arn:aws:iam::111122223333:user/ci is not authorized to perform: " +
        "events:PutRule on resource: " +
        "arn:aws:events:us-east-1:111122223333:rule/nightly because no " +
        "identity-based policy allows the events:PutRule action",
    });
    expect(classifyAwsError(error, "ScheduledRule/default/nightly").message).toContain(
      "Grant the IAM action events:PutRule on arn:aws:events:us-east-1:111122223333:rule/nightly to arn:aws:iam::111122223333:user/ci",
    );
  });

  it("keeps the AWS error as cause without the raw HTTP response", () => {
    const error = sdkError("ServerException", { $metadata: { httpStatusCode: 500, requestId: "req-1" }, $response: { body: "socket" } });
    const cause = classifyAwsError(error, "x").cause;
    expect(cause).toMatchObject({ name: "ServerException", $metadata: { requestId: "req-1" } });
    expect(cause).not.toHaveProperty("$response");
  });

  it("returns an EcsGitopsError unchanged", () => {
    const original = new EcsGitopsError("InvalidRequest", "x");
    expect(classifyAwsError(original, "anywhere")).toBe(original);
  });

  it("recognizes throttling by status 429 too", () => {
    expect(isThrottlingError(sdkError("Whatever", { $metadata: { httpStatusCode: 429 } }))).toBe(true);
    expect(isThrottlingError(sdkError("ServerException", { $metadata: { httpStatusCode: 500 } }))).toBe(false);
  });
});

describe("accountIdFromArn", () => {
  it.each([
    ["arn:aws:ecs:us-east-1:111122223333:cluster/prod", "111122223333"],
    ["arn:aws-cn:events:cn-north-1:123456789012:rule/x", "123456789012"],
    ["arn:aws:s3:::bucket", undefined],
    ["web:3", undefined],
  ])("%s → %s", (arn, account) => {
    expect(accountIdFromArn(arn)).toBe(account);
  });
});
