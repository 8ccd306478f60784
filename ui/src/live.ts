import { useEffect, useState } from "preact/hooks";
import type { ResourceStatus, StatusDelta, StatusDocument, StatusMeta } from "./types.js";

export type LiveState = {
  meta: StatusMeta | undefined;
  resources: ReadonlyMap<string, ResourceStatus>;
  connected: boolean;
  /** Bumped on every applied event: what a page keys its refetch on. */
  version: number;
  error?: string;
};

type Listener = (state: LiveState) => void;

/**
 * The page's one connection to the controller: an EventSource on /api/events that gets the
 * whole document once, then deltas. EventSource reconnects by itself; the next `snapshot`
 * replaces everything, so nothing missed while disconnected stays stale.
 */
class LiveStatus {
  state: LiveState = { meta: undefined, resources: new Map(), connected: false, version: 0 };
  readonly #listeners = new Set<Listener>();
  #source: EventSource | undefined;

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    this.#open();
    return () => this.#listeners.delete(listener);
  }

  #open(): void {
    if (this.#source !== undefined) return;
    const source = new EventSource("/api/events");
    this.#source = source;
    source.addEventListener("snapshot", (event) => {
      const document = JSON.parse((event as MessageEvent<string>).data) as StatusDocument;
      const { resources, ...meta } = document;
      this.#set({ meta, resources: new Map(resources.map((r) => [r.key, r])), connected: true });
    });
    source.addEventListener("delta", (event) => {
      const delta = JSON.parse((event as MessageEvent<string>).data) as StatusDelta;
      const resources = new Map(this.state.resources);
      for (const key of delta.remove) resources.delete(key);
      for (const resource of delta.upsert) resources.set(resource.key, resource);
      this.#set({ resources, ...(delta.meta === undefined ? {} : { meta: delta.meta }) });
    });
    source.addEventListener("open", () => this.#set({ connected: true }));
    source.addEventListener("error", () => this.#set({ connected: false }));
  }

  #set(patch: Partial<LiveState>): void {
    this.state = { ...this.state, ...patch, version: this.state.version + 1 };
    for (const listener of this.#listeners) listener(this.state);
  }
}

const live = new LiveStatus();

export function useLiveStatus(): LiveState {
  const [state, setState] = useState(live.state);
  useEffect(() => live.subscribe(setState), []);
  return state;
}
