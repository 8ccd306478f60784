/** Text that names a moment (ISO 8601 as AWS and our own records write it, or an HTTP date), in epoch ms; else undefined. */
export function parseTimeMs(text: string): number | undefined {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
