import type { Logger } from "pino";
import { readJsonFile, writeFileAtomic } from "./atomic-file.js";
import { isJsonObject } from "../json.js";
import { parseTimeMs } from "../time.js";
import { KINDS } from "../manifests/types.js";
import type { Kind } from "../manifests/types.js";

export { isErrnoCode } from "./atomic-file.js";

/**
 * What the controller remembers about open episodes across restarts, so it does not re-alert them.
 * Paths and fingerprints only, never field values: nothing secret lands on disk.
 */
export type PersistedDrift = {
  key: string;
  kind: Kind;
  name: string;
  arn?: string;
  commit: string;
  fingerprint: string;
  firstSeen: string;
  /** Changed paths already reported in this episode's alerts. */
  reportedPaths: string[];
  healing: boolean;
  healSuspended: boolean;
  suspensionReported: boolean;
};
export type PersistedSync = {
  key: string;
  kind: Kind;
  name: string;
  arn?: string;
  commit?: string;
  fingerprint: string;
  firstSeen: string;
};
/** One self-heal, for the per-fingerprint budget. */
export type PersistedHeal = { key: string; fingerprint: string; at: string };
/**
 * A managed resource last seen existing on AWS while git said `hash` (its desired spec hash): gone
 * while git still says so means deleted by hand, also after a restart.
 */
export type PersistedSeen = { key: string; hash: string };
export type SerializedEpisodes = {
  version: 1;
  drift: PersistedDrift[];
  sync: PersistedSync[];
  heals: PersistedHeal[];
  /** Absent in records written before it existed: nothing seen. */
  seen?: PersistedSeen[];
};

export interface EpisodeStore {
  /** `undefined` when there is nothing usable to restore (first start, unreadable or corrupt record). */
  load(): Promise<SerializedEpisodes | undefined>;
  save(state: SerializedEpisodes): Promise<void>;
}

/**
 * Open episodes as one small JSON file. Written atomically (temp file, fsync, rename) so a crash
 * leaves the old record or the new one, never half of one. A missing or corrupt file restores
 * nothing: the cost is at most one repeated alert per open episode, never a crash.
 */
export class FileEpisodeStore implements EpisodeStore {
  readonly #path: string;
  readonly #log: Logger | undefined;

  constructor(path: string, options: { log?: Logger } = {}) {
    this.#path = path;
    this.#log = options.log;
  }

  async load(): Promise<SerializedEpisodes | undefined> {
    const file = await readJsonFile(this.#path);
    if (file.type === "missing") this.#log?.info({ path: this.#path }, "no drift episode record yet, starting empty");
    if (file.type === "unreadable")
      this.#log?.warn({ path: this.#path, err: file.error }, "drift episode record unreadable, starting empty");
    if (file.type !== "read") return undefined;
    const state = parseEpisodes(file.value);
    if (state === undefined) {
      this.#log?.warn({ path: this.#path }, "drift episode record corrupt, starting empty (open episodes may alert once more)");
      return undefined;
    }
    if (state.dropped > 0)
      this.#log?.warn({ path: this.#path, dropped: state.dropped }, "ignored malformed entries in the drift episode record");
    return state.episodes;
  }

  async save(state: SerializedEpisodes): Promise<void> {
    await writeFileAtomic(this.#path, JSON.stringify(state) + "\n");
  }
}

/** Validate a parsed record; entries that do not fit are dropped (and counted), the rest kept. */
export function parseEpisodes(value: unknown): { episodes: SerializedEpisodes; dropped: number } | undefined {
  if (!isJsonObject(value) || value["version"] !== 1) return undefined;
  const lists = [value["drift"], value["sync"], value["heals"], value["seen"]];
  if (!lists.every((list) => list === undefined || Array.isArray(list))) return undefined;
  const [drift, sync, heals, seen] = lists.map((list) => (Array.isArray(list) ? (list as unknown[]) : []));
  const episodes: SerializedEpisodes = {
    version: 1,
    drift: (drift ?? []).filter(isPersistedDrift),
    sync: (sync ?? []).filter(isPersistedSync),
    heals: (heals ?? []).filter(isPersistedHeal),
    seen: (seen ?? []).filter(isPersistedSeen),
  };
  const total = (drift?.length ?? 0) + (sync?.length ?? 0) + (heals?.length ?? 0) + (seen?.length ?? 0);
  const kept = episodes.drift.length + episodes.sync.length + episodes.heals.length + (episodes.seen?.length ?? 0);
  return { episodes, dropped: total - kept };
}

function isPersistedDrift(v: unknown): v is PersistedDrift {
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

function isPersistedSync(v: unknown): v is PersistedSync {
  return isEpisodeBase(v) && isOptionalString(v["commit"]);
}

function isPersistedHeal(v: unknown): v is PersistedHeal {
  return isJsonObject(v) && typeof v["key"] === "string" && typeof v["fingerprint"] === "string" && isIsoTime(v["at"]);
}

function isPersistedSeen(v: unknown): v is PersistedSeen {
  return isJsonObject(v) && typeof v["key"] === "string" && typeof v["hash"] === "string" && v["hash"] !== "";
}

function isEpisodeBase(v: unknown): v is Record<string, unknown> {
  return (
    isJsonObject(v) &&
    typeof v["key"] === "string" &&
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
