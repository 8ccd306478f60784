import { formatPath, isJsonObject, jsonEqual, own } from "../json.js";
import type { JsonPath, JsonValue } from "../json.js";
import { isSecretMapEntry, isSecretPair, MASK, maskSecrets, PAIR_VALUE_FIELDS, USER_MAP_FIELDS } from "./mask.js";
import type { SecretMatcher } from "./mask.js";

/**
 * One difference between two normalized values. `undefined` = absent on that side.
 * `path` is a JSON pointer (list items by index): what ignore rules and the planners read.
 * `field` names the same place for people, list items by their identity:
 * `containerDefinitions[web].environment[DB_HOST]`, `portMappings[8080]`, `tags[team]`.
 */
export type Change = { path: string; field?: string; desired: JsonValue | undefined; live: JsonValue | undefined };

/**
 * Fields that identify an item of a list of mappings, in order of preference: the first one every
 * item on both sides has (a string or number) with no two items alike is the identity.
 */
const IDENTITY_FIELDS = [
  "name",
  "Name",
  "id",
  "Id",
  "key",
  "Key",
  "containerName",
  "containerPort",
  "sourceVolume",
  "targetGroupArn",
  "type",
];
/** Identity fields of `{name, value}`-style pairs: their `value` is shown as the pair itself. */
const PAIR_NAMES: ReadonlySet<string> = new Set(["name", "Name", "key", "Key"]);

/** Where the walk is; `pair`: inside a `{name, value}` item, whose `value` is named by the item alone. */
type Place = { path: (string | number)[]; field: string; pair?: boolean };

/**
 * Structural diff of two normalized values. Objects recurse by key. Lists of mappings with an
 * identity (IDENTITY_FIELDS) recurse item by item, matched by it: an added environment variable is
 * one change, not a new list. Other lists of equal length recurse by index (normalizers sort
 * set-like lists first); lists whose length differs are reported whole.
 * Values of secret-looking `{name, value}` pairs (environment, overrides) are masked in the
 * changes, so no output built from a Change can leak them. Pure.
 */
export function diffValues(
  desired: JsonValue | undefined,
  live: JsonValue | undefined,
  base: JsonPath = [],
  isSecret?: SecretMatcher,
): Change[] {
  const changes: Change[] = [];
  walk(desired, live, { path: [...base], field: displayField(base) }, changes, false, isSecret);
  return changes;
}

function walk(
  desired: JsonValue | undefined,
  live: JsonValue | undefined,
  at: Place,
  out: Change[],
  secret: boolean,
  isSecret: SecretMatcher | undefined,
): void {
  if (jsonEqual(desired, live)) return;
  if (isJsonObject(desired) && isJsonObject(live)) {
    const secretPair = isSecretPair(desired, isSecret) || isSecretPair(live, isSecret);
    const keys = new Set([...Object.keys(desired), ...Object.keys(live)]);
    const userMap = USER_MAP_FIELDS.has(String(at.path.at(-1)));
    for (const key of [...keys].sort()) {
      // `environment[DB_HOST]` rather than `environment[DB_HOST].value`.
      const field = at.pair === true && PAIR_VALUE_FIELDS.has(key) ? at.field : at.field + keySegment(key, userMap);
      walk(own(desired, key), own(live, key), { path: [...at.path, key], field }, out, secretPair && PAIR_VALUE_FIELDS.has(key), isSecret);
    }
    return;
  }
  if (Array.isArray(desired) && Array.isArray(live)) {
    const identity = identityField(desired, live);
    // Keyed only when the items both sides share keep their order: a reordering (placementStrategy) is a change.
    if (identity !== undefined) return walkKeyed(desired, live, identity, at, out, isSecret);
    if (desired.length === live.length) {
      desired.forEach((item, i) => walk(item, live[i], { path: [...at.path, i], field: `${at.field}[${i}]` }, out, false, isSecret));
      return;
    }
  }
  const leafSecret = secret || (isSecretMapEntry(at.path, isSecret) && (typeof desired === "string" || typeof live === "string"));
  const show = (v: JsonValue | undefined) => (leafSecret && v !== undefined ? MASK : maskSecrets(v, isSecret));
  out.push({
    path: formatPath(at.path),
    field: at.field.replace(/^\./, "") || "(whole resource)",
    desired: show(desired),
    live: show(live),
  });
}

/** Items matched by identity, in desired order then live-only ones; the pointer keeps desired's index. */
function walkKeyed(
  desired: JsonValue[],
  live: JsonValue[],
  identity: string,
  at: Place,
  out: Change[],
  isSecret: SecretMatcher | undefined,
): void {
  const idOf = (item: JsonValue) => String((item as Record<string, JsonValue>)[identity]);
  const liveById = new Map(live.map((item, i) => [idOf(item), { item, i }]));
  const seen = new Set<string>();
  const visit = (id: string, want: JsonValue | undefined, have: JsonValue | undefined, index: number) => {
    seen.add(id);
    const itemAt = { path: [...at.path, index], field: `${at.field}[${bracketed(id)}]`, pair: PAIR_NAMES.has(identity) };
    const present = want ?? have;
    const valueKey = isJsonObject(present) ? Object.keys(present).find((k) => PAIR_VALUE_FIELDS.has(k)) : undefined;
    if (
      itemAt.pair &&
      (want === undefined || have === undefined) &&
      isJsonObject(present) &&
      valueKey !== undefined &&
      Object.keys(present).length === 2
    ) {
      // An added or removed variable reads `environment[FEATURE_X]: (unset) → "on"`, masked by its name.
      const show = (item: JsonValue | undefined) =>
        isJsonObject(item) ? (isSecretPair(item, isSecret) ? MASK : maskSecrets(item[valueKey], isSecret)) : undefined;
      out.push({ path: formatPath(itemAt.path), field: itemAt.field.replace(/^\./, ""), desired: show(want), live: show(have) });
      return;
    }
    walk(want, have, itemAt, out, false, isSecret);
  };
  desired.forEach((item, i) => visit(idOf(item), item, liveById.get(idOf(item))?.item, i));
  for (const [id, { item, i }] of liveById) if (!seen.has(id)) visit(id, undefined, item, i);
}

function identityField(desired: readonly JsonValue[], live: readonly JsonValue[]): string | undefined {
  const all = [...desired, ...live];
  if (all.length === 0 || !all.every(isJsonObject)) return undefined;
  const unique = (items: readonly JsonValue[], field: string) =>
    new Set(items.map((item) => (item as Record<string, JsonValue>)[field])).size === items.length;
  const field = IDENTITY_FIELDS.find(
    (f) =>
      all.every((item) => ["string", "number"].includes(typeof own(item as Record<string, JsonValue>, f))) &&
      unique(desired, f) &&
      unique(live, f),
  );
  if (field === undefined) return undefined;
  const ids = (items: readonly JsonValue[]) => items.map((item) => (item as Record<string, JsonValue>)[field]);
  const liveIds = new Set(ids(live));
  const desiredIds = new Set(ids(desired));
  const shared = (list: readonly JsonValue[], other: ReadonlySet<JsonValue | undefined>) => ids(list).filter((id) => other.has(id));
  return jsonEqual(shared(desired, liveIds), shared(live, desiredIds)) ? field : undefined;
}

/** `.image`, `["odd key"]`; inside a user-keyed map (tags, options, targets): `[team]`. */
function keySegment(key: string, userMap: boolean): string {
  if (userMap) return `[${bracketed(key)}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function bracketed(id: string): string {
  return /^[^\s[\]"]+$/.test(id) ? id : JSON.stringify(id);
}

/** The field of a pointer-style path, where no identity is known (indexes stay indexes). */
export function displayField(path: JsonPath): string {
  let out = "";
  path.forEach((segment, i) => {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += keySegment(segment, i > 0 && USER_MAP_FIELDS.has(String(path[i - 1])));
  });
  return out.replace(/^\./, "");
}

/** A change's name for people: its `field`, or one derived from its pointer. */
export function fieldOf(change: Change): string {
  const segments = parseIgnorePath(change.path).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  return change.field ?? (displayField(segments) || "(whole resource)");
}

/**
 * Changes as they may leave the process (diff text, plan JSON, alerts, logs): values of settings
 * whose name looks secret to `isSecret` masked, wherever the change was computed. Pure.
 */
export function maskChanges(changes: readonly Change[], isSecret?: SecretMatcher): Change[] {
  return changes.map((change) => {
    const leafSecret = isSecretMapEntry(parseIgnorePath(change.path), isSecret);
    const show = (v: JsonValue | undefined) =>
      v === undefined ? undefined : leafSecret && typeof v === "string" ? MASK : maskSecrets(v, isSecret);
    return { path: change.path, field: fieldOf(change), desired: show(change.desired), live: show(change.live) };
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
