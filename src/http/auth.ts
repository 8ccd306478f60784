import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Does an `Authorization` header carry `Bearer <token>`? Both sides are hashed first, so the
 * compare takes the same time whatever the length or the first differing byte: a caller cannot
 * learn the token one character at a time. An empty token authorizes nothing.
 */
export function bearerAuthorized(header: string | undefined, token: string): boolean {
  if (token === "" || header === undefined) return false;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (match === null) return false;
  const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
  return timingSafeEqual(digest(match[1]!), digest(token));
}
