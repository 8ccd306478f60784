import type { Logger } from "pino";
import { readJsonFile } from "./atomic-file.js";
import { isJsonObject } from "../json.js";
import { parseTimeMs } from "../time.js";
import { KINDS } from "../manifests/types.js";
import type { ResourceKey } from "../manifests/types.js";
import type { DriftEpisode, Heal, SyncEpisode } from "./drift-episode.js";

/**
 * The episodes as records.json holds them (checked when it is read), and episodes.json, where
 * versions before the records kept them: read once at an upgrade (record-store.ts openRecords).
 */

export function isDriftEpisode(v: unknown): v is DriftEpisode {
  return (
    isEpisodeBase(v) &&
    typeof v["commit"] === "string" &&
    Array.isArray(v["reportedPaths"]) &&
    v["reportedPaths"].every((p) => typeof p === "string") &&
    typeof v["healing"] === "boolean" &&
    typeof v["healSuspended"] === "boolean" &&
    typeof v["suspensionReported"] === "boolean"
  );
}

export function isSyncEpisode(v: unknown): v is SyncEpisode {
  return isEpisodeBase(v) && isOptionalString(v["commit"]);
}

export function isHeal(v: unknown): v is Heal {
  return isJsonObject(v) && typeof v["fingerprint"] === "string" && isIsoTime(v["at"]);
}

/** episodes.json as the versions before the records wrote it; `seen` came before the seen-live hashes moved to the records. */
export type LegacyEpisodes = {
  drift: (DriftEpisode & { key: ResourceKey })[];
  sync: (SyncEpisode & { key: ResourceKey })[];
  heals: (Heal & { key: ResourceKey })[];
  seen: { key: ResourceKey; hash: string }[];
};

/** Never throws: a missing file is nothing to carry over, one that cannot be used is logged and read as nothing. */
export async function readLegacyEpisodes(path: string, log: Logger | undefined): Promise<LegacyEpisodes | undefined> {
  const file = await readJsonFile(path);
  if (file.type === "missing") return undefined;
  if (file.type === "unreadable") {
    log?.warn(
      { path, err: file.error },
      "old drift episode record unreadable, its episodes are not carried over (open ones may alert once more)",
    );
    return undefined;
  }
  const parsed = parseLegacyEpisodes(file.value);
  if (parsed === undefined)
    log?.warn({ path }, "old drift episode record corrupt, its episodes are not carried over (open ones may alert once more)");
  else if (parsed.dropped > 0) log?.warn({ path, dropped: parsed.dropped }, "ignored malformed entries in the old drift episode record");
  return parsed?.episodes;
}

/** Validate a parsed episodes.json; entries that do not fit are dropped (and counted), the rest kept. */
export function parseLegacyEpisodes(value: unknown): { episodes: LegacyEpisodes; dropped: number } | undefined {
  if (!isJsonObject(value) || value["version"] !== 1) return undefined;
  const lists = [value["drift"], value["sync"], value["heals"], value["seen"]];
  if (!lists.every((list) => list === undefined || Array.isArray(list))) return undefined;
  const [drift = [], sync = [], heals = [], seen = []] = lists.map((list) => (Array.isArray(list) ? (list as unknown[]) : []));
  const episodes: LegacyEpisodes = {
    drift: drift.filter((v) => hasKey(v) && isDriftEpisode(v)) as LegacyEpisodes["drift"],
    sync: sync.filter((v) => hasKey(v) && isSyncEpisode(v)) as LegacyEpisodes["sync"],
    heals: heals.filter((v) => hasKey(v) && isHeal(v)) as LegacyEpisodes["heals"],
    seen: seen.filter((v) => hasKey(v) && typeof v["hash"] === "string" && v["hash"] !== "") as LegacyEpisodes["seen"],
  };
  const total = drift.length + sync.length + heals.length + seen.length;
  const kept = episodes.drift.length + episodes.sync.length + episodes.heals.length + episodes.seen.length;
  return { episodes, dropped: total - kept };
}

function hasKey(v: unknown): v is Record<string, unknown> & { key: string } {
  return isJsonObject(v) && typeof v["key"] === "string" && v["key"] !== "";
}

function isEpisodeBase(v: unknown): v is Record<string, unknown> {
  return (
    isJsonObject(v) &&
    typeof v["kind"] === "string" &&
    (KINDS as readonly string[]).includes(v["kind"]) &&
    typeof v["name"] === "string" &&
    isOptionalString(v["arn"]) &&
    typeof v["fingerprint"] === "string" &&
    isIsoTime(v["firstSeen"])
  );
}

function isOptionalString(v: unknown): boolean {
  return v === undefined || typeof v === "string";
}

function isIsoTime(v: unknown): boolean {
  return typeof v === "string" && parseTimeMs(v) !== undefined;
}
