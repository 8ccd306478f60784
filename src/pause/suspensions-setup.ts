import path from "node:path";
import type { Logger } from "pino";
import { SuspendRecordTable } from "../aws/suspend-record.js";
import type { LeaseSettings } from "../lease/leasing.js";
import { SharedSuspendStore } from "./shared-suspensions.js";
import { SuspendStore } from "./suspensions.js";
import type { SuspendTarget } from "./suspensions.js";

export type Suspensions = {
  store: Pick<SuspendStore, "isSuspended" | "suspend" | "resume">;
  /** Stop polling the table (a no-op for the workdir file). */
  close(): void;
};

export type SuspensionsSetup = {
  workDir: string;
  lease: LeaseSettings | undefined;
  aws: { region: string | undefined; endpoint: string | undefined; accountIdHeader: string | undefined };
  /** Reconcile again what another replica suspended or resumed. */
  requeue: (target: SuspendTarget) => void;
  log: Logger;
};

/**
 * One replica keeps suspensions in its workdir (`suspended.json`); with leases (docs/ha.md) they
 * live in the lease table, where every replica reads them: a suspend sent to any replica then
 * reaches the shard's holder and outlives it.
 */
export async function suspensionsFor(s: SuspensionsSetup): Promise<Suspensions> {
  if (s.lease === undefined) {
    const store = new SuspendStore(path.join(s.workDir, "suspended.json"), s.log);
    await store.restore();
    return { store, close: () => undefined };
  }
  const table = new SuspendRecordTable({
    table: s.lease.table,
    ...s.aws,
    requestTimeoutMs: Math.max(500, Math.round(s.lease.durationMs / 5)),
  });
  const store = new SharedSuspendStore(table, s.log, s.requeue);
  // As often as the lease loop reads the table: the holder sees a suspend well within one renew interval.
  await store.start(Math.max(25, Math.round(s.lease.durationMs / 6)));
  return {
    store,
    close: () => {
      store.stop();
      table.destroy();
    },
  };
}
