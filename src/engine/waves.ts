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
