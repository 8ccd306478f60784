/**
 * Time until the next shared resync tick at least half a period away. Every key due then shares
 * one batched read (⌈N/10⌉ DescribeServices for N services); per-key jitter would scatter a
 * resync into many small batches, each paying its own reads. The ticks' phase (0–1) is
 * random per process, so controllers started together do not all read at once.
 */
export function resyncAfterMs(periodMs: number, phase: number, now: number): number {
  if (!(periodMs > 0)) return periodMs;
  const offsetMs = phase * periodMs;
  const tick = offsetMs + Math.ceil((now + periodMs / 2 - offsetMs) / periodMs) * periodMs;
  return Math.max(1, Math.round(tick - now));
}

/**
 * Time until the next poll tick at least one period away, on a grid of eighth periods (in the
 * resync ticks' phase). Keys reconciled one by one finish at slightly different moments (each
 * after its own writes); polled exactly one period later, a rollout of N services would scatter
 * into many small reads. On the grid, keys that finished within an eighth of a period of each
 * other poll together and stay together; a poll comes at most 12.5 % late.
 */
export function pollAfterMs(periodMs: number, phase: number, now: number): number {
  if (!(periodMs > 0)) return periodMs;
  const stepMs = periodMs / 8;
  const offsetMs = phase * periodMs;
  const tick = offsetMs + Math.ceil((now + periodMs - offsetMs) / stepMs) * stepMs;
  return Math.max(1, Math.round(tick - now));
}
