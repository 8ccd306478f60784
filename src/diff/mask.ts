import { isJsonObject, setOwn } from "../json.js";
import type { JsonValue } from "../json.js";
import { redactUrl } from "../redact.js";

/** Environment names that look secret (`*PASSWORD*`, `*SECRET*`, `*TOKEN*`, `*KEY*` …). */
export const DEFAULT_SECRET_PATTERNS: readonly string[] = ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "PRIVATE"];
export const MASK = "(masked)";

export type SecretMatcher = (name: string) => boolean;

/** Case-insensitive substring match; a pattern may use `*` as a wildcard. */
export function secretMatcher(patterns: readonly string[] = DEFAULT_SECRET_PATTERNS): SecretMatcher {
  const regexes = patterns.map((p) => new RegExp(p.split("*").map(escapeRegex).join(".*"), "i"));
  return (name) => regexes.some((r) => r.test(name));
}

const defaultMatcher = secretMatcher();
/** AWS caps tag keys at 128 characters and ECS environment names are shorter in practice. */
const MAX_MATCHED_NAME_LENGTH = 256;
export function isSecretName(name: string): boolean {
  return defaultMatcher(name);
}

/**
 * The built-in names plus `maskPatterns` from ecs-gitops.yaml (case-insensitive regular
 * expressions, validated when the file is read): a name either one matches is secret.
 */
export function maskMatcher(extraPatterns: readonly string[] = []): SecretMatcher {
  if (extraPatterns.length === 0) return defaultMatcher;
  const extra = extraPatterns.map((p) => new RegExp(p, "i"));
  // Names are short (env vars, tags); a bound keeps even a slow pattern's cost bounded.
  return (name) => defaultMatcher(name) || extra.some((r) => r.test(name.slice(0, MAX_MATCHED_NAME_LENGTH)));
}

/**
 * Fields whose keys are names the user chose (a log driver's `splunk-token`, a docker label):
 * there a key is the name of the setting, so a secret-looking key masks its value. Everywhere
 * else a key is an API field name (`key` of a tag, `secretOptions`), which says nothing.
 */
export const USER_MAP_FIELDS: ReadonlySet<string> = new Set(["options", "dockerLabels", "driverOpts", "labels", "tags", "targets"]);
/** `{name, value}` (environment, overrides, proxy properties) and `{key, value}` (tags), either case. */
const PAIR_NAME_FIELDS = ["name", "Name", "key", "Key"] as const;
export const PAIR_VALUE_FIELDS: ReadonlySet<string> = new Set(["value", "Value"]);

/**
 * Replace the value of every setting whose NAME looks secret, at any depth: the value of a
 * `{name, value}` or `{key, value}` pair, a user map's entry, and credentials in URLs
 * (`postgres://u:pw@db` → `postgres://***@db`). Pure; returns a copy.
 */
export function maskSecrets<T extends JsonValue | undefined>(value: T, isSecret: SecretMatcher = defaultMatcher): T {
  return maskAt(value, undefined, isSecret) as T;
}

function maskAt(value: JsonValue | undefined, field: string | undefined, isSecret: SecretMatcher): JsonValue | undefined {
  if (typeof value === "string") return redactUrl(value);
  if (Array.isArray(value)) return value.map((v) => maskAt(v, undefined, isSecret) as JsonValue);
  if (!isJsonObject(value)) return value;
  const secretPair = isSecretPair(value, isSecret);
  const userMap = field !== undefined && USER_MAP_FIELDS.has(field);
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(value)) {
    if (secretPair && PAIR_VALUE_FIELDS.has(k)) out[k] = MASK;
    else if (userMap && typeof v === "string" && isSecret(k)) out[k] = MASK;
    // An EventBridge target's Input is the container overrides as a JSON string.
    else if (k === "Input" && typeof v === "string") out[k] = maskJsonText(v, isSecret);
    else setOwn(out, k, maskAt(v, k, isSecret) as JsonValue);
  }
  return out;
}

function maskJsonText(text: string, isSecret: SecretMatcher): string {
  try {
    return JSON.stringify(maskSecrets(JSON.parse(text) as JsonValue, isSecret));
  } catch {
    return redactUrl(text);
  }
}

/**
 * Is the leaf at `path` the value of a user-named setting whose name looks secret
 * (`/logConfiguration/options/splunk-token`, `/tags/api-token`)?
 */
export function isSecretMapEntry(path: readonly (string | number)[], isSecret: SecretMatcher = defaultMatcher): boolean {
  const key = path.at(-1);
  const parent = path.at(-2);
  return typeof key === "string" && typeof parent === "string" && USER_MAP_FIELDS.has(parent) && isSecret(key);
}

/** `{name: "DB_PASSWORD", value: …}`, `{key: "api-token", value: …}`, or the PascalCase forms. */
export function isSecretPair(value: Record<string, JsonValue>, isSecret: SecretMatcher = defaultMatcher): boolean {
  if (!Object.keys(value).some((k) => PAIR_VALUE_FIELDS.has(k))) return false;
  return PAIR_NAME_FIELDS.some((field) => {
    const name = Object.hasOwn(value, field) ? value[field] : undefined;
    return typeof name === "string" && isSecret(name);
  });
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
