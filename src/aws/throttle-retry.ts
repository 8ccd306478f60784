import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from "@smithy/types";

/**
 * Attempts per call while AWS answers with throttling. A throttled request was refused before AWS
 * did anything, so trying it again in place is always safe, and cheaper than failing the
 * resource: its key would back off, plan again (reads) and send a new call. 0.3⁸ ≈ 0.007 % of
 * calls stay throttled through 8 attempts when 30 % of all attempts are throttled.
 */
export const THROTTLED_MAX_ATTEMPTS = 8;

/**
 * The SDK's strategy (built for `throttledMaxAttempts`), holding every other retryable error
 * (5xx, timeouts, resets) to `maxAttempts` as before. Backoff and retry capacity stay the SDK's.
 */
export function tolerateThrottling(inner: RetryStrategyV2, maxAttempts: number): RetryStrategyV2 {
  return {
    acquireInitialRetryToken: (scope: string) => inner.acquireInitialRetryToken(scope),
    refreshRetryTokenForRetry: async (token: RetryToken, errorInfo: RetryErrorInfo) => {
      if (errorInfo.errorType !== "THROTTLING" && token.getRetryCount() + 1 >= maxAttempts) throw new Error("No retry token available");
      return inner.refreshRetryTokenForRetry(token, errorInfo);
    },
    recordSuccess: (token: RetryToken) => inner.recordSuccess(token),
  };
}
