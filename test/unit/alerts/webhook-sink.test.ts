import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { AlertEvent } from "../../../src/alerts/types.js";
import { parseRetryAfter, signWebhookBody, verifyWebhookSignature, WebhookSink } from "../../../src/alerts/webhook-sink.js";
import type { WebhookSinkOptions } from "../../../src/alerts/webhook-sink.js";

const opened: AlertEvent = {
  type: "drift.opened",
  key: "Service/prod/web",
  kind: "Service",
  name: "web",
  fields: [{ path: "/desiredCount", desired: 3, live: 5 }],
  firstSeen: "2025-01-01T00:00:00.000Z",
  at: "2025-01-01T00:00:00.000Z",
};
const NOW_MS = Date.parse("2025-01-01T00:00:00.000Z");

type Reply = number | Error | { status: number; headers: Record<string, string> };

/** A fetch that answers from a script and records what it was sent. */
function scriptedFetch(replies: Reply[]): { fetch: typeof fetch; requests: { headers: Headers; body: string }[] } {
  const requests: { headers: Headers; body: string }[] = [];
  const fake = async (_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    requests.push({ headers: new Headers(init?.headers), body: String(init?.body) });
    const reply = replies.shift() ?? 200;
    if (reply instanceof Error) throw reply;
    if (typeof reply === "number") return new Response("ok", { status: reply });
    return new Response("", { status: reply.status, headers: reply.headers });
  };
  return { fetch: fake as typeof fetch, requests };
}

function sinkWith(replies: Reply[], options: Partial<WebhookSinkOptions> = {}) {
  const scripted = scriptedFetch(replies);
  const sleeps: number[] = [];
  const sink = new WebhookSink({
    url: "https://hooks.example.com/services/T0/B0/secret-token",
    fetch: scripted.fetch,
    sleep: async (ms) => void sleeps.push(ms),
    now: () => NOW_MS,
    ...options,
  });
  return { sink, sleeps, requests: scripted.requests };
}

describe("WebhookSink retries", () => {
  it("does not retry a 4xx other than 429", async () => {
    const { sink, requests } = sinkWith([400]);
    await expect(sink.send(opened)).rejects.toMatchObject({ code: "InvalidRequest" });
    expect(requests).toHaveLength(1);
  });

  it("retries network errors and 5xx with exponential backoff capped at maxDelayMs", async () => {
    const { sink, sleeps, requests } = sinkWith([new TypeError("fetch failed"), 502, 503, 500, 200], {
      maxAttempts: 5,
      baseDelayMs: 500,
      maxDelayMs: 1500,
    });
    await sink.send(opened);
    expect(requests).toHaveLength(5);
    expect(sleeps).toEqual([500, 1000, 1500, 1500]);
  });

  it("gives up after maxAttempts and rejects as unavailable", async () => {
    const { sink, requests, sleeps } = sinkWith([500, 500, 500], { maxAttempts: 3 });
    await expect(sink.send(opened)).rejects.toMatchObject({ code: "DependencyNotReady" });
    expect(requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it("waits as long as a 429's Retry-After asks, within the cap", async () => {
    const { sink, sleeps } = sinkWith(
      [{ status: 429, headers: { "retry-after": "2" } }, { status: 429, headers: { "retry-after": "3600" } }, 200],
      { maxDelayMs: 10_000 },
    );
    await sink.send(opened);
    expect(sleeps).toEqual([2000, 10_000]);
  });

  it("sends the same delivery id on every attempt of one alert, and a new one for the next alert", async () => {
    const { sink, requests } = sinkWith([500, 200, 200]);
    await sink.send(opened);
    await sink.send(opened);
    const ids = requests.map((r) => r.headers.get("x-ecs-gitops-delivery"));
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it("never names the URL's path (it may hold a token) in its errors", async () => {
    const { sink } = sinkWith([404]);
    const error = await sink.send(opened).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).not.toContain("secret-token");
  });

  it("refuses a URL that is not http(s) at construction", () => {
    expect(() => new WebhookSink({ url: "file:///etc/passwd" })).toThrow(expect.objectContaining({ code: "InvalidConfig" }));
    expect(() => new WebhookSink({ url: "not a url" })).toThrow(expect.objectContaining({ code: "InvalidConfig" }));
  });
});

describe("WebhookSink signature", () => {
  it("signs '<timestamp>.<body>' with HMAC-SHA256 and sends the timestamp", async () => {
    const { sink, requests } = sinkWith([200], { secret: "s3cret" });
    await sink.send(opened);
    const [request] = requests;
    const timestamp = request?.headers.get("x-ecs-gitops-timestamp");
    expect(timestamp).toBe(String(NOW_MS / 1000));
    const expected = "sha256=" + createHmac("sha256", "s3cret").update(`${timestamp}.${request?.body}`).digest("hex");
    expect(request?.headers.get("x-ecs-gitops-signature-256")).toBe(expected);
    expect(request?.headers.get("content-type")).toBe("application/json");
  });

  it("sends no signature without a secret", async () => {
    const { sink, requests } = sinkWith([200]);
    await sink.send(opened);
    expect(requests[0]?.headers.has("x-ecs-gitops-signature-256")).toBe(false);
  });

  it("verifies a good signature and rejects a changed body, a changed timestamp or a stale one", () => {
    const body = '{"text":"x"}';
    const ts = String(NOW_MS / 1000);
    const signature = signWebhookBody("k", ts, body);
    expect(verifyWebhookSignature({ secret: "k", timestamp: ts, body, signature, nowMs: NOW_MS })).toBe(true);
    expect(verifyWebhookSignature({ secret: "k", timestamp: ts, body: '{"text":"y"}', signature, nowMs: NOW_MS })).toBe(false);
    expect(verifyWebhookSignature({ secret: "k", timestamp: String(NOW_MS / 1000 + 1), body, signature, nowMs: NOW_MS })).toBe(false);
    expect(verifyWebhookSignature({ secret: "k", timestamp: ts, body, signature, nowMs: NOW_MS + 301_000 })).toBe(false);
    expect(verifyWebhookSignature({ secret: "other", timestamp: ts, body, signature, nowMs: NOW_MS })).toBe(false);
  });
});

describe("parseRetryAfter", () => {
  it.each([
    ["5", 5000],
    ["Wed, 01 Jan 2025 00:00:30 GMT", 30_000],
    ["soon", undefined],
    [null, undefined],
  ])("reads %s as %s ms", (value, expected) => {
    expect(parseRetryAfter(value, NOW_MS)).toBe(expected);
  });
});
