import { rm } from "node:fs/promises";
import type { Logger } from "pino";
import { readJsonFile, writeFileAtomic } from "./atomic-file.js";
import { isJsonObject } from "../json.js";
import { parseTimeMs } from "../time.js";
import type { ResourceKey } from "../manifests/types.js";
import { ResourceRecords } from "./records.js";
import type { PersistedRecord, SerializedRecords } from "./records.js";
import { isDriftEpisode, isHeal, isSyncEpisode, readLegacyEpisodes } from "./episode-schema.js";
import type { LegacyEpisodes } from "./episode-schema.js";

export type { SerializedRecords };

/** records.json: the persisted fields of each resource's record (docs/records.md). */

/**
 * What `load` found: the records (`version` 1: written before they held the episodes, which are
 * then in episodes.json), nothing yet (no file: a first start, or an upgrade from a version that
 * kept only seen-live hashes, in episodes.json), or nothing usable (unreadable, truncated,
 * another version's format).
 */
export type LoadedRecords =
  { type: "loaded"; version: 1 | 2; records: Map<ResourceKey, PersistedRecord> } | { type: "missing" } | { type: "unusable" };

/**
 * The resource records as one small JSON file, written atomically (temp file, fsync, rename): a
 * crash leaves the old file or the new one. Field values are commits, hashes and times, never a
 * resource's content: nothing secret lands on disk.
 */
export class FileRecordStore {
  readonly #path: string;
  readonly #log: Logger | undefined;

  constructor(path: string, log?: Logger) {
    this.#path = path;
    this.#log = log;
  }

  /** Never throws: a file that cannot be used is logged and read as no records. */
  async load(): Promise<LoadedRecords> {
    const file = await readJsonFile(this.#path);
    if (file.type === "missing") return { type: "missing" };
    if (file.type === "unreadable") {
      this.#log?.warn({ path: this.#path, err: file.error }, "resource records unreadable, starting empty (fix the file's permissions)");
      return { type: "unusable" };
    }
    const result = parseRecords(file.value);
    if (result === undefined) {
      const warning = "resource records corrupt or of another version, starting empty (a revert made while down may be taken for drift)";
      this.#log?.warn({ path: this.#path }, warning);
      return { type: "unusable" };
    }
    if (result.dropped > 0)
      this.#log?.warn({ path: this.#path, dropped: result.dropped }, "ignored malformed entries in the resource records");
    return { type: "loaded", version: result.version, records: result.records };
  }

  async save(state: SerializedRecords): Promise<void> {
    await writeFileAtomic(this.#path, JSON.stringify(state) + "\n");
  }
}

/** Validate a parsed records.json; entries that do not fit are dropped (and counted), the rest kept. */
export function parseRecords(value: unknown): { version: 1 | 2; records: Map<ResourceKey, PersistedRecord>; dropped: number } | undefined {
  const version = isJsonObject(value) ? value["version"] : undefined;
  if (!isJsonObject(value) || (version !== 1 && version !== 2) || !Array.isArray(value["records"])) return undefined;
  const records = new Map<ResourceKey, PersistedRecord>();
  let dropped = 0;
  for (const entry of value["records"] as unknown[]) {
    const key = isJsonObject(entry) ? entry["key"] : undefined;
    const parsed = isJsonObject(entry) ? persistedRecordOf(entry) : undefined;
    if (parsed === undefined || typeof key !== "string" || key === "") dropped++;
    else {
      records.set(key, parsed.record);
      dropped += parsed.dropped;
    }
  }
  return { version, records, dropped };
}

/** An episode that does not fit is dropped on its own (and counted): the record's commits and hashes still hold. */
function persistedRecordOf(entry: Record<string, unknown>): { record: PersistedRecord; dropped: number } | undefined {
  const { lastAppliedCommit, lastAppliedAt, seenLiveHash, families, driftEpisode, syncEpisode, heals } = entry;
  if (!isOptionalText(lastAppliedCommit) || !isOptionalText(seenLiveHash)) return undefined;
  if (lastAppliedAt !== undefined && (typeof lastAppliedAt !== "string" || parseTimeMs(lastAppliedAt) === undefined)) return undefined;
  if (families !== undefined && !(isJsonObject(families) && Object.values(families).every((h) => typeof h === "string"))) return undefined;
  const record: PersistedRecord = {};
  let dropped = 0;
  if (lastAppliedCommit !== undefined) record.lastAppliedCommit = lastAppliedCommit;
  if (lastAppliedAt !== undefined) record.lastAppliedAt = lastAppliedAt;
  if (seenLiveHash !== undefined) record.seenLiveHash = seenLiveHash;
  if (families !== undefined) record.families = families as Record<string, string>;
  if (isDriftEpisode(driftEpisode)) record.driftEpisode = driftEpisode;
  else if (driftEpisode !== undefined) dropped++;
  if (isSyncEpisode(syncEpisode)) record.syncEpisode = syncEpisode;
  else if (syncEpisode !== undefined) dropped++;
  const healList = Array.isArray(heals) ? (heals as unknown[]) : heals === undefined ? [] : [heals];
  const kept = healList.filter(isHeal);
  if (kept.length > 0) record.heals = kept;
  return { record, dropped: dropped + healList.length - kept.length };
}

function isOptionalText(value: unknown): value is string | undefined {
  return value === undefined || (typeof value === "string" && value !== "");
}

/**
 * The records a previous process left at `path`. When there is no file yet, or one written before
 * the records held the episodes (version 1), what an older version kept in episodes.json
 * (`legacyEpisodes`: open episodes, heals, seen-live hashes) is carried over and saved at once;
 * episodes.json is then removed, so nothing reads it again. Seen-live hashes come over only when
 * there is no records.json: a version 1 file already holds newer ones.
 */
export async function openRecords(path: string, options: { log?: Logger; legacyEpisodes?: string }): Promise<ResourceRecords> {
  const { log } = options;
  const store = new FileRecordStore(path, log);
  const loaded = await store.load();
  const restored = loaded.type === "loaded" ? loaded.records : new Map<ResourceKey, PersistedRecord>();
  const upgrade = loaded.type === "missing" || (loaded.type === "loaded" && loaded.version === 1);
  const legacy = upgrade && options.legacyEpisodes !== undefined ? await readLegacyEpisodes(options.legacyEpisodes, log) : undefined;
  const migrated = legacy === undefined ? 0 : carryOver(restored, legacy, loaded.type === "missing");
  const records = new ResourceRecords({ restored, store, ...(log && { log }) });
  if (legacy === undefined) return records;
  log?.info({ path, migrated }, "drift episodes and seen-live hashes carried over from episodes.json into the resource records");
  const saved = await store.save(records.serialize()).then(
    () => true,
    (error: unknown) =>
      log?.warn({ err: error, path }, "could not save the migrated resource records; episodes.json is kept for the next start"),
  );
  // Once records.json holds them (version 2), episodes.json is never read again: a leftover is only clutter.
  if (saved === true)
    await rm(options.legacyEpisodes!, { force: true }).catch((error: unknown) =>
      log?.warn({ err: error }, "could not remove episodes.json"),
    );
  return records;
}

/** Merge what episodes.json held into the restored records; returns how many entries came over. */
function carryOver(restored: Map<ResourceKey, PersistedRecord>, legacy: LegacyEpisodes, withSeen: boolean): number {
  const add = (key: ResourceKey, patch: PersistedRecord) => restored.set(key, { ...restored.get(key), ...patch });
  for (const { key, ...episode } of legacy.drift) add(key, { driftEpisode: episode });
  for (const { key, ...episode } of legacy.sync) add(key, { syncEpisode: episode });
  for (const { key, ...heal } of legacy.heals) add(key, { heals: [...(restored.get(key)?.heals ?? []), heal] });
  const seen = withSeen ? legacy.seen : [];
  for (const { key, hash } of seen) add(key, { seenLiveHash: hash });
  return legacy.drift.length + legacy.sync.length + legacy.heals.length + seen.length;
}
