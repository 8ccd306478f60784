import type { Logger } from "pino";
import type { AlertEvent, AlertSink, AlertType } from "./types.js";

/** The level and constant message of each alert's log line: a table, so a new alert type cannot compile without one. */
const LOG_LINES: Readonly<Record<AlertType, { level: "info" | "warn" | "error"; message: string }>> = {
  "drift.opened": { level: "warn", message: "drift detected" },
  "drift.resolved": { level: "info", message: "drift resolved" },
  "sync.failed": { level: "error", message: "sync failed" },
  "sync.recovered": { level: "info", message: "sync recovered" },
  "deploy.succeeded": { level: "info", message: "deploy succeeded" },
  "deploy.failed": { level: "error", message: "deploy failed" },
  "deploy.rolledBack": { level: "error", message: "deploy rolled back" },
  "rollback.active": { level: "warn", message: "rollback pin still active" },
  "hook.failed": { level: "error", message: "hook failed alert" },
  pruned: { level: "info", message: "pruned" },
  "prune-blocked": { level: "error", message: "prune blocked" },
};

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
    const line = LOG_LINES[type];
    const message = type === "drift.opened" && event.update !== undefined ? "drift updated" : line.message;
    this.#log[line.level](data, message);
  }
}
