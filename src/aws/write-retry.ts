/**
 * May a write be sent again after its answer was lost (a 5xx after AWS applied it, a reset
 * connection, a timeout)? Each kind says so of its writes (`retry` in src/resources/kind-writes.ts);
 * the registry hands the answers over as it loads, as it does their throttle buckets (src/aws
 * cannot import the plug-ins, which import it).
 *
 * - `resend`: idempotent as sent (AWS replaces, upserts, or remembers the SDK's client token).
 * - `check-landed`: sent twice it makes two things; before a retry, AWS is asked whether the first
 *   attempt landed (landed-check.ts). Without such a check the write is never sent twice.
 */
export type WriteRetry = "resend" | "check-landed";

const DECLARED = new Map<string, WriteRetry>();

/** Records how each of `writes` (`service:Command` → retry) may be retried; two different answers for one write stop the process. */
export function registerWriteRetries(source: string, writes: Readonly<Record<string, WriteRetry>>): void {
  for (const [operation, retry] of Object.entries(writes)) {
    const known = DECLARED.get(operation);
    if (known !== undefined && known !== retry)
      throw new Error(`${source} declares ${operation} retry "${retry}", but another kind declares it "${known}": one write, one answer`);
    DECLARED.set(operation, retry);
  }
}

/** How `operation` may be retried, or undefined when no kind declares it (then only landed-check.ts decides). */
export function declaredRetry(operation: string): WriteRetry | undefined {
  return DECLARED.get(operation);
}
