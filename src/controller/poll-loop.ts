import { jittered } from "../jitter.js";

/**
 * When the controller polls git: now (a webhook, a watch, start-up), again after the interval
 * (jittered, so replicas do not fetch in step), never two at once. A request made while a poll
 * runs is coalesced into one more poll right after it, so a push seen mid-fetch is not missed.
 */
export class PollLoop {
  readonly #run: () => Promise<void>;
  readonly #intervalMs: () => number;
  readonly #stopping: () => boolean;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #halted = false;
  /** Waiting for the end of a poll that starts after they asked (a lease acquire: ControllerLeasing.catchUpWith). */
  #waiters: (() => void)[] = [];

  /** `stopping`: the owner is shutting down (no poll starts, none is scheduled) before it calls stop. */
  constructor(run: () => Promise<void>, intervalMs: () => number, stopping: () => boolean) {
    this.#run = run;
    this.#intervalMs = intervalMs;
    this.#stopping = stopping;
  }

  get #stopped(): boolean {
    return this.#halted || this.#stopping();
  }

  /** Poll now; coalesces with a poll in progress. */
  now(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    const waiters = this.#waiters.splice(0);
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
      for (const done of waiters) done();
      if (this.#stopped) return;
      if (this.#again) {
        this.#again = false;
        this.now();
        return;
      }
      this.#timer = setTimeout(() => this.now(), Math.round(jittered(this.#intervalMs(), 0.1)));
    });
  }

  /** Resolves once a poll started after this call has finished (at once once stopped). */
  fresh(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.#waiters.push(resolve));
    this.now();
    return done;
  }

  /** No poll starts any more; resolves when the one in flight (if any) ends or after `timeoutMs`. */
  async stop(timeoutMs: () => number): Promise<void> {
    this.#halted = true;
    clearTimeout(this.#timer);
    for (const done of this.#waiters.splice(0)) done();
    const timeout = new Promise((resolve) => setTimeout(resolve, timeoutMs()).unref());
    await Promise.race([this.#running?.catch(() => undefined), timeout]);
  }
}
