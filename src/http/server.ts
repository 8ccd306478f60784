import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { redactUrl } from "../redact.js";
import type { StatusDocument } from "../state/status.js";
import type { Dashboard } from "./dashboard.js";
import { bearerAuthorized } from "./auth.js";
import { verifyWebhook } from "./webhook.js";
import type { WebhookProvider } from "./webhook.js";

export const WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;

/** `false`, or a reason shown in the 503 body, when the controller cannot serve yet. */
export type Readiness = boolean | { ready: boolean; reason?: string };

export type PushHint = { provider: WebhookProvider; branch?: string };

export type ControllerHttpServerOptions = {
  port: number;
  /** Default 0.0.0.0: the endpoints are for the orchestrator's probes and Prometheus. */
  host?: string;
  getStatus(): StatusDocument;
  isReady(): Readiness;
  metrics: Registry;
  /** From env ECS_GITOPS_WEBHOOK_SECRET only. Unset or empty: /webhook answers 404. */
  webhookSecret?: string | undefined;
  /** A verified push: poll the source now. Only a hint; never carries a SHA. */
  onPush(hint: PushHint): void;
  log: Logger;
  /** The web dashboard, its API and the ECS_GITOPS_API_TOKEN gate (docs/dashboard.md). */
  dashboard?: Dashboard | undefined;
  /** Endpoints that change state: only with `Authorization: Bearer <apiToken>`; without a token they answer 404. */
  apiRoutes?: ReadonlyMap<string, Route> | undefined;
  /** From env ECS_GITOPS_API_TOKEN only; never logged. */
  apiToken?: string | undefined;
};

export type Route = { methods: readonly string[]; handle: (req: IncomingMessage, res: ServerResponse) => Promise<void> };

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One port for probes, metrics, status and the push webhook (docs/design.md#http-endpoints):
 * GET /healthz, /readyz, /metrics, /status; POST /webhook. HEAD works wherever GET does.
 */
export class ControllerHttpServer {
  readonly #options: ControllerHttpServerOptions;
  readonly #server: Server;
  readonly #routes: ReadonlyMap<string, Route>;

  constructor(options: ControllerHttpServerOptions) {
    this.#options = options;
    this.#routes = new Map<string, Route>([
      ["/healthz", { methods: ["GET", "HEAD"], handle: async (_req, res) => send(res, 200, "text/plain; charset=utf-8", "ok\n") }],
      ["/readyz", { methods: ["GET", "HEAD"], handle: async (_req, res) => this.#readyz(res) }],
      ["/metrics", { methods: ["GET", "HEAD"], handle: async (_req, res) => this.#metrics(res) }],
      ["/status", { methods: ["GET", "HEAD"], handle: async (_req, res) => sendJson(res, 200, this.#options.getStatus()) }],
      ["/webhook", { methods: ["POST"], handle: async (req, res) => this.#webhook(req, res) }],
    ]);
    // #dispatch answers every failure itself; this catch is the last line for a bug in that
    // answer: a request must never become an unhandled rejection, which ends the process.
    this.#server = createServer((req, res) => {
      this.#dispatch(req, res).catch((error: unknown) => {
        this.#options.log.error({ err: error }, "http request failed while answering");
        res.destroy();
      });
    });
    // Probes and webhooks are small; a slow client must not hold a socket for Node's 5 minutes.
    this.#server.requestTimeout = 15_000;
    this.#server.headersTimeout = 10_000;
  }

  /** Start listening; resolves with the bound port (useful with port 0). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.#server.once("error", onError);
      this.#server.listen(this.#options.port, this.#options.host ?? "0.0.0.0", () => {
        this.#server.off("error", onError);
        const port = (this.#server.address() as AddressInfo).port;
        this.#options.log.info(
          { port, host: this.#options.host ?? "0.0.0.0", webhook: this.#webhookSecret() !== undefined },
          "http listening",
        );
        resolve(port);
      });
    });
  }

  /** Stop accepting connections and close idle keep-alive ones; resolves once the server closed. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#options.dashboard?.close();
      if (!this.#server.listening) return resolve();
      this.#server.close((error) => (error === undefined ? resolve() : reject(error)));
      this.#server.closeIdleConnections();
    });
  }

  async #dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    let path: string | undefined;
    try {
      path = requestPath(req.url);
      if (this.#options.dashboard?.deny(req, res, path)) return;
      const api = this.#options.apiRoutes?.get(path);
      if (api !== undefined) this.#authorize(req, res, path);
      const route = api ?? this.#routes.get(path) ?? this.#options.dashboard?.route(path);
      if (route === undefined || (path === "/webhook" && this.#webhookSecret() === undefined)) {
        throw new HttpError(404, "not found");
      }
      if (!route.methods.includes(method)) {
        res.setHeader("Allow", route.methods.join(", "));
        throw new HttpError(405, "method not allowed");
      }
      await route.handle(req, res);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500) this.#options.log.error({ err: error, path, method }, "http handler failed");
      if (!res.headersSent && !res.destroyed) {
        if (status === 413 || status === 400) res.setHeader("Connection", "close");
        sendJson(res, status, { error: error instanceof HttpError ? error.message : "internal error" });
      } else {
        res.destroy();
      }
    }
    this.#options.log.debug({ method, path, status: res.statusCode }, "http request");
  }

  async #readyz(res: ServerResponse): Promise<void> {
    const readiness = this.#options.isReady();
    const ready = typeof readiness === "boolean" ? readiness : readiness.ready;
    if (ready) return send(res, 200, "text/plain; charset=utf-8", "ready\n");
    const reason = typeof readiness === "boolean" ? undefined : readiness.reason;
    sendJson(res, 503, { ready: false, reason: reason ?? "the controller has not completed its first sync" });
  }

  async #metrics(res: ServerResponse): Promise<void> {
    const registry = this.#options.metrics;
    const text = await registry.metrics();
    send(res, 200, registry.contentType, text);
  }

  async #webhook(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const secret = this.#webhookSecret();
    if (secret === undefined) throw new HttpError(404, "not found");
    const body = await readBody(req, WEBHOOK_BODY_LIMIT_BYTES);
    const verdict = verifyWebhook({ headers: req.headers, body, secret });
    const log = this.#options.log;
    if (!verdict.ok) {
      log.warn({ reason: verdict.reason, remote: req.socket.remoteAddress }, "webhook rejected");
      throw new HttpError(401, `webhook rejected: ${verdict.reason}`);
    }
    if (verdict.event !== "push") {
      log.info({ provider: verdict.provider, event: verdict.event }, "webhook event ignored");
      return sendJson(res, 200, { accepted: false, event: verdict.event });
    }
    const hint: PushHint =
      verdict.branch === undefined ? { provider: verdict.provider } : { provider: verdict.provider, branch: verdict.branch };
    log.info(hint, "webhook push");
    this.#options.onPush(hint);
    sendJson(res, 202, { accepted: true });
  }

  /** State-changing endpoints: 404 unless a token is configured (nothing to guess at), 401 without the right one. */
  #authorize(req: IncomingMessage, res: ServerResponse, path: string): void {
    const token = this.#options.apiToken;
    if (token === undefined || token === "") throw new HttpError(404, "not found");
    if (bearerAuthorized(req.headers.authorization, token)) return;
    this.#options.log.warn({ remote: req.socket.remoteAddress, path }, "api request without a valid bearer token");
    res.setHeader("WWW-Authenticate", 'Bearer realm="ecs-gitops"');
    throw new HttpError(401, "a valid Authorization: Bearer <ECS_GITOPS_API_TOKEN> header is required");
  }

  #webhookSecret(): string | undefined {
    const secret = this.#options.webhookSecret;
    return secret === undefined || secret === "" ? undefined : secret;
  }
}

/**
 * The path of a request target: origin-form (`/status?x`, `//[` is a path too) or absolute-form
 * (`http://h/status`). What the URL parser refuses (a bad port or host, `*`, `host:443`) is a 400.
 */
function requestPath(target: string | undefined): string {
  if (target === undefined || target === "") throw new HttpError(400, "missing request target");
  let url: URL;
  try {
    // Origin-form is appended to a fixed origin: as a relative URL `//x` would name a host.
    url = new URL(target.startsWith("/") ? `http://localhost${target}` : target);
  } catch {
    throw new HttpError(400, "malformed request target");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new HttpError(400, "malformed request target");
  return url.pathname;
}

/**
 * The raw body (signatures cover the exact bytes), refusing more than `limitBytes` with 413.
 * Not `for await`: leaving that loop early destroys the socket before the 413 can be sent.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limitBytes) {
    req.resume();
    return Promise.reject(new HttpError(413, `body larger than ${limitBytes} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) return void chunks.push(chunk);
      // Keep reading into the void until the 413 is out and the connection closes.
      req.off("data", onData);
      req.resume();
      reject(new HttpError(413, `body larger than ${limitBytes} bytes`));
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

/** Every response body leaves through here: /status, /metrics and errors carry no password in a URL. */
function send(res: ServerResponse, status: number, contentType: string, text: string): void {
  const body = redactUrl(text);
  res.writeHead(status, {
    "Content-Type": contentType,
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, "application/json; charset=utf-8", JSON.stringify(value, null, 2) + "\n");
}
