import type { CallSnapshot } from "../aws/index.js";

/** `--stats`: AWS calls by operation, reads and writes (printed on stderr so stdout stays parseable). */
export function formatStats(snapshot: CallSnapshot): string {
  const rows = Object.entries(snapshot.byOperation).sort(([a], [b]) => (a < b ? -1 : 1));
  const lines = ["AWS calls:"];
  for (const [operation, count] of rows) lines.push(`  ${operation.padEnd(34)} ${String(count.calls).padStart(5)}`);
  lines.push(`  ${"reads".padEnd(34)} ${String(snapshot.reads).padStart(5)}`);
  lines.push(`  ${"writes".padEnd(34)} ${String(snapshot.writes).padStart(5)}`);
  return lines.join("\n") + "\n";
}
