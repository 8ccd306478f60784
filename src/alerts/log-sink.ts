import type { Logger } from "pino";
import { assertNever } from "../assert-never.js";
import type { AlertEvent, AlertSink } from "./types.js";

/**
 * Alerts as structured log lines: `event` is the alert type, the data sits in the log object and
 * the message is a short constant (docs/design.md#logging).
 */
export class LogSink implements AlertSink {
  readonly name = "log";
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  async send(event: AlertEvent): Promise<void> {
    const { type, ...rest } = event;
    const data = { event: type, ...rest };
    switch (type) {
      case "drift.opened":
        this.#log.warn(data, event.update === undefined ? "drift detected" : "drift updated");
        return;
      case "drift.resolved":
        this.#log.info(data, "drift resolved");
        return;
      case "sync.failed":
        this.#log.error(data, "sync failed");
        return;
      case "sync.recovered":
        this.#log.info(data, "sync recovered");
        return;
      case "deploy.succeeded":
        this.#log.info(data, "deploy succeeded");
        return;
      case "deploy.failed":
      case "deploy.rolledBack":
        this.#log.error(data, type === "deploy.failed" ? "deploy failed" : "deploy rolled back");
        return;
      case "rollback.active":
        this.#log.warn(data, "rollback pin still active");
        return;
      case "hook.failed":
        this.#log.error(data, "hook failed alert");
        return;
      case "pruned":
        this.#log.info(data, "pruned");
        return;
      case "prune-blocked":
        this.#log.error(data, "prune blocked");
        return;
      default:
        assertNever(type);
    }
  }
}
