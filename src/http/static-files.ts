import { readFile } from "node:fs/promises";
import path from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";

/** Where `npm run build` puts the dashboard (vite): dist/ui, from both src/http and dist/http. */
export const UI_DIR = path.resolve(import.meta.dirname, "../../dist/ui");

/**
 * No inline script or style anywhere, nothing from another origin, no framing. The dashboard
 * is one script and one stylesheet from /assets and talks to this origin only.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

/** Vite names assets by content hash (`index-3fA9c.js`): one plain name, no separators, no dot-files. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

export type StaticFile = { body: Buffer; contentType: string; cacheControl: string };

/**
 * The built dashboard's files, read once and kept (a few hundred KiB). Only `index.html` and
 * names directly under `assets/` are ever served: a request path never becomes a file path.
 */
export class StaticFiles {
  readonly #dir: string;
  readonly #cache = new Map<string, Promise<StaticFile | undefined>>();

  constructor(dir: string = UI_DIR) {
    this.#dir = dir;
  }

  /** The file for a URL path, or undefined (not part of the dashboard, or the UI was not built). */
  lookup(urlPath: string): Promise<StaticFile | undefined> {
    const relative = relativeFile(urlPath);
    if (relative === undefined) return Promise.resolve(undefined);
    let entry = this.#cache.get(relative);
    if (entry === undefined) {
      entry = this.#read(relative);
      this.#cache.set(relative, entry);
    }
    return entry;
  }

  async #read(relative: string): Promise<StaticFile | undefined> {
    const file = path.join(this.#dir, relative);
    // Belt and braces: relativeFile admits no separator or `..`, so this cannot leave the folder.
    if (!file.startsWith(this.#dir + path.sep)) return undefined;
    try {
      const body = await readFile(file);
      const contentType = CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream";
      // Hashed names never change content; index.html names the current ones, so it is always revalidated.
      const cacheControl = relative === "index.html" ? "no-cache" : "public, max-age=31536000, immutable";
      return { body, contentType, cacheControl };
    } catch {
      // Not built (or a name that does not exist): not cached, so a build made later is picked up.
      this.#cache.delete(relative);
      return undefined;
    }
  }
}

function relativeFile(urlPath: string): string | undefined {
  if (urlPath === "/" || urlPath === "/index.html") return "index.html";
  if (!urlPath.startsWith("/assets/")) return undefined;
  const name = urlPath.slice("/assets/".length);
  return ASSET_NAME.test(name) && !name.includes("..") ? `assets/${name}` : undefined;
}

export function sendFile(req: IncomingMessage, res: ServerResponse, file: StaticFile): void {
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    "Content-Type": file.contentType,
    "Content-Length": file.body.length,
    "Cache-Control": file.cacheControl,
  });
  res.end(req.method === "HEAD" ? undefined : file.body);
}
