import { pino } from "pino";
import type { Logger } from "pino";

export type LogLine = Record<string, unknown> & { level: number; msg: string };

/** A real pino logger writing parsed JSON lines into an array. */
export function captureLog(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { log, lines };
}
