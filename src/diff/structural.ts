import { formatPath, isJsonObject, jsonEqual, own } from "../json.js";
import type { JsonPath, JsonValue } from "../json.js";
import { isSecretMapEntry, isSecretPair, MASK, maskSecrets } from "./mask.js";
import type { SecretMatcher } from "./mask.js";

/** One difference between two normalized values. `undefined` = absent on that side. */
export type Change = { path: string; desired: JsonValue | undefined; live: JsonValue | undefined };

/**
 * Structural diff of two normalized values. Objects recurse by key; lists of equal length recurse
 * by index (normalizers sort set-like lists first, so index = identity); lists whose length
 * differs are reported whole, which reads better than a cascade of shifted items.
 * Values of secret-looking `{name, value}` pairs (environment, overrides) are masked in the
 * changes, so no output built from a Change can leak them. Pure.
 */
export function diffValues(desired: JsonValue | undefined, live: JsonValue | undefined, base: JsonPath = [], isSecret?: SecretMatcher): Change[] {
  const changes: Change[] = [];
  walk(desired, live, [...base], changes, false, isSecret);
  return changes;
}

function walk(desired: JsonValue | undefined, live: JsonValue | undefined, path: (string | number)[], out: Change[], secret: boolean, isSecret: SecretMatcher | undefined): void {
  if (jsonEqual(desired, live)) return;
  if (isJsonObject(desired) && isJsonObject(live)) {
    const secretPair = isSecretPair(desired, isSecret) || isSecretPair(live, isSecret);
    const keys = new Set([...Object.keys(desired), ...Object.keys(live)]);
    for (const key of [...keys].sort()) walk(own(desired, key), own(live, key), [...path, key], out, secretPair && (key === "value" || key === "Value"), isSecret);
    return;
  }
  if (Array.isArray(desired) && Array.isArray(live) && desired.length === live.length) {
    desired.forEach((item, i) => walk(item, live[i], [...path, i], out, false, isSecret));
    return;
  }
  const leafSecret = secret || (isSecretMapEntry(path, isSecret) && (typeof desired === "string" || typeof live === "string"));
  const show = (v: JsonValue | undefined) => (leafSecret && v !== undefined ? MASK : maskSecrets(v, isSecret));
  out.push({ path: formatPath(path), desired: show(desired), live: show(live) });
}

/**
 * Changes as they may leave the process (diff text, plan JSON, alerts, logs): values of settings
 * whose name looks secret to `isSecret` masked, wherever the change was computed. Pure.
 */
export function maskChanges(changes: readonly Change[], isSecret?: SecretMatcher): Change[] {
  return changes.map((change) => {
    const leafSecret = isSecretMapEntry(parseIgnorePath(change.path), isSecret);
    const show = (v: JsonValue | undefined) => (v === undefined ? undefined : leafSecret && typeof v === "string" ? MASK : maskSecrets(v, isSecret));
    return { path: change.path, desired: show(change.desired), live: show(change.live) };
  });
}

/**
 * Parse an ignore-differences entry (`desiredCount`, `/desiredCount`,
 * `deploymentConfiguration.maximumPercent`, `containerDefinitions/*\/image`) into segments.
 */
export function parseIgnorePath(text: string): string[] {
  const trimmed = text.trim();
  const segments = trimmed.startsWith("/") ? trimmed.slice(1).split("/") : trimmed.split(/[./]/);
  return segments.filter((s) => s !== "").map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** Is `path` (a Change path) at or below one of the ignored paths? `*` matches one segment. */
export function isIgnored(path: string, ignored: readonly string[][]): boolean {
  const segments = parseIgnorePath(path);
  return ignored.some((rule) => rule.length <= segments.length && rule.every((seg, i) => seg === "*" || seg === segments[i]));
}

export function withoutIgnored(changes: readonly Change[], ignored: readonly string[][]): Change[] {
  return ignored.length === 0 ? [...changes] : changes.filter((c) => !isIgnored(c.path, ignored));
}
