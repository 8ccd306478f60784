import { AsyncLocalStorage } from "node:async_hooks";
import { EcsGitopsError } from "../errors.js";

/** Undefined lets a write of `key` go; a reason stops it (write-fence.ts). */
type Fence = (key: string, operation?: string, minWindowMs?: number) => string | undefined;

/** The write attempt on its way to the request handler: set by the write fence middleware for that attempt only. */
export type FencedAttempt = {
  readonly key: string;
  readonly operation: string;
  readonly fence: Fence;
  /** How long the lease covering `key` stays valid, in ms; undefined: no window to respect. */
  readonly windowLeftMs?: ((key: string) => number) | undefined;
};

/** Set around the part of the middleware chain that follows the fence check of one write attempt. */
export const fencedAttempt = new AsyncLocalStorage<FencedAttempt | undefined>();

/**
 * Below this much of the lease window left, a write attempt is not sent: an AWS write takes a
 * round trip of 100 ms or more, and one aborted on the wire leaves it unknown whether it landed.
 */
export const MIN_ATTEMPT_WINDOW_MS = 250;

type Handler = { handle(request: unknown, options?: { abortSignal?: unknown; requestTimeout?: number }): Promise<unknown> };

/**
 * The last check before the bytes leave: the fence middleware runs before signing, and an
 * event-loop stall or the rest of the middleware chain can take seconds after it, enough for the
 * lease window to close and another replica to take the shard over. So the request handler of
 * every client checks the fence again synchronously right before it dispatches a write attempt,
 * and caps that attempt's request timeout at the time left in the window: an answer that has not
 * come by then is aborted (a TimeoutError). The SDK then retries as after any timeout: the landed
 * check reads (reads are never fenced) and the resend meets the fence, which refuses it
 * (`LeaseLost`), so the new holder reads live state and finishes the write if it did not land.
 */
export function applyDispatchFence(config: { requestHandler?: unknown }, defaultTimeoutMs: number): void {
  const handler = config.requestHandler as Handler | undefined;
  if (handler === undefined || typeof handler.handle !== "function") return;
  const handle = handler.handle.bind(handler);
  handler.handle = async (request, options = {}) => {
    const attempt = fencedAttempt.getStore();
    if (attempt === undefined) return handle(request, options);
    const refused = attempt.fence(attempt.key, attempt.operation, MIN_ATTEMPT_WINDOW_MS);
    if (refused !== undefined) throw leaseLost(attempt.key, `${refused} (checked again right before sending)`);
    const leftMs = attempt.windowLeftMs?.(attempt.key);
    if (leftMs === undefined) return handle(request, options);
    if (leftMs < MIN_ATTEMPT_WINDOW_MS)
      throw leaseLost(
        attempt.key,
        `${attempt.key}: only ${Math.max(0, Math.round(leftMs))} ms of this replica's lease window was left, too little for a write ` +
          `to be answered inside it, so it was not sent; the lease is renewed at the next tick, or the holder reconciles it`,
      );
    return handle(request, { ...options, requestTimeout: Math.floor(Math.min(options.requestTimeout ?? defaultTimeoutMs, leftMs)) });
  };
}

function leaseLost(key: string, message: string): EcsGitopsError {
  return new EcsGitopsError("LeaseLost", message, { where: key, retryable: true });
}
