import DataLoader from "dataloader";

export type BatchWindow = {
  /** Keys asked for until no new key came for this long share one batch. Default 20 ms. */
  quietMs?: number | undefined;
  /** …but a batch starts at the latest this long after its first key, however steadily keys keep coming. Default 250 ms. */
  maxDelayMs?: number | undefined;
  /** The controller's clock in epoch ms (one clock: tests drive it); timers stay the system's. Default Date.now. */
  now?: (() => number) | undefined;
};

type Pending = { dispatch: () => void; firstAt: number; timer: ReturnType<typeof setTimeout> | undefined; due?: boolean };

/**
 * Keys asked for within a short window share one call of `read(keys)`; each caller gets its own
 * key's value. DataLoader collects the keys and hands each caller its slice; its cache is off,
 * since every reconcile must read afresh. The window is debounced rather than DataLoader's one
 * tick: keys retried with jittered backoff arrive spread over a few hundred ms and would otherwise
 * split into many small batches, each paying its own reads (⌈N/10⌉ DescribeServices, one ListRules).
 *
 * One read at a time: a batch whose window closed while another batch's read is in flight starts
 * when that read ends, with every key asked for meanwhile. Overlapping reads fed on each other: a
 * batch of one key still reads its family's every user and the queued keys ahead, so under load
 * each read slowed the others, more keys came due during it, and 40 reads of 1,000 services each
 * ran at once (one replica, 1,000 services, load average 20 on 2 cores; docs/ha.md#the-read-storm).
 */
export class BatchReader<K, V> {
  readonly #loader: DataLoader<K, V>;
  readonly #quietMs: number;
  readonly #maxDelayMs: number;
  readonly #now: () => number;
  #pending: Pending | undefined;
  /** The batch read in flight, if any. */
  #reading: Promise<unknown> | undefined;

  /** `read` answers for every key it is given, in order (a key may appear twice); if it throws, each caller of the batch gets the error. */
  constructor(read: (keys: readonly K[]) => Promise<readonly V[]>, window: BatchWindow = {}) {
    this.#quietMs = window.quietMs ?? 20;
    this.#maxDelayMs = window.maxDelayMs ?? 250;
    this.#now = window.now ?? Date.now;
    this.#loader = new DataLoader<K, V>((keys) => this.#read(read, keys), {
      cache: false,
      // Called once per new batch; the batch is sent when the debounced timer below fires.
      batchScheduleFn: (dispatch) => {
        this.#pending = { dispatch, firstAt: this.#now(), timer: undefined };
      },
    });
  }

  load(key: K): Promise<V> {
    const value = this.#loader.load(key);
    this.#rearm();
    return value;
  }

  #rearm(): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    clearTimeout(pending.timer);
    const waitMs = Math.min(this.#quietMs, pending.firstAt + this.#maxDelayMs - this.#now());
    pending.timer = setTimeout(() => this.#dispatch(pending), Math.max(0, waitMs));
  }

  #dispatch(pending: Pending): void {
    // Sent when the read in flight ends (#read); keys asked for until then join this batch.
    if (this.#reading !== undefined) {
      pending.due = true;
      return;
    }
    if (this.#pending === pending) this.#pending = undefined;
    pending.dispatch();
  }

  #read(read: (keys: readonly K[]) => Promise<readonly V[]>, keys: readonly K[]): Promise<readonly V[]> {
    const reading = read(keys);
    this.#reading = reading;
    const done = () => {
      this.#reading = undefined;
      const next = this.#pending;
      if (next?.due) {
        clearTimeout(next.timer);
        this.#dispatch(next);
      }
    };
    reading.then(done, done);
    return reading;
  }
}
