import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { redactUrl } from "../redact.js";
import type { ResourceStatus, StatusDocument } from "../state/status.js";

/** The top of the status document: everything but the resources. */
export type StatusMeta = Omit<StatusDocument, "resources">;

/** What a stream sends after its first `snapshot`: only what changed since the last tick. */
export type StatusDelta = { meta?: StatusMeta; upsert: ResourceStatus[]; remove: string[] };

export type LiveFeedOptions = {
  getStatus(): StatusDocument;
  /** A number that changes whenever the document may have (StatusStore.version); the same number skips a tick's copy and comparison. */
  getVersion?(): number;
  /** How often the document is compared with the last one while anyone listens. */
  intervalMs?: number;
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatMs?: number;
  log: Logger;
};

/** A client that stopped reading is dropped past this much queued output; its browser reconnects and starts afresh. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

/**
 * Server-Sent Events for the dashboard. One shared ticker compares the status document with the
 * previous one (per resource, as JSON text) and sends every client the same delta, so the cost
 * is one comparison per tick whatever the number of browsers, and nothing runs while nobody
 * listens. A new client gets the whole document once, then deltas.
 */
export class LiveFeed {
  readonly #o: LiveFeedOptions;
  readonly #clients = new Set<ServerResponse>();
  #resources = new Map<string, string>();
  #meta = "";
  #version: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  /** Deltas sent since start (for tests and the bench). */
  deltasSent = 0;

  constructor(options: LiveFeedOptions) {
    this.#o = options;
  }

  get clients(): number {
    return this.#clients.size;
  }

  subscribe(req: IncomingMessage, res: ServerResponse): void {
    this.#tick();
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      // nginx and similar proxies otherwise buffer the stream.
      "X-Accel-Buffering": "no",
    });
    this.#clients.add(res);
    const drop = () => this.#drop(res);
    req.once("close", drop);
    res.once("error", drop);
    this.#write(res, "snapshot", this.#o.getStatus());
    this.#start();
  }

  /** End every stream (the server is closing: open streams would hold it open). */
  close(): void {
    for (const res of this.#clients) res.end();
    this.#clients.clear();
    this.#stop();
  }

  /** Compare now (also run by the timer); exposed so a test need not wait for the interval. */
  tick(): void {
    this.#tick();
  }

  #tick(): void {
    const version = this.#o.getVersion?.();
    if (version !== undefined && version === this.#version) return;
    this.#version = version;
    const document = this.#o.getStatus();
    const { resources, ...meta } = document;
    const delta: StatusDelta = { upsert: [], remove: [] };
    const next = new Map<string, string>();
    for (const resource of resources) {
      const text = JSON.stringify(resource);
      next.set(resource.key, text);
      if (this.#resources.get(resource.key) !== text) delta.upsert.push(resource);
    }
    for (const key of this.#resources.keys()) if (!next.has(key)) delta.remove.push(key);
    const metaText = JSON.stringify(meta);
    if (metaText !== this.#meta) delta.meta = meta;
    this.#resources = next;
    this.#meta = metaText;
    if (delta.meta === undefined && delta.upsert.length === 0 && delta.remove.length === 0) return;
    if (this.#clients.size === 0) return;
    this.deltasSent++;
    for (const res of this.#clients) this.#write(res, "delta", delta);
  }

  #write(res: ServerResponse, event: string, value: unknown): void {
    if (res.writableLength > MAX_QUEUED_BYTES) {
      this.#o.log.warn({ queuedBytes: res.writableLength }, "dashboard stream dropped: the client does not read");
      res.destroy();
      this.#drop(res);
      return;
    }
    res.write(`event: ${event}\ndata: ${redactUrl(JSON.stringify(value))}\n\n`);
  }

  #drop(res: ServerResponse): void {
    this.#clients.delete(res);
    if (this.#clients.size === 0) this.#stop();
  }

  #start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.#tick(), this.#o.intervalMs ?? 1_000).unref();
    this.#heartbeat = setInterval(() => {
      for (const res of this.#clients) res.write(": keep-alive\n\n");
    }, this.#o.heartbeatMs ?? 15_000).unref();
  }

  #stop(): void {
    clearInterval(this.#timer);
    clearInterval(this.#heartbeat);
    this.#timer = undefined;
    this.#heartbeat = undefined;
  }
}
