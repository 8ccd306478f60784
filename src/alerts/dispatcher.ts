import type { Logger } from "pino";
import type { Counter, Registry } from "prom-client";
import { isEcsGitopsError } from "../errors.js";
import { redactDeep } from "../redact.js";
import { counterIn } from "./metrics-sink.js";
import type { AlertEvent, AlertSink } from "./types.js";

export type AlertDispatcherOptions = {
  sinks: readonly AlertSink[];
  log: Logger;
  /** Per sink. When a sink's queue is full the OLDEST waiting alert is dropped (see docs/alerts.md). */
  maxQueue?: number;
  /** Epoch ms; only for the durations in log lines. */
  clock?: () => number;
  /** Counts failures and drops as `ecs_gitops_alerts_{failed,dropped}_total{sink}`. */
  registry?: Registry;
  /**
   * Safety net for a sink whose `send` never settles: the lane moves on after this long (the
   * webhook sink's own timeout and retries stay well inside the default).
   */
  sendTimeoutMs?: number;
};

type Lane = { sink: AlertSink; queue: AlertEvent[]; running: boolean; dropped: number };

/**
 * Fans alerts out to sinks without ever making the caller wait: `emit` queues and returns. Each
 * sink has its own FIFO lane drained one alert at a time (so a sink sees opened before resolved),
 * and a slow or hung sink only backs up its own lane. Failures are logged and counted, never thrown.
 */
export class AlertDispatcher {
  readonly #lanes: Lane[];
  readonly #log: Logger;
  readonly #maxQueue: number;
  readonly #clock: () => number;
  readonly #sendTimeoutMs: number;
  readonly #failed: Counter<"sink"> | undefined;
  readonly #dropped: Counter<"sink"> | undefined;
  #idleWaiters: (() => void)[] = [];

  constructor(options: AlertDispatcherOptions) {
    this.#lanes = options.sinks.map((sink) => ({ sink, queue: [], running: false, dropped: 0 }));
    this.#log = options.log;
    this.#maxQueue = Math.max(1, options.maxQueue ?? 1000);
    this.#clock = options.clock ?? Date.now;
    this.#sendTimeoutMs = options.sendTimeoutMs ?? 60_000;
    const registry = options.registry;
    this.#failed = registry && counterIn(registry, "ecs_gitops_alerts_failed_total", "Alerts a sink failed to deliver", ["sink"]);
    this.#dropped =
      registry && counterIn(registry, "ecs_gitops_alerts_dropped_total", "Alerts dropped because a sink's queue was full", ["sink"]);
  }

  /** Queue one alert for every sink; returns at once. */
  emit(alert: AlertEvent): void {
    // Sinks reach outside the process: no credential in a URL (an AWS error text, a field) goes with it.
    const event = redactDeep(alert);
    for (const lane of this.#lanes) {
      if (lane.queue.length >= this.#maxQueue) this.#dropOldest(lane);
      lane.queue.push(event);
      if (!lane.running) {
        lane.running = true;
        // Start on a microtask: not even a sink's synchronous prologue runs inside emit.
        queueMicrotask(() => void this.#drain(lane));
      }
    }
  }

  emitAll(events: readonly AlertEvent[]): void {
    for (const event of events) this.emit(event);
  }

  /** Alerts waiting (not counting those being sent), per sink name. */
  pending(): Record<string, number> {
    return Object.fromEntries(this.#lanes.map((lane) => [lane.sink.name, lane.queue.length]));
  }

  /** Wait until every lane is empty and idle; false if that did not happen within `timeoutMs`. */
  async flush(timeoutMs: number): Promise<boolean> {
    if (this.#isIdle()) return true;
    let timer: NodeJS.Timeout | undefined;
    let waiter: (() => void) | undefined;
    const idle = new Promise<boolean>((resolve) => {
      waiter = () => resolve(true);
      this.#idleWaiters.push(waiter);
    });
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([idle, timeout]);
    } finally {
      clearTimeout(timer);
      this.#idleWaiters = this.#idleWaiters.filter((w) => w !== waiter);
    }
  }

  async #drain(lane: Lane): Promise<void> {
    for (let event = lane.queue.shift(); event !== undefined; event = lane.queue.shift()) {
      await this.#deliver(lane.sink, event);
    }
    lane.running = false;
    if (lane.dropped > 0) {
      this.#log.warn({ sink: lane.sink.name, dropped: lane.dropped }, "alert queue drained after overflow");
      lane.dropped = 0;
    }
    if (this.#isIdle()) for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  async #deliver(sink: AlertSink, event: AlertEvent): Promise<void> {
    const startedMs = this.#clock();
    let timer: NodeJS.Timeout | undefined;
    try {
      const sending = Promise.resolve().then(() => sink.send(event));
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no result within ${this.#sendTimeoutMs} ms`)), this.#sendTimeoutMs);
      });
      // race() also handles a late rejection of `sending`, so an abandoned send cannot crash us.
      await Promise.race([sending, timeout]);
    } catch (error) {
      this.#failed?.inc({ sink: sink.name });
      const code = isEcsGitopsError(error) ? error.code : undefined;
      this.#log.warn(
        { sink: sink.name, event: event.type, key: event.key, code, err: error, durationMs: this.#clock() - startedMs },
        "alert delivery failed",
      );
    } finally {
      clearTimeout(timer);
    }
  }

  #dropOldest(lane: Lane): void {
    const dropped = lane.queue.shift();
    lane.dropped += 1;
    this.#dropped?.inc({ sink: lane.sink.name });
    // One line when the overflow starts and one per hundred drops, not one per alert.
    if (lane.dropped === 1 || lane.dropped % 100 === 0) {
      this.#log.warn(
        { sink: lane.sink.name, maxQueue: this.#maxQueue, dropped: lane.dropped, droppedEvent: dropped?.type, droppedKey: dropped?.key },
        "alert queue full, dropping oldest",
      );
    }
  }

  #isIdle(): boolean {
    return this.#lanes.every((lane) => !lane.running && lane.queue.length === 0);
  }
}
