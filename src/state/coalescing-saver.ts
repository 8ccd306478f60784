import type { Logger } from "pino";

/**
 * Saves a state (the resource records, the deploy history) after each change, one save at a time and coalesced: many changes during one
 * save cost one more save, not many. A failed save is logged, never thrown.
 */
export class CoalescingSaver<T> {
  readonly #store: { save(state: T): Promise<void> };
  readonly #snapshot: () => T;
  readonly #log: Logger | undefined;
  readonly #what: string;
  #saving: Promise<void> | undefined;
  #dirty = false;

  constructor(store: { save(state: T): Promise<void> }, snapshot: () => T, log: Logger | undefined, what = "state") {
    this.#store = store;
    this.#snapshot = snapshot;
    this.#log = log;
    this.#what = what;
  }

  request(): void {
    this.#dirty = true;
    this.#saving ??= this.#saveLoop();
  }

  /** Wait for pending saves (shutdown, tests). */
  async flush(): Promise<void> {
    while (this.#saving !== undefined) await this.#saving;
  }

  async #saveLoop(): Promise<void> {
    try {
      while (this.#dirty) {
        this.#dirty = false;
        try {
          await this.#store.save(this.#snapshot());
        } catch (error) {
          this.#log?.warn({ err: error }, `could not save ${this.#what}`);
        }
      }
    } finally {
      // Same synchronous step as the last `dirty` check: no change can slip in between.
      this.#saving = undefined;
    }
  }
}
