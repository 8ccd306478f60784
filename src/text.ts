/** "1 warning", "3 warnings": a count with its noun, for messages. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

const MAX_QUOTED_CHARS = 100;

/** A user's value quoted in a message, cut to ~100 characters: a 1 MB value must not make a 1 MB log line. */
export function quoted(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= MAX_QUOTED_CHARS ? text : `${text.slice(0, MAX_QUOTED_CHARS)}… (${text.length} chars)`;
}
