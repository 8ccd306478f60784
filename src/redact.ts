/**
 * Credentials written into URLs, in any text that leaves the process (logs, /status, alerts,
 * error messages, diff output), whatever the URL's form:
 * - `scheme://user:pw@host/…`, any scheme and case (`HTTPS://`, `git+https://`, `ssh://`,
 *   `postgres://`): everything between `://` and the `@` before the host is replaced, whatever
 *   characters the password holds (`#`, `?`, `/`, quotes, spaces, `@`);
 * - the scheme-less scp form `user:pw@host:path`: the part after the first `:` is replaced.
 * `git@host:org/repo` and e-mail addresses hold no password and are left as they are. Pure.
 *
 * It runs on every log line and HTTP body, so it is a single forward scan (no regex that can
 * backtrack over the rest of the text): attacker-sized manifest values cost linear time.
 */
export function redactUrl(text: string): string {
  if (secretValues.size > 0) text = redactSecretValues(text);
  if (!text.includes("@")) return text;
  return redactScpForm(redactSchemeForm(text));
}

// Bounded so the regex engine tries at most 32 characters per position.
const SCHEME = /\b[a-z][a-z0-9+.-]{0,31}:\/\//gi;
const SCP_USER = /(^|[\s'"`=(<,;[{])([^\s'"`=(<,;[{:/@]+):/g;
const HOST_CHAR = /[A-Za-z0-9.-]/;
// What may follow a host name: port or path separators, quoting, whitespace, end of text.
const HOST_END = /[\s:/?#'"`<>()[\]{},;\\]/;
// Characters that make a userinfo look like ordinary text: then it needs `user:` before them.
const UNUSUAL = /[\s/?#'"`<>]/;
const MAX_USERINFO = 4096;
const MAX_HOST = 255;

function redactSchemeForm(text: string): string {
  const credentialAt = nextIndex(text, (i) => text[i] === "@" && hostAfter(text, i + 1, false));
  const lineEnd = nextIndex(text, (i) => text[i] === "\n" || text[i] === "\r");
  const unusual = nextIndex(text, (i) => UNUSUAL.test(text[i] ?? ""));
  const colon = nextIndex(text, (i) => text[i] === ":");
  return maskAfterMatches(text, SCHEME, (start) => {
    const at = credentialAt(start);
    if (at >= text.length || at > lineEnd(start) || at - start > MAX_USERINFO) return undefined;
    return looksLikeUserinfo(text, start, at, unusual(start), colon(start)) ? at : undefined;
  });
}

/**
 * `***` in place of each credential: one starts right after a match of `pattern` and ends where
 * `credentialEnd` says (undefined: that match is no credential). The search resumes after it.
 */
function maskAfterMatches(text: string, pattern: RegExp, credentialEnd: (start: number) => number | undefined): string {
  const parts: string[] = [];
  let copied = 0;
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    const start = m.index + m[0].length;
    const end = credentialEnd(start);
    if (end === undefined) continue;
    parts.push(text.slice(copied, start), "***");
    copied = end;
    pattern.lastIndex = end + 1;
  }
  if (copied === 0) return text;
  parts.push(text.slice(copied));
  return parts.join("");
}

/**
 * A bare token (`ghp_x@host`) or `user:password`; a password may hold anything, but a candidate
 * with a path, space or quote before any `user:` is prose or another URL followed by an e-mail.
 */
function looksLikeUserinfo(text: string, start: number, at: number, unusual: number, colon: number): boolean {
  if (at === start) return false;
  if (unusual >= at) return true;
  if (colon >= unusual) return false;
  // `host:8080/path … ops@example.com` is a port, not a password.
  const afterColon = text.slice(colon + 1, Math.min(unusual, colon + 7));
  return !(unusual - colon - 1 <= 5 && /^\d+$/.test(afterColon));
}

function redactScpForm(text: string): string {
  const at = nextIndex(text, (i) => text[i] === "@");
  // Many `user:` candidates may share one `@`: check its host once.
  const hostChecked = new Map<number, boolean>();
  const stop = nextIndex(text, (i) => /[\s'"`/]/.test(text[i] ?? ""));
  return maskAfterMatches(text, SCP_USER, (start) => {
    if (text.startsWith("***@", start)) return undefined;
    const end = at(start);
    if (end >= text.length || stop(start) < end) return undefined;
    const host = hostChecked.get(end) ?? hostAfter(text, end + 1, true);
    hostChecked.set(end, host);
    return host ? end : undefined;
  });
}

/** A host name starts at `from`: `host` then a separator (scp form: `host:`, never a digest `sha256:`). */
function hostAfter(text: string, from: number, scp: boolean): boolean {
  let end = from;
  while (end < text.length && end - from <= MAX_HOST && HOST_CHAR.test(text[end] ?? "")) end++;
  if (end === from || end - from > MAX_HOST) return false;
  if (scp) return text[end] === ":" && !/^sha(?:256|384|512)$/.test(text.slice(from, end));
  return end === text.length || HOST_END.test(text[end] ?? "");
}

/**
 * The first index ≥ `from` where `test` holds (`text.length` if none). Callers ask with
 * non-decreasing `from`, so all questions about one text cost one pass over it.
 */
function nextIndex(text: string, test: (i: number) => boolean): (from: number) => number {
  let found = -1;
  return (from) => {
    if (from <= found) return found;
    let i = from;
    while (i < text.length && !test(i)) i++;
    found = i;
    return i;
  };
}

/** Deep copy of a log object or error detail with every string passed through `redactUrl`. */
export function redactDeep<T>(value: T, depth = 0): T {
  if (typeof value === "string") return redactUrl(value) as T;
  if (depth > 8 || typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1)) as T;
  if (value instanceof Error) {
    const copy = new Error(redactUrl(value.message));
    copy.name = value.name;
    if (value.stack !== undefined) copy.stack = redactUrl(value.stack);
    return copy as T;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, depth + 1);
  return out as T;
}

/**
 * Values that must never leave the process whatever field they end up in (an SSM SecureString
 * read into a variable): every text that passes `redactUrl` has them replaced. Process-wide, as
 * the output paths are: a value once read stays masked for the life of the process.
 */
const secretValues = new Set<string>();
// Shorter values would mask ordinary words in unrelated output.
const MIN_SECRET_LENGTH = 4;

export function registerSecretValue(value: string): void {
  if (value.length >= MIN_SECRET_LENGTH) secretValues.add(value);
}

function redactSecretValues(text: string): string {
  let out = text;
  for (const value of secretValues) if (out.includes(value)) out = out.split(value).join("(masked)");
  return out;
}
