import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { isJsonObject } from "../json.js";

export type WebhookProvider = "github" | "gitlab" | "generic";
export type WebhookEvent = "push" | "ping" | "other";
export type WebhookRejection =
  /** No secret is configured: nothing can be verified, so nothing is accepted. */
  | "no-secret"
  /** None of the signature headers below is present. */
  | "missing-signature"
  /** Only a SHA-1 `X-Hub-Signature`: too weak to accept. */
  | "unsupported-signature"
  /** A header is repeated, or not `sha256=<64 hex digits>`. */
  | "malformed-signature"
  /** Well-formed but wrong: another secret, or a modified body. */
  | "bad-signature";

export type WebhookVerdict =
  { ok: true; provider: WebhookProvider; event: WebhookEvent; branch?: string } | { ok: false; reason: WebhookRejection };

/** Node's `IncomingHttpHeaders` or any header record; names are matched case-insensitively. */
export type WebhookHeaders = Readonly<Record<string, string | string[] | undefined>>;

/**
 * Verify a push notification against the shared secret (constant-time). Recognised, in order:
 *
 * - GitHub (and Gitea/Forgejo): `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>`,
 *   event from `X-GitHub-Event` (`push`, `ping`).
 * - GitLab: `X-Gitlab-Token: <secret>` (GitLab sends the secret itself), event from
 *   `X-Gitlab-Event` (`Push Hook`).
 * - Generic, for anything that can sign a body (CI jobs, scripts, other forges):
 *   `X-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>`, optional
 *   `X-Webhook-Event: push|ping` (default `push`), optional JSON body `{"ref": "refs/heads/main"}`.
 *   e.g. `curl -H "X-Signature-256: sha256=$(printf %s "$BODY" | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)" -d "$BODY" …`
 *
 * The payload is only a hint: `branch` (from `ref: refs/heads/<branch>`) lets the caller ignore
 * other branches, but no SHA is ever taken from it; the controller asks git for the head itself.
 */
export function verifyWebhook(input: { headers: WebhookHeaders; body: Buffer; secret: string }): WebhookVerdict {
  if (input.secret === "") return { ok: false, reason: "no-secret" };
  const header = headerReader(input.headers);

  const github = header("x-hub-signature-256");
  if (github !== undefined) {
    const verdict = checkHmac(github, input.body, input.secret);
    if (verdict !== undefined) return { ok: false, reason: verdict };
    const name = header("x-github-event");
    const event: WebhookEvent = name === "push" ? "push" : name === "ping" ? "ping" : "other";
    return accepted("github", event, input.body, header("content-type"));
  }

  const gitlab = header("x-gitlab-token");
  if (gitlab !== undefined) {
    if (gitlab === null) return { ok: false, reason: "malformed-signature" };
    if (!equalSecrets(gitlab, input.secret)) return { ok: false, reason: "bad-signature" };
    const event: WebhookEvent = header("x-gitlab-event") === "Push Hook" ? "push" : "other";
    return accepted("gitlab", event, input.body, header("content-type"));
  }

  const generic = header("x-signature-256");
  if (generic !== undefined) {
    const verdict = checkHmac(generic, input.body, input.secret);
    if (verdict !== undefined) return { ok: false, reason: verdict };
    const name = header("x-webhook-event") ?? "push";
    const event: WebhookEvent = name === "push" ? "push" : name === "ping" ? "ping" : "other";
    return accepted("generic", event, input.body, header("content-type"));
  }

  if (header("x-hub-signature") !== undefined) return { ok: false, reason: "unsupported-signature" };
  return { ok: false, reason: "missing-signature" };
}

/** `undefined` when absent, `null` when repeated (ambiguous, so never trusted). */
function headerReader(headers: WebhookHeaders): (name: string) => string | null | undefined {
  const lower = new Map<string, string | string[] | undefined>();
  for (const [name, value] of Object.entries(headers)) lower.set(name.toLowerCase(), value);
  return (name) => {
    const value = lower.get(name);
    if (Array.isArray(value)) return value.length === 1 ? value[0] : null;
    return value;
  };
}

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

function checkHmac(value: string | null, body: Buffer, secret: string): WebhookRejection | undefined {
  const match = value === null ? null : SIGNATURE.exec(value.trim());
  if (match?.[1] === undefined) return "malformed-signature";
  const given = Buffer.from(match[1], "hex");
  const expected = createHmac("sha256", secret).update(body).digest();
  return given.length === expected.length && timingSafeEqual(given, expected) ? undefined : "bad-signature";
}

// Hashing first makes the comparison constant-time whatever the lengths.
function equalSecrets(given: string, secret: string): boolean {
  const a = createHash("sha256").update(given, "utf8").digest();
  const b = createHash("sha256").update(secret, "utf8").digest();
  return timingSafeEqual(a, b);
}

function accepted(provider: WebhookProvider, event: WebhookEvent, body: Buffer, contentType: string | null | undefined): WebhookVerdict {
  const branch = event === "push" ? branchOf(body, contentType ?? "") : undefined;
  return branch === undefined ? { ok: true, provider, event } : { ok: true, provider, event, branch };
}

function branchOf(body: Buffer, contentType: string): string | undefined {
  let payload: unknown;
  try {
    // GitHub can be set to send `application/x-www-form-urlencoded` with the JSON in `payload`.
    const text = contentType.startsWith("application/x-www-form-urlencoded")
      ? (new URLSearchParams(body.toString("utf8")).get("payload") ?? "")
      : body.toString("utf8");
    payload = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isJsonObject(payload) || typeof payload.ref !== "string") return undefined;
  const prefix = "refs/heads/";
  return payload.ref.startsWith(prefix) && payload.ref.length > prefix.length ? payload.ref.slice(prefix.length) : undefined;
}
