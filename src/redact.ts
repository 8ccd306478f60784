/**
 * Credentials written into URLs, in any text that leaves the process (logs, /status, alerts,
 * error messages, diff output), whatever the URL's form:
 * - `scheme://user:pw@host/…`, any scheme and case (`HTTPS://`, `git+https://`, `ssh://`,
 *   `postgres://`): everything between `://` and the last `@` of the authority is replaced;
 * - the scheme-less scp form `user:pw@host:path`: the part after the first `:` is replaced.
 * `git@host:org/repo` and e-mail addresses hold no password and are left as they are. Pure.
 */
export function redactUrl(text: string): string {
  if (secretValues.size > 0) text = redactSecretValues(text);
  if (!text.includes("@")) return text;
  return text.replace(SCHEME_USERINFO, "$1***@").replace(BARE_USERINFO, "$1$2:***@");
}

// The authority ends at the first `/`, `?` or `#`; a password may itself hold `@` (the last one counts).
const SCHEME_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#'"<>`]*@/gi;
// Only before `host:` (scp form); an image pinned by tag and digest (`nginx:1.27@sha256:…`) is no credential.
const BARE_USERINFO = /(^|[\s'"`=(<,;[{])([^\s'"`=(<,;[{:/@]+):(?!\*\*\*@)[^\s'"`/@]*@(?=(?!sha(?:256|384|512):)[A-Za-z0-9.-]+:)/g;

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
