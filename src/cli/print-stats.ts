import type { CallSnapshot } from "../aws/index.js";

/**
 * `--stats`: AWS calls by operation, reads and writes (printed on stderr so stdout stays
 * parseable). `attempts` counts every request sent, retries included; `landed` counts retries of
 * a non-idempotent write that found the earlier attempt had been applied and so sent nothing.
 */
export function formatStats(snapshot: CallSnapshot): string {
  const rows = Object.entries(snapshot.byOperation).sort(([a], [b]) => (a < b ? -1 : 1));
  const lines = [
    "AWS calls:",
    `  ${"operation".padEnd(34)} ${"calls".padStart(5)} ${"attempts".padStart(8)} ${"throttled".padStart(9)} ${"landed".padStart(6)}`,
  ];
  for (const [operation, count] of rows) {
    lines.push(
      `  ${operation.padEnd(34)} ${String(count.calls).padStart(5)} ${String(count.attempts).padStart(8)} ` +
        `${String(count.throttles).padStart(9)} ${String(count.landedFound).padStart(6)}`,
    );
  }
  lines.push(`  ${"reads".padEnd(34)} ${String(snapshot.reads).padStart(5)}`);
  lines.push(`  ${"writes".padEnd(34)} ${String(snapshot.writes).padStart(5)} ${String(snapshot.attempts).padStart(8)}`);
  return lines.join("\n") + "\n";
}
