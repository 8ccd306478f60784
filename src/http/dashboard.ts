import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { redactUrl } from "../redact.js";
import type { DependencyGraph } from "../engine/dependency-graph.js";
import type { DriftStatus } from "../state/drift.js";
import type { ResourceDetails } from "../state/resource-details.js";
import type { StatusDocument } from "../state/status.js";
import { isOpenPath, requestAuthorized, sameSecret, sessionCookie } from "./auth.js";
import { loginPage } from "./login-page.js";
import { LiveFeed } from "./live-feed.js";
import { SECURITY_HEADERS, StaticFiles, sendFile } from "./static-files.js";

export type DashboardRoute = { methods: readonly string[]; handle: (req: IncomingMessage, res: ServerResponse) => Promise<void> };

export type DashboardOptions = {
  getStatus(): StatusDocument;
  /** StatusStore.version: lets the live stream skip its comparison while nothing changed. */
  getStatusVersion?(): number;
  details: ResourceDetails;
  /** The open drift episode with its fields' live and desired values (masked). */
  driftOf(key: string): DriftStatus | undefined;
  graph(): DependencyGraph;
  /** ECS_GITOPS_API_TOKEN: when set, everything but probes, metrics, the webhook and the login form asks for it. */
  token: string | undefined;
  log: Logger;
  uiDir?: string;
  feedIntervalMs?: number;
};

const LOGIN_BODY_LIMIT_BYTES = 4096;
const RESOURCE_PREFIX = "/api/resources/";

/**
 * The read-only web dashboard on the controller's port (docs/dashboard.md): the built UI at `/`,
 * GET /api/resources/<key>, /api/graph, the /api/events stream, and the token gate in front of
 * them and /status.
 */
export class Dashboard {
  readonly #o: DashboardOptions;
  readonly #files: StaticFiles;
  readonly feed: LiveFeed;

  constructor(options: DashboardOptions) {
    this.#o = options;
    this.#files = new StaticFiles(options.uiDir);
    this.feed = new LiveFeed({
      getStatus: options.getStatus,
      ...(options.getStatusVersion === undefined ? {} : { getVersion: options.getStatusVersion }),
      log: options.log,
      ...(options.feedIntervalMs === undefined ? {} : { intervalMs: options.feedIntervalMs }),
    });
  }

  /** Answers 401 itself and returns true when the request needs the token and lacks it. */
  deny(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const token = this.#token();
    if (token === undefined || isOpenPath(path) || requestAuthorized(req, token)) return false;
    const wantsPage = req.method === "GET" && (path === "/" || path === "/index.html");
    if (wantsPage) sendText(res, 401, "text/html; charset=utf-8", loginPage(false));
    else sendJson(res, 401, { error: "unauthorized: send Authorization: Bearer <ECS_GITOPS_API_TOKEN> or log in at /" });
    return true;
  }

  route(path: string): DashboardRoute | undefined {
    if (path === "/api/events") return { methods: ["GET"], handle: async (req, res) => this.feed.subscribe(req, res) };
    if (path === "/api/graph") return { methods: ["GET", "HEAD"], handle: async (_req, res) => sendJson(res, 200, this.#o.graph()) };
    if (path.startsWith(RESOURCE_PREFIX)) return { methods: ["GET", "HEAD"], handle: async (_req, res) => this.#resource(path, res) };
    if (path === "/login" && this.#token() !== undefined) return { methods: ["POST"], handle: (req, res) => this.#login(req, res) };
    if (path === "/" || path === "/index.html" || path.startsWith("/assets/")) {
      return { methods: ["GET", "HEAD"], handle: (req, res) => this.#static(path, req, res) };
    }
    return undefined;
  }

  close(): void {
    this.feed.close();
  }

  #resource(path: string, res: ServerResponse): void {
    let key: string;
    try {
      key = decodeURIComponent(path.slice(RESOURCE_PREFIX.length));
    } catch {
      return sendJson(res, 400, { error: "malformed resource key" });
    }
    const status = this.#o.getStatus().resources.find((r) => r.key === key);
    if (status === undefined) return sendJson(res, 404, { error: `no resource ${key} (see GET /status for the keys)` });
    const drift = this.#o.driftOf(key);
    sendJson(res, 200, { status, ...this.#o.details.get(key), ...(drift === undefined ? {} : { drift }) });
  }

  async #static(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const file = await this.#files.lookup(path);
    if (file !== undefined) return sendFile(req, res, file);
    if (path.startsWith("/assets/")) return sendJson(res, 404, { error: "not found" });
    sendText(res, 503, "text/plain; charset=utf-8", "The dashboard is not built: run `npm run build` (it writes dist/ui).\n");
  }

  async #login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = this.#token()!;
    const body = await readSmallBody(req, LOGIN_BODY_LIMIT_BYTES);
    const given = body === undefined ? undefined : new URLSearchParams(body).get("token");
    if (given === undefined || given === null || !sameSecret(given, token)) {
      this.#o.log.warn({ remote: req.socket.remoteAddress }, "dashboard login refused");
      return sendText(res, 401, "text/html; charset=utf-8", loginPage(true));
    }
    res.writeHead(303, { ...SECURITY_HEADERS, Location: "/", "Set-Cookie": sessionCookie(token), "Cache-Control": "no-store" });
    res.end();
  }

  #token(): string | undefined {
    const token = this.#o.token;
    return token === undefined || token === "" ? undefined : token;
  }
}

/** At most `limitBytes`, else undefined (the login form sends a few dozen bytes). */
function readSmallBody(req: IncomingMessage, limitBytes: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) chunks.push(chunk);
    });
    req.once("end", () => resolve(size <= limitBytes ? Buffer.concat(chunks).toString("utf8") : undefined));
    req.once("error", () => resolve(undefined));
  });
}

/** Like the server's own answers: a password in a URL never leaves, nothing is cached. */
function sendText(res: ServerResponse, status: number, contentType: string, text: string): void {
  const body = redactUrl(text);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "Content-Type": contentType,
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  sendText(res, status, "application/json; charset=utf-8", JSON.stringify(value) + "\n");
}
