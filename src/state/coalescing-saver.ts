import type { Logger } from "pino";
import type { EpisodeStore, SerializedEpisodes } from "./drift-store.js";

/**
 * Saves the episodes after each change, one save at a time and coalesced: many changes during one
 * save cost one more save, not many. A failed save is logged, never thrown.
 */
export class CoalescingSaver {
  readonly #store: EpisodeStore;
  readonly #snapshot: () => SerializedEpisodes;
  readonly #log: Logger | undefined;
  #saving: Promise<void> | undefined;
  #dirty = false;

  constructor(store: EpisodeStore, snapshot: () => SerializedEpisodes, log: Logger | undefined) {
    this.#store = store;
    this.#snapshot = snapshot;
    this.#log = log;
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
          this.#log?.warn({ err: error }, "could not save drift episodes; a restart may repeat their alerts");
        }
      }
    } finally {
      // Same synchronous step as the last `dirty` check: no change can slip in between.
      this.#saving = undefined;
    }
  }
}
