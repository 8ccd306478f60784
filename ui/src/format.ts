import { keyParts } from "../../src/manifests/key-parts.js";
import { parseTimeMs } from "../../src/time.js";

/** `Service/shop/web` → its cluster (`shop`), or "" for kinds without one. */
export function clusterOf(key: string): string {
  return keyParts(key)?.scope ?? "";
}

export function shortSha(sha: string | undefined): string {
  return sha === undefined ? "" : sha.slice(0, 8);
}

/** "3 min" style age of an ISO time, relative to `now`. */
export function age(iso: string | undefined, now = Date.now()): string {
  if (iso === undefined) return "";
  const seconds = Math.max(0, Math.round((now - (parseTimeMs(iso) ?? Number.NaN)) / 1000));
  if (!Number.isFinite(seconds)) return "";
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86_400)} d`;
}

export function duration(startIso: string, endIso: string | undefined): string {
  if (endIso === undefined) return "running";
  const ms = (parseTimeMs(endIso) ?? Number.NaN) - (parseTimeMs(startIso) ?? Number.NaN);
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : "";
}

/** A value as `ecs-gitops diff` shows it inline: JSON, `(unset)` for nothing. */
export function valueText(value: unknown): string {
  return value === undefined ? "(unset)" : JSON.stringify(value);
}

export function resourceHref(key: string): string {
  return `#/resource/${encodeURIComponent(key)}`;
}
