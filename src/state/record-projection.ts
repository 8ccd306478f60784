import type { ResourceRecord } from "./records.js";
import type { ResourcePatch } from "./status.js";

/**
 * The part of a resource's status its record decides: what was last applied, and when. /status
 * shows the record's values (persisted, so also after a restart), never a second copy kept apart.
 */
export function appliedStatus(record: Readonly<ResourceRecord>): Pick<ResourcePatch, "lastAppliedRevision" | "lastAppliedAt"> {
  return { lastAppliedRevision: record.lastAppliedCommit, lastAppliedAt: record.lastAppliedAt };
}
