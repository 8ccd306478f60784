import { writeFile } from "node:fs/promises";
import type { StatusDocument } from "../../src/state/status.js";
import type { ControllerProcess } from "./controller-harness.js";

/** Lines of each replica's log a failure report carries: enough to follow several lease ticks and reconciles. */
const TAIL_LINES = 200;
/** AWS requests of each replica (through its proxy) a report lists, newest last. */
const TAIL_REQUESTS = 40;

type Diagnosed = { id: string; process: ControllerProcess; proxy?: { requests: readonly { operation: string; at: number }[] } };

/**
 * A failed wait in a multi-replica test says little by itself ("timed out waiting for every
 * cluster at 0.7"): the cause is in who held which shard, what each replica had parked or queued,
 * and what each logged last. This adds all of it to the error, and writes it to
 * `$HA_DIAGNOSTICS_FILE` when set (a loop reproducing a rare failure keeps every report).
 */
export async function withDiagnostics<T>(replicas: readonly Diagnosed[], work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const report = await diagnose(replicas);
    const file = process.env["HA_DIAGNOSTICS_FILE"];
    if (file) await writeFile(file, `${String(error)}\n${report}\n`, { flag: "a" });
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${report}`, { cause: error });
  }
}

/** Each replica's /status (leases, parked and queued keys, resources) and the tail of its log. */
export async function diagnose(replicas: readonly Diagnosed[]): Promise<string> {
  const parts: string[] = [];
  for (const { id, process: controller, proxy } of replicas) {
    const header = `==== replica ${id} (${controller.isRunning ? "running" : "exited"})`;
    let status = "";
    if (controller.isRunning) {
      try {
        const document = await controller.getJson<StatusDocument>("/status");
        const resources = document.resources.map((r) => `${r.key}: ${JSON.stringify(r).slice(0, 300)}`);
        status = [`commit ${String(document.commit)}`, `leases ${JSON.stringify(document.leases)}`, ...resources].join("\n");
      } catch (error) {
        status = `/status unreadable: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    const requests = (proxy?.requests ?? []).slice(-TAIL_REQUESTS).map((r) => `${r.at} ${r.operation}`);
    parts.push(header, status, controller.tail(TAIL_LINES), requests.length > 0 ? `AWS requests:\n${requests.join("\n")}` : "");
  }
  return parts.join("\n");
}
