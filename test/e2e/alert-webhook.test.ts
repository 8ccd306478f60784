import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { AlertDispatcher } from "../../src/alerts/dispatcher.js";
import type { SlackMessage } from "../../src/alerts/slack-format.js";
import type { AlertEvent, AlertSink } from "../../src/alerts/types.js";
import { WebhookSink } from "../../src/alerts/webhook-sink.js";
import { captureLog } from "../unit/alerts/capture-log.js";

const SECRET = "e2e-webhook-secret";

const opened: AlertEvent = {
  type: "drift.opened",
  key: "Service/prod/web",
  kind: "Service",
  name: "web",
  arn: "arn:aws:ecs:eu-west-1:123456789012:service/prod/web",
  commit: "0123456789abcdef0123456789abcdef01234567",
  fields: [{ path: "/desiredCount", desired: 3, live: 5 }],
  firstSeen: "2025-01-01T00:00:00.000Z",
  at: "2025-01-01T00:00:00.000Z",
  action: "healing",
};

type Received = { headers: IncomingHttpHeaders; body: string; atMs: number };
/** What the receiver does with the n-th request (0-based): answer with a status, or never answer. */
type Behaviour = (n: number) => number | "hang";

const servers: Server[] = [];

async function startReceiver(behaviour: Behaviour): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const n = received.length;
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), atMs: performance.now() });
      const answer = behaviour(n);
      if (answer === "hang") return;
      res.writeHead(answer, { "content-type": "text/plain" }).end(answer < 300 ? "ok" : "nope");
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/alerts`, received };
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** What a receiver does, written independently of the code under test. */
function verify(headers: IncomingHttpHeaders, body: string, secret: string): boolean {
  const timestamp = String(headers["x-ecs-gitops-timestamp"]);
  const signature = String(headers["x-ecs-gitops-signature-256"]);
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = Buffer.from("sha256=" + createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex"));
  return expected.length === signature.length && timingSafeEqual(expected, Buffer.from(signature));
}

describe("alert webhook against a real HTTP receiver", () => {
  it("delivers Slack-compatible JSON that the receiver can verify with the shared secret", async () => {
    const receiver = await startReceiver(() => 200);
    await new WebhookSink({ url: receiver.url, secret: SECRET }).send(opened);

    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    if (request === undefined) throw new Error("no request");
    expect(request.headers["content-type"]).toBe("application/json");
    expect(verify(request.headers, request.body, SECRET)).toBe(true);
    expect(verify(request.headers, request.body, "wrong-secret")).toBe(false);
    expect(verify(request.headers, request.body.replace("healing", "reported"), SECRET)).toBe(false);
    const message = JSON.parse(request.body) as SlackMessage;
    expect(message.text).toContain("Drift detected: Service/prod/web");
    expect(message.blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: "Drift detected: Service/prod/web" } });
    expect(JSON.stringify(message.blocks)).toContain("/desiredCount: 5 → 3");
  });

  it("delivers once after the receiver answered 500 twice, backing off in between", async () => {
    const receiver = await startReceiver((n) => (n < 2 ? 500 : 200));
    const sleeps: number[] = [];
    const sink = new WebhookSink({ url: receiver.url, secret: SECRET, baseDelayMs: 100, sleep: async (ms) => void sleeps.push(ms) });

    await sink.send(opened);

    expect(receiver.received).toHaveLength(3);
    expect(sleeps).toEqual([100, 200]);
    const deliveries = new Set(receiver.received.map((r) => r.headers["x-ecs-gitops-delivery"]));
    expect(deliveries.size).toBe(1); // one alert, so a receiver can dedupe retries
    expect(receiver.received.every((r) => verify(r.headers, r.body, SECRET))).toBe(true);
  });

  it("gives up on a receiver that never answers after its timeout, while emit never waited for it", async () => {
    const receiver = await startReceiver(() => "hang");
    const { log, lines } = captureLog();
    const timeoutMs = 200;
    const webhook = new WebhookSink({ url: receiver.url, secret: SECRET, timeoutMs, maxAttempts: 2, sleep: async () => undefined });
    const seenAtMs: number[] = [];
    const recording: AlertSink = { name: "recording", send: async () => void seenAtMs.push(performance.now()) };
    const dispatcher = new AlertDispatcher({ sinks: [webhook, recording], log });

    const startMs = performance.now();
    const returned = dispatcher.emit(opened);
    const emitMs = performance.now() - startMs;

    expect(returned).toBeUndefined();
    expect(receiver.received).toHaveLength(0); // emit returned before the first byte was sent
    expect(emitMs).toBeLessThan(timeoutMs / 2);

    expect(await dispatcher.flush(5_000)).toBe(true);
    const doneMs = performance.now() - startMs;

    expect(receiver.received).toHaveLength(2);
    expect(doneMs).toBeGreaterThanOrEqual(2 * timeoutMs - 20);
    expect(doneMs).toBeLessThan(3_000);
    // The other sink was not held back by the hung one.
    expect((seenAtMs[0] ?? Infinity) - startMs).toBeLessThan(timeoutMs);
    expect(lines.find((l) => l.msg === "alert delivery failed")).toMatchObject({
      sink: "webhook",
      code: "DependencyNotReady",
      key: "Service/prod/web",
    });
  });

  it("does not retry a receiver that rejects the alert with 403", async () => {
    const receiver = await startReceiver(() => 403);
    const sink = new WebhookSink({ url: receiver.url, secret: SECRET, sleep: async () => undefined });
    await expect(sink.send(opened)).rejects.toMatchObject({ code: "InvalidRequest" });
    expect(receiver.received).toHaveLength(1);
  });
});
