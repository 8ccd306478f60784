import { readFile } from "node:fs/promises";
import type { Logger } from "pino";
import { isJsonObject } from "../json.js";
import type { ResourceKey } from "../manifests/types.js";
import { parseTimeMs } from "../time.js";
import { writeFileAtomic } from "./atomic-file.js";
import { CoalescingSaver } from "./coalescing-saver.js";

export type DeployOutcome = "succeeded" | "failed" | "rolledBack" | "inProgress" | "timedOut";
export type DeployTrigger = "commit" | "heal" | "rollback" | "restart";

/** One deploy of a resource, as /status and `ecs-gitops history` show it (docs/deploys.md#history). */
export type DeployRecord = {
  commit?: string;
  revision: string;
  startedAt: string;
  finishedAt?: string;
  outcome: DeployOutcome;
  trigger: DeployTrigger;
  reason?: string;
};

export const DEFAULT_HISTORY_LIMIT = 20;

/** Per resource: its deploys (newest first), the deployment being followed, when `rollback.active` was last sent. */
type Entry = { records: DeployRecord[]; deploymentId?: string; rollbackAlertAt?: string };
type Serialized = { version: 1; resources: Record<string, Entry> };

const OUTCOMES: readonly string[] = ["succeeded", "failed", "rolledBack", "inProgress", "timedOut"];
const TRIGGERS: readonly string[] = ["commit", "heal", "rollback", "restart"];

/**
 * The last N deploys per resource, kept in a file of the work directory (`history.json`, written
 * atomically after each change, coalesced), so a restart keeps them.
 */
export class DeployHistory {
  readonly #path: string;
  readonly #limit: number;
  readonly #log: Logger | undefined;
  readonly #entries = new Map<ResourceKey, Entry>();
  readonly #saver: CoalescingSaver<Serialized>;

  constructor(options: { path: string; limit?: number; log?: Logger }) {
    this.#path = options.path;
    this.#limit = options.limit ?? DEFAULT_HISTORY_LIMIT;
    this.#log = options.log;
    const store = { save: (state: Serialized) => writeFileAtomic(this.#path, JSON.stringify(state) + "\n") };
    this.#saver = new CoalescingSaver(store, () => this.#serialize(), options.log, "deploy history; a restart may lose the newest entries");
  }

  /** Read the file; a missing or corrupt one starts empty (entries that do not fit are dropped). */
  async restore(): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(this.#path, "utf8"));
    } catch (error) {
      if ((error as { code?: string }).code !== "ENOENT")
        this.#log?.warn({ path: this.#path, err: error }, "deploy history unreadable, starting empty");
      return;
    }
    const resources = isJsonObject(parsed) && parsed["version"] === 1 && isJsonObject(parsed["resources"]) ? parsed["resources"] : {};
    for (const [key, value] of Object.entries(resources)) {
      if (!isJsonObject(value) || !Array.isArray(value["records"])) continue;
      const records = value["records"].filter(isDeployRecord).slice(0, this.#limit);
      const entry: Entry = { records };
      if (typeof value["deploymentId"] === "string") entry.deploymentId = value["deploymentId"];
      if (typeof value["rollbackAlertAt"] === "string") entry.rollbackAlertAt = value["rollbackAlertAt"];
      this.#entries.set(key, entry);
    }
  }

  isEmpty(key: ResourceKey): boolean {
    return (this.#entries.get(key)?.records.length ?? 0) === 0;
  }

  /** Newest first; a copy. */
  list(key: ResourceKey): DeployRecord[] {
    return structuredClone(this.#entries.get(key)?.records ?? []);
  }

  /** The deploy being followed, if any, and the deployment it started. */
  open(key: ResourceKey): { record: DeployRecord; deploymentId?: string } | undefined {
    const entry = this.#entries.get(key);
    const record = entry?.records[0];
    if (record?.outcome !== "inProgress") return undefined;
    return entry?.deploymentId === undefined ? { record } : { record, deploymentId: entry.deploymentId };
  }

  /** Fill an empty history (recovered from AWS after the file was lost); false when it held something. */
  seed(key: ResourceKey, records: readonly DeployRecord[]): boolean {
    if ((this.#entries.get(key)?.records.length ?? 0) > 0 || records.length === 0) return false;
    this.#entry(key).records = structuredClone(records.slice(0, this.#limit));
    this.#saver.request();
    return true;
  }

  /** A new deploy; one still open before it is closed as replaced. */
  start(key: ResourceKey, record: DeployRecord, deploymentId: string | undefined): void {
    const entry = this.#entry(key);
    const open = entry.records[0];
    if (open?.outcome === "inProgress")
      Object.assign(open, { outcome: "failed", finishedAt: record.startedAt, reason: "replaced by a later deploy" });
    entry.records.unshift(record);
    entry.records.splice(this.#limit);
    if (deploymentId === undefined) delete entry.deploymentId;
    else entry.deploymentId = deploymentId;
    this.#saver.request();
  }

  /** Close the open deploy; returns it as closed, or undefined when none was open. */
  finish(
    key: ResourceKey,
    patch: { outcome: DeployOutcome; finishedAt: string; reason?: string | undefined; revision?: string | undefined },
  ): DeployRecord | undefined {
    const entry = this.#entries.get(key);
    const open = entry?.records[0];
    if (entry === undefined || open?.outcome !== "inProgress") return undefined;
    open.outcome = patch.outcome;
    open.finishedAt = patch.finishedAt;
    if (patch.reason !== undefined) open.reason = patch.reason;
    if (patch.revision !== undefined) open.revision = patch.revision;
    delete entry.deploymentId;
    this.#saver.request();
    return structuredClone(open);
  }

  /** `rollback.active` is due: never sent for this pin, or a day ago. */
  rollbackAlertDue(key: ResourceKey, now: Date, everyMs: number): boolean {
    const last = this.#entries.get(key)?.rollbackAlertAt;
    return last === undefined || now.getTime() - (parseTimeMs(last) ?? Number.NaN) >= everyMs;
  }

  /** Record the alert sent (a Date), or forget it (the pin ended). */
  noteRollbackAlert(key: ResourceKey, at: Date | undefined): void {
    const entry = this.#entries.get(key);
    if (at === undefined && entry?.rollbackAlertAt === undefined) return;
    const target = entry ?? this.#entry(key);
    if (at === undefined) delete target.rollbackAlertAt;
    else target.rollbackAlertAt = at.toISOString();
    this.#saver.request();
  }

  forget(key: ResourceKey): void {
    if (this.#entries.delete(key)) this.#saver.request();
  }

  flush(): Promise<void> {
    return this.#saver.flush();
  }

  #entry(key: ResourceKey): Entry {
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = { records: [] };
      this.#entries.set(key, entry);
    }
    return entry;
  }

  #serialize(): Serialized {
    return { version: 1, resources: Object.fromEntries(this.#entries) };
  }
}

function isDeployRecord(value: unknown): value is DeployRecord {
  return (
    isJsonObject(value) &&
    typeof value["revision"] === "string" &&
    typeof value["startedAt"] === "string" &&
    OUTCOMES.includes(String(value["outcome"])) &&
    TRIGGERS.includes(String(value["trigger"]))
  );
}
