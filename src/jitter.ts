/**
 * `ms` spread uniformly by ±`fraction` (0.1: 90 %–110 %), so timers started together do not all
 * fire together: a thousand resources resyncing, controllers polling the same remote, keys backing
 * off after one throttled wave. `random` is injectable for tests. Not rounded.
 */
export function jittered(ms: number, fraction: number, random: () => number = Math.random): number {
  return ms * (1 + fraction * (2 * random() - 1));
}

/**
 * "Full jitter": anywhere from 0 to `ms` (AWS's backoff advice), so clients throttled together
 * spread their retries over the whole window. Not rounded.
 */
export function fullJitter(ms: number, random: () => number = Math.random): number {
  return ms * random();
}
