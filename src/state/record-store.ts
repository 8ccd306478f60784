import type { Logger } from "pino";
import { readJsonFile, writeFileAtomic } from "./atomic-file.js";
import { isJsonObject } from "../json.js";
import { parseTimeMs } from "../time.js";
import type { ResourceKey } from "../manifests/types.js";
import { ResourceRecords } from "./records.js";
import type { PersistedRecord, SerializedRecords } from "./records.js";

export type { SerializedRecords };

/** records.json: the persisted fields of each resource's record (docs/records.md). */

/**
 * What `load` found: the records, nothing yet (no file: a first start, or an upgrade from a
 * version that kept only seen-live hashes, in episodes.json), or nothing usable (unreadable,
 * truncated, another version's format).
 */
export type LoadedRecords = { type: "loaded"; records: Map<ResourceKey, PersistedRecord> } | { type: "missing" } | { type: "unusable" };

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
    return { type: "loaded", records: result.records };
  }

  async save(state: SerializedRecords): Promise<void> {
    await writeFileAtomic(this.#path, JSON.stringify(state) + "\n");
  }
}

/** Validate a parsed records.json; entries that do not fit are dropped (and counted), the rest kept. */
export function parseRecords(value: unknown): { records: Map<ResourceKey, PersistedRecord>; dropped: number } | undefined {
  if (!isJsonObject(value) || value["version"] !== 1 || !Array.isArray(value["records"])) return undefined;
  const records = new Map<ResourceKey, PersistedRecord>();
  let dropped = 0;
  for (const entry of value["records"] as unknown[]) {
    const key = isJsonObject(entry) ? entry["key"] : undefined;
    const record = isJsonObject(entry) ? persistedRecordOf(entry) : undefined;
    if (record === undefined || typeof key !== "string" || key === "") dropped++;
    else records.set(key, record);
  }
  return { records, dropped };
}

function persistedRecordOf(entry: Record<string, unknown>): PersistedRecord | undefined {
  const { lastAppliedCommit, lastAppliedAt, seenLiveHash, families } = entry;
  if (!isOptionalText(lastAppliedCommit) || !isOptionalText(seenLiveHash)) return undefined;
  if (lastAppliedAt !== undefined && (typeof lastAppliedAt !== "string" || parseTimeMs(lastAppliedAt) === undefined)) return undefined;
  if (families !== undefined && !(isJsonObject(families) && Object.values(families).every((h) => typeof h === "string"))) return undefined;
  const record: PersistedRecord = {};
  if (lastAppliedCommit !== undefined) record.lastAppliedCommit = lastAppliedCommit;
  if (lastAppliedAt !== undefined) record.lastAppliedAt = lastAppliedAt;
  if (seenLiveHash !== undefined) record.seenLiveHash = seenLiveHash;
  if (families !== undefined) record.families = families as Record<string, string>;
  return record;
}

function isOptionalText(value: unknown): value is string | undefined {
  return value === undefined || (typeof value === "string" && value !== "");
}

/**
 * The records a previous process left at `path`. When there is no file yet, the seen-live hashes
 * an older version kept in episodes.json (`legacySeen`) are carried over and saved at once, so an
 * upgrade loses none of them and episodes.json need no longer hold them.
 */
export async function openRecords(
  path: string,
  options: { log?: Logger; legacySeen?: ReadonlyMap<ResourceKey, string> },
): Promise<ResourceRecords> {
  const store = new FileRecordStore(path, options.log);
  const loaded = await store.load();
  const restored = loaded.type === "loaded" ? loaded.records : new Map<ResourceKey, PersistedRecord>();
  const migrate = loaded.type === "missing" ? [...(options.legacySeen ?? [])] : [];
  for (const [key, hash] of migrate) restored.set(key, { seenLiveHash: hash });
  const records = new ResourceRecords({ restored, store, ...(options.log && { log: options.log }) });
  if (migrate.length > 0) {
    options.log?.info({ path, migrated: migrate.length }, "seen-live hashes carried over from episodes.json into the resource records");
    await store
      .save(records.serialize())
      .catch((error: unknown) => options.log?.warn({ err: error, path }, "could not save the migrated resource records"));
  }
  return records;
}
