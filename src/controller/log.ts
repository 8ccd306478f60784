import { pino } from "pino";
import type { Logger, LoggerOptions } from "pino";
import pretty from "pino-pretty";
import { redactUrl } from "../redact.js";

export type { Logger } from "pino";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

/** Field names whose values are credentials wherever they appear in a log object. */
const SECRET_FIELDS = [
  "token",
  "secret",
  "password",
  "passwd",
  "authorization",
  "cookie",
  "webhookSecret",
  "apiKey",
  "privateKey",
  "secretAccessKey",
  "sessionToken",
  "credentials",
  "x-hub-signature-256",
  "x-signature-256",
  "x-gitlab-token",
];

// Both the top level and nested objects (`{ headers: { authorization } }`, `{ err: { config: { token } } }`):
// a wildcard stands for exactly one level, so each depth is listed.
export const REDACT_PATHS: readonly string[] = SECRET_FIELDS.flatMap((field) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(field) ? `.${field}` : `["${field}"]`;
  return [key.startsWith(".") ? field : key, `*${key}`, `*.*${key}`];
});

export type CreateLoggerOptions = {
  level: LogLevel;
  /** Human-readable lines; defaults to whether stdout is a terminal. JSON otherwise. */
  pretty?: boolean;
  /** Tests: write somewhere else than stdout (JSON, one object per line). */
  destination?: NodeJS.WritableStream;
};

/**
 * The one root logger, made at start-up and passed down; units of work take `log.child({ key })`.
 * Credential-looking fields are replaced by `[REDACTED]` at any of the first three levels.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const config: LoggerOptions = {
    level: options.level,
    base: { name: "ecs-gitops" },
    redact: { paths: [...REDACT_PATHS], censor: "[REDACTED]" },
    // The one exit of every line, whatever it holds (a git error, a repo URL, a child's bindings,
    // an error's stack): no password in a URL reaches the output.
    hooks: { streamWrite: (line) => redactUrl(line) },
  };
  const usePretty = options.pretty ?? (options.destination === undefined && process.stdout.isTTY === true);
  if (usePretty) {
    // Synchronous stream rather than a transport worker: one process, no thread to shut down.
    return pino(config, pretty({ colorize: true, destination: options.destination ?? 1, sync: true }));
  }
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}

/** A logger that drops everything: the default where a logger is optional. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}

export { redactUrl };
