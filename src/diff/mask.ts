import { isJsonObject } from "../json.js";
import type { JsonValue } from "../json.js";

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
export function isSecretName(name: string): boolean {
  return defaultMatcher(name);
}

/**
 * Replace the value of every `{name, value}` pair whose name looks secret (container
 * environment, container overrides, proxy properties), at any depth. Pure; returns a copy.
 */
export function maskSecrets<T extends JsonValue | undefined>(value: T, isSecret: SecretMatcher = defaultMatcher): T {
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, isSecret)) as T;
  if (isJsonObject(value)) {
    const secret = isSecretPair(value, isSecret);
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) {
      if (secret && k === "value") out[k] = MASK;
      // Map-shaped settings: logConfiguration.options {"splunk-token": …}, dockerLabels, driverOpts.
      else if (typeof v === "string" && isSecret(k)) out[k] = MASK;
      // An EventBridge target's Input is the container overrides as a JSON string.
      else if (k === "Input" && typeof v === "string") out[k] = maskJsonText(v, isSecret);
      else out[k] = maskSecrets(v, isSecret);
    }
    return out as T;
  }
  return value;
}

function maskJsonText(text: string, isSecret: SecretMatcher): string {
  try {
    return JSON.stringify(maskSecrets(JSON.parse(text) as JsonValue, isSecret));
  } catch {
    return text;
  }
}

/** A leaf under a secret-looking map key (`/logConfiguration/options/splunk-token`). */
export function isSecretKey(key: string | number | undefined, isSecret: SecretMatcher = defaultMatcher): boolean {
  return typeof key === "string" && isSecret(key);
}

/** `{name: "DB_PASSWORD", value: …}` (ECS) or `{Name, Value}` style pairs. */
export function isSecretPair(value: Record<string, JsonValue>, isSecret: SecretMatcher = defaultMatcher): boolean {
  const name = value["name"];
  return typeof name === "string" && "value" in value && isSecret(name);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
