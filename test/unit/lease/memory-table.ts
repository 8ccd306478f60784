import type { InFlightEntry, LeaseItem } from "../../../src/aws/lease-store.js";
import type { LeaseTable } from "../../../src/lease/lease-manager.js";

/** The table's conditional semantics, in memory: what DynamoDB guarantees, and no more. */
export class MemoryTable implements LeaseTable {
  readonly rows = new Map<string, LeaseItem>();
  down = false;
  /** Writes land but their answer is lost (a client timeout under load). */
  loseAnswers = false;
  /** While set, a scan answers only once it resolves: a table (or moto) slow under load. */
  slow: Promise<void> | undefined;

  async scan(): Promise<LeaseItem[]> {
    if (this.down) throw new Error("unreachable");
    await this.slow;
    return [...this.rows.values()].map((r) => structuredClone(r));
  }
  async create(leaseKey: string, owner: string, version: string): Promise<boolean> {
    if (this.down) throw new Error("unreachable");
    if (this.rows.has(leaseKey)) return false;
    this.rows.set(leaseKey, { leaseKey, owner, version });
    return true;
  }
  async swap(leaseKey: string, expected: LeaseItem, next: { owner: string; version: string; inflight?: InFlightEntry }): Promise<boolean> {
    if (this.down) throw new Error("unreachable");
    const row = this.rows.get(leaseKey);
    if (!row || row.version !== expected.version || row.owner !== expected.owner) return false;
    // An UpdateItem: the row's other attributes (its in-flight entry) stay.
    this.rows.set(leaseKey, structuredClone({ ...row, ...next }));
    if (this.loseAnswers) throw new Error("timed out");
    return true;
  }
  /** In-flight writes, in order: what each set (undefined: a clear). */
  readonly marks: (InFlightEntry | undefined)[] = [];
  async mark(leaseKey: string, owner: string, version: string, entry: InFlightEntry | undefined): Promise<boolean> {
    if (this.down) throw new Error("unreachable");
    const row = this.rows.get(leaseKey);
    if (!row || row.version !== version || row.owner !== owner) return false;
    const { inflight: _previous, ...rest } = row;
    this.rows.set(leaseKey, entry === undefined ? rest : { ...rest, inflight: structuredClone(entry) });
    this.marks.push(entry);
    return true;
  }
  async heartbeat(leaseKey: string, owner: string, version: string): Promise<void> {
    if (this.down) throw new Error("unreachable");
    this.rows.set(leaseKey, { leaseKey, owner, version });
  }
}
