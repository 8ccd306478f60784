import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** The dashboard's session cookie: HttpOnly, SameSite=Strict, path-wide. */
export const SESSION_COOKIE = "ecs_gitops_session";

/** Paths that stay open with a token set: probes and metrics for the orchestrator, the webhook (signed itself), the login form. */
const OPEN_PATHS: ReadonlySet<string> = new Set(["/healthz", "/readyz", "/metrics", "/webhook", "/login"]);

export function isOpenPath(path: string): boolean {
  return OPEN_PATHS.has(path);
}

/**
 * `Authorization: Bearer <token>` naming exactly `token`. Both sides are hashed first, so the
 * comparison takes the same time whatever the length or the first differing byte of the guess.
 */
export function bearerAuthorized(header: string | undefined, token: string): boolean {
  if (header === undefined || token === "") return false;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (match === null) return false;
  return sameSecret(match[1]!, token);
}

/**
 * What the cookie carries: an HMAC of the token, never the token itself, so a cookie leaked
 * from a browser profile is no bearer token for the API of another tool using the same secret.
 */
export function sessionValue(token: string): string {
  return createHmac("sha256", token).update("ecs-gitops dashboard session v1").digest("base64url");
}

export function sessionCookie(token: string): string {
  return `${SESSION_COOKIE}=${sessionValue(token)}; HttpOnly; SameSite=Strict; Path=/`;
}

/** Either a right bearer header or a right session cookie. */
export function requestAuthorized(req: IncomingMessage, token: string): boolean {
  if (bearerAuthorized(req.headers.authorization, token)) return true;
  const cookie = cookieValue(req.headers.cookie, SESSION_COOKIE);
  return cookie !== undefined && sameSecret(cookie, sessionValue(token));
}

export function sameSecret(given: string, expected: string): boolean {
  const a = createHmac("sha256", "ecs-gitops compare").update(given).digest();
  const b = createHmac("sha256", "ecs-gitops compare").update(expected).digest();
  return timingSafeEqual(a, b);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const index = part.indexOf("=");
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}
