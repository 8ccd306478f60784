import { rename } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import type { LeaseSettings } from "../lease/leasing.js";
import type { SharedSuspendStore } from "./shared-suspensions.js";
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
  const local = new SuspendStore(path.join(s.workDir, "suspended.json"), s.log);
  await local.restore();
  if (s.lease === undefined) return { store: local, close: () => undefined };
  // Imported only with leases: the table client is DynamoDB's (docs/scale.md#lazy-sdk-clients).
  const [{ SuspendRecordTable }, { SharedSuspendStore }] = await Promise.all([
    import("../aws/suspend-record.js"),
    import("./shared-suspensions.js"),
  ]);
  const table = new SuspendRecordTable({
    table: s.lease.table,
    ...s.aws,
    requestTimeoutMs: Math.max(500, Math.round(s.lease.durationMs / 5)),
  });
  const store = new SharedSuspendStore(table, s.log, s.requeue);
  // As often as the lease loop reads the table: the holder sees a suspend well within one renew interval.
  await store.start(Math.max(25, Math.round(s.lease.durationMs / 6)));
  const carried = await carryOver(local, store, path.join(s.workDir, "suspended.json"), s.log);
  return {
    store: carried
      ? store
      : {
          isSuspended: (key) => store.isSuspended(key) || local.isSuspended(key),
          suspend: (t) => store.suspend(t),
          resume: (t) => store.resume(t),
        },
    close: () => {
      store.stop();
      table.destroy();
    },
  };
}

/**
 * Leasing just turned on: what this replica had suspended on its own goes into the table (more
 * suspended, never less: the `except` of a blanket suspend is dropped), and the file is renamed,
 * so a restart does not suspend again what was resumed since.
 */
async function carryOver(local: SuspendStore, shared: SharedSuspendStore, file: string, log: Logger): Promise<boolean> {
  const { all, keys } = local.state;
  if (!all && keys.length === 0) return true;
  try {
    await shared.suspend(all ? "all" : keys);
    await rename(file, `${file}.carried-over`);
  } catch (error) {
    // Never a lapse: the file's suspensions stay in force here, and the next start tries again.
    log.error(
      { file, err: error instanceof Error ? error.message : String(error) },
      "suspended.json could not be carried over to the lease table: its " +
        "suspensions hold on this replica only, and `resume` cannot lift them " +
        "until a restart carries them over",
    );
    return false;
  }
  log.warn({ all, keys }, "suspensions of suspended.json carried over to the lease table (file renamed suspended.json.carried-over)");
  return true;
}
