import { describe, expect, it } from "vitest";
import { EcsGitopsError, REQUEUE } from "../../src/errors.js";
import type { ErrorCode } from "../../src/errors.js";

describe("REQUEUE", () => {
  it("backs off what may clear outside git and stalls what only a commit fixes", () => {
    const backoff = (Object.keys(REQUEUE) as ErrorCode[]).filter((code) => REQUEUE[code] === "backoff").sort();
    expect(backoff).toEqual([
      "AccessDenied",
      "AwsUnavailable",
      "DependencyNotReady",
      "LeaseLost",
      "NotFound",
      "SourceUnavailable",
      "Throttled",
    ]);
    expect(REQUEUE.RolledBack).toBe("stall");
  });

  it("agrees with the codes retryable by default: every retryable code backs off", () => {
    for (const code of Object.keys(REQUEUE) as ErrorCode[])
      if (new EcsGitopsError(code, "x").retryable) expect([code, REQUEUE[code]]).toEqual([code, "backoff"]);
  });
});
