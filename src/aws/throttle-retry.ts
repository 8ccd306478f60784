import type { RetryErrorInfo, RetryStrategyV2, RetryToken, StandardRetryToken } from "@smithy/types";
import { fullJitter } from "../jitter.js";

/**
 * Attempts per call while AWS answers with throttling. A throttled request was refused before AWS
 * did anything, so trying it again in place is always safe, and cheaper than failing the
 * resource: its key would back off, plan again (reads) and send a new call. 0.3⁸ ≈ 0.007 % of
 * calls stay throttled through 8 attempts when 30 % of all attempts are throttled.
 */
export const THROTTLED_MAX_ATTEMPTS = 8;

/** The SDK's base and cap for throttled retries (full jitter: a random wait up to base × 2^retry). */
export const THROTTLED_BASE_DELAY_MS = 1_000;
const MAX_DELAY_MS = 20_000;

export type ThrottleRetryOptions = {
  /** Attempts for errors other than throttling (5xx, timeouts, resets). */
  maxAttempts: number;
  /** Attempts while throttled. */
  throttledMaxAttempts: number;
  /** Backoff base for throttled retries; tests set 0. */
  throttledBaseDelayMs?: number | undefined;
  random?: (() => number) | undefined;
};

/**
 * The SDK's strategy for every other retryable error (5xx, timeouts, resets, held to `maxAttempts`),
 * and throttled retries handled here, outside the SDK's retry quota. The standard strategy keeps one
 * quota per client (500 tokens, 5 per throttled retry, refunded only by a success): under
 * sustained throttling thousands of in-flight calls empty it, and from then on a throttled call
 * fails at once instead of backing off, although a throttle is exactly the error that is safe
 * and right to retry after a pause. The quota exists to stop retry storms against a failing
 * service; throttling is paced by the backoff here and the rate limiter (rate-limit.ts) instead.
 */
export function tolerateThrottling(inner: RetryStrategyV2, options: ThrottleRetryOptions): RetryStrategyV2 {
  const base = options.throttledBaseDelayMs ?? THROTTLED_BASE_DELAY_MS;
  const random = options.random ?? Math.random;
  return {
    acquireInitialRetryToken: (scope: string) => inner.acquireInitialRetryToken(scope),
    refreshRetryTokenForRetry: async (token: RetryToken, errorInfo: RetryErrorInfo) => {
      const retries = token.getRetryCount() + 1;
      if (errorInfo.errorType === "THROTTLING") {
        if (retries >= options.throttledMaxAttempts) throw new Error("No retry token available");
        let delay = Math.floor(fullJitter(Math.min(base * 2 ** token.getRetryCount(), MAX_DELAY_MS), random));
        const hint = errorInfo.retryAfterHint;
        if (hint instanceof Date) delay = Math.max(delay, Math.min(hint.getTime() - Date.now(), MAX_DELAY_MS));
        return throttledToken(retries, delay, token);
      }
      if (retries >= options.maxAttempts) throw new Error("No retry token available");
      return inner.refreshRetryTokenForRetry(token, errorInfo);
    },
    recordSuccess: (token: RetryToken) => inner.recordSuccess(token),
  };
}

/**
 * A retry the SDK's quota did not pay for: the retry middleware sleeps `delay` before the attempt.
 * It carries on the cost of an earlier retry the quota did pay (a 5xx before the throttle), so a
 * success refunds that as the SDK would.
 */
function throttledToken(retries: number, delay: number, previous: RetryToken): StandardRetryToken {
  const cost = (previous as Partial<StandardRetryToken>).getRetryCost?.();
  return {
    getRetryCount: () => retries,
    getRetryDelay: () => Math.max(0, delay),
    getRetryCost: () => cost,
  };
}
