import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { EcsGitopsError } from "../errors.js";
import type { JsonValue } from "../json.js";
import { formatSlackMessage } from "./slack-format.js";
import { parseTimeMs } from "../time.js";
import type { AlertEvent, AlertSink } from "./types.js";

/** The only place the signing secret comes from (never argv: it would show in `ps`). */
export const WEBHOOK_SECRET_ENV = "ECS_GITOPS_ALERT_WEBHOOK_SECRET";
export const SIGNATURE_HEADER = "X-Ecs-Gitops-Signature-256";
export const TIMESTAMP_HEADER = "X-Ecs-Gitops-Timestamp";
/** Same on every retry of one alert, so a receiver can drop a duplicate after a timed-out attempt. */
export const DELIVERY_HEADER = "X-Ecs-Gitops-Delivery";
export const EVENT_HEADER = "X-Ecs-Gitops-Event";

export type WebhookSinkOptions = {
  url: string;
  /** HMAC-SHA256 key; without it requests go unsigned (a Slack URL is its own secret). */
  secret?: string | undefined;
  /** Per attempt, including reading the response. */
  timeoutMs?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
  /** Epoch ms, for the timestamp header. */
  now?: () => number;
  format?: (event: AlertEvent) => JsonValue;
};

type AttemptResult = { ok: true } | { ok: false; retryable: boolean; reason: string; retryAfterMs?: number };

/**
 * POSTs each alert as Slack-compatible JSON. Retries network errors, timeouts, 5xx and 429 with
 * capped exponential backoff (429's Retry-After wins, within the cap); other statuses are final.
 */
export class WebhookSink implements AlertSink {
  readonly name = "webhook";
  readonly #url: string;
  readonly #where: string;
  readonly #secret: string | undefined;
  readonly #timeoutMs: number;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #format: (event: AlertEvent) => JsonValue;

  constructor(options: WebhookSinkOptions) {
    this.#url = options.url;
    this.#where = `alert webhook ${hostOf(options.url)}`;
    this.#secret = options.secret === "" ? undefined : options.secret;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.#baseDelayMs = options.baseDelayMs ?? 500;
    this.#maxDelayMs = options.maxDelayMs ?? 8_000;
    this.#sleep = options.sleep ?? ((ms) => delay(ms));
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#now = options.now ?? Date.now;
    this.#format = options.format ?? formatSlackMessage;
  }

  async send(event: AlertEvent): Promise<void> {
    const body = JSON.stringify(this.#format(event));
    const delivery = randomUUID();
    const where = this.#where;
    for (let attempt = 1; ; attempt++) {
      const result = await this.#attempt(event, body, delivery);
      if (result.ok) return;
      if (!result.retryable)
        throw new EcsGitopsError("InvalidRequest", `${where} rejected the alert: ${result.reason}; check the URL and the receiver`, {
          where,
        });
      if (attempt >= this.#maxAttempts) {
        throw new EcsGitopsError(
          "DependencyNotReady",
          `${where} did not accept the alert after ${attempt} attempts (last: ${result.reason})`,
          { where },
        );
      }
      await this.#sleep(Math.min(this.#maxDelayMs, result.retryAfterMs ?? this.#baseDelayMs * 2 ** (attempt - 1)));
    }
  }

  async #attempt(event: AlertEvent, body: string, delivery: string): Promise<AttemptResult> {
    // Re-stamped per attempt, so a retry after a long backoff is still inside the receiver's window.
    const timestamp = String(Math.floor(this.#now() / 1000));
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": "ecs-gitops",
      [TIMESTAMP_HEADER]: timestamp,
      [DELIVERY_HEADER]: delivery,
      [EVENT_HEADER]: event.type,
    };
    if (this.#secret !== undefined) headers[SIGNATURE_HEADER] = signWebhookBody(this.#secret, timestamp, body);
    let response: Response;
    try {
      response = await this.#fetch(this.#url, {
        method: "POST",
        headers,
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      await response.arrayBuffer(); // drain, so the connection can be reused; bounded by the same signal
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      return {
        ok: false,
        retryable: true,
        reason: timedOut ? `no answer within ${this.#timeoutMs} ms` : `network error (${describe(error)})`,
      };
    }
    if (response.status >= 200 && response.status < 300) return { ok: true };
    const reason = `HTTP ${response.status}`;
    if (response.status === 429) {
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), this.#now());
      return retryAfterMs === undefined ? { ok: false, retryable: true, reason } : { ok: false, retryable: true, reason, retryAfterMs };
    }
    return { ok: false, retryable: response.status >= 500, reason };
  }
}

/** `sha256=<hex HMAC-SHA256 over "<timestamp>.<body>">`: the timestamp is signed so it cannot be replaced. */
export function signWebhookBody(secret: string, timestamp: string, body: string): string {
  return "sha256=" + createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/** Receiver side (also in docs/alerts.md): constant-time compare and a freshness window against replays. */
export function verifyWebhookSignature(input: {
  secret: string;
  timestamp: string;
  body: string;
  signature: string;
  nowMs: number;
  toleranceS?: number;
}): boolean {
  const timestampS = Number(input.timestamp);
  if (!/^\d+$/.test(input.timestamp) || Math.abs(input.nowMs / 1000 - timestampS) > (input.toleranceS ?? 300)) return false;
  const expected = Buffer.from(signWebhookBody(input.secret, input.timestamp, input.body));
  const given = Buffer.from(input.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const dateMs = parseTimeMs(value);
  return dateMs === undefined ? undefined : Math.max(0, dateMs - nowMs);
}

// The URL may embed a token (Slack): errors name the host only.
function hostOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new EcsGitopsError("InvalidConfig", "the alert webhook URL is not a valid URL; pass an http(s) URL to --alert-webhook", {
      where: "--alert-webhook",
    });
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new EcsGitopsError("InvalidConfig", `the alert webhook URL must be http(s), not ${parsed.protocol}`, {
      where: "--alert-webhook",
    });
  }
  return parsed.host;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}
