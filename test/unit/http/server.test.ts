import { createHmac } from "node:crypto";
import { request } from "node:http";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { ControllerHttpServer } from "../../../src/http/server.js";
import type { ControllerHttpServerOptions, PushHint, Readiness } from "../../../src/http/server.js";
import { silentLogger } from "../../../src/controller/log.js";
import { createMetrics } from "../../../src/state/metrics.js";
import { StatusStore } from "../../../src/state/status.js";
import { MALFORMED_REQUESTS, sendRaw, statusCodes } from "../../support/raw-http.js";

const SECRET = "webhook-secret-for-tests";

type Harness = { base: string; pushes: PushHint[]; server: ControllerHttpServer; setReady(value: Readiness): void };

const servers: ControllerHttpServer[] = [];

async function start(overrides: Partial<ControllerHttpServerOptions> = {}): Promise<Harness> {
  const metrics = createMetrics(new Registry(), { defaultMetrics: false });
  const store = new StatusStore({ source: { url: "https://***@git.example.com/acme/deploy.git", branch: "main", path: "." }, metrics });
  store.setCommit({ commit: "a".repeat(40) });
  store.update("Service/prod/web", { sync: "Synced", health: "Healthy" });
  let readiness: Readiness = false;
  const pushes: PushHint[] = [];
  const server = new ControllerHttpServer({
    port: 0,
    host: "127.0.0.1",
    getStatus: () => store.snapshot(),
    isReady: () => readiness,
    metrics: metrics.registry,
    webhookSecret: SECRET,
    onPush: (hint) => pushes.push(hint),
    log: silentLogger(),
    ...overrides,
  });
  servers.push(server);
  const port = await server.listen();
  return { base: `http://127.0.0.1:${port}`, pushes, server, setReady: (value) => (readiness = value) };
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function signedPush(body: string, secret = SECRET): RequestInit {
  return {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-hub-signature-256": "sha256=" + createHmac("sha256", secret).update(body).digest("hex"),
    },
    body,
  };
}

describe("ControllerHttpServer", () => {
  it("binds an ephemeral port and answers /healthz", async () => {
    const h = await start();
    expect(h.base).not.toMatch(/:0$/);
    const res = await fetch(`${h.base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ok\n");
  });

  it("answers /readyz 503 with a reason until ready, then 200", async () => {
    const h = await start();
    h.setReady({ ready: false, reason: "waiting for the first git fetch" });
    const notReady = await fetch(`${h.base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ ready: false, reason: "waiting for the first git fetch" });
    h.setReady(false);
    const plain = await fetch(`${h.base}/readyz`);
    expect(plain.status).toBe(503);
    expect(((await plain.json()) as { reason: string }).reason).toBeTruthy();
    h.setReady(true);
    expect((await fetch(`${h.base}/readyz`)).status).toBe(200);
  });

  it("serves Prometheus text with the registry's content type", async () => {
    const h = await start();
    const res = await fetch(`${h.base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('ecs_gitops_resources{kind="Service",sync="Synced",health="Healthy"} 1');
    expect(text).toContain(`ecs_gitops_current_commit_info{sha="${"a".repeat(40)}"} 1`);
  });

  it("serves the status document as JSON", async () => {
    const h = await start();
    const res = await fetch(`${h.base}/status?pretty=1`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const body = (await res.json()) as {
      commit: string;
      resources: { key: string; kind: string; name: string }[];
      source: { url: string };
    };
    expect(body.commit).toBe("a".repeat(40));
    expect(body.resources).toEqual([{ key: "Service/prod/web", kind: "Service", name: "web", sync: "Synced", health: "Healthy" }]);
    expect(body.source.url).not.toMatch(/:[^@/]+@/);
  });

  it("answers 404 for unknown paths and 405 with Allow for a wrong method", async () => {
    const h = await start();
    expect((await fetch(`${h.base}/nope`)).status).toBe(404);
    const wrong = await fetch(`${h.base}/status`, { method: "POST", body: "{}" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET, HEAD");
    const getWebhook = await fetch(`${h.base}/webhook`);
    expect(getWebhook.status).toBe(405);
    expect(getWebhook.headers.get("allow")).toBe("POST");
  });

  it("answers HEAD on a GET route without a body", async () => {
    const h = await start();
    const res = await fetch(`${h.base}/healthz`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
  });

  it("answers 500 without leaking the error when the status cannot be built", async () => {
    const h = await start({
      getStatus: () => {
        throw new Error("secret internals");
      },
    });
    const res = await fetch(`${h.base}/status`);
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain("secret internals");
  });

  it("answers every malformed request line, target, method and header with a status, never an unhandled rejection", async () => {
    const h = await start();
    const port = Number(new URL(h.base).port);
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on("unhandledRejection", onRejection);
    try {
      for (const request of MALFORMED_REQUESTS) {
        const codes = statusCodes(await sendRaw(port, request.bytes));
        // Node's parser may answer 400/431 itself or just close; whatever reaches us is a status.
        for (const code of codes) expect(code, request.name).toBeGreaterThanOrEqual(100);
        const health = await fetch(`${h.base}/healthz`);
        expect(health.status, `after ${request.name}`).toBe(200);
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(rejections).toEqual([]);
    } finally {
      process.off("unhandledRejection", onRejection);
    }
  });

  it("answers 400 to targets the URL parser refuses, in origin and absolute form", async () => {
    const h = await start();
    const port = Number(new URL(h.base).port);
    for (const target of ["http://x:99999/healthz", "http://[::1/healthz", "http://%/", "ftp://x/healthz"]) {
      expect(statusCodes(await sendRaw(port, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`)), target).toEqual([400]);
    }
    // A path that merely looks like a host is a path: not found, not a crash.
    for (const target of ["//", "//[", "//healthz"]) {
      expect(statusCodes(await sendRaw(port, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`)), target).toEqual([404]);
    }
  });

  describe("/webhook", () => {
    const push = JSON.stringify({ ref: "refs/heads/main", after: "b".repeat(40) });

    it("accepts a signed push with 202 and hands the hint on", async () => {
      const h = await start();
      const res = await fetch(`${h.base}/webhook`, signedPush(push));
      expect(res.status).toBe(202);
      expect(h.pushes).toEqual([{ provider: "github", branch: "main" }]);
    });

    it("answers a ping with 200 and does not poll", async () => {
      const h = await start();
      const body = JSON.stringify({ zen: "Design for failure." });
      const init = signedPush(body);
      const res = await fetch(`${h.base}/webhook`, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), "x-github-event": "ping" },
      });
      expect(res.status).toBe(200);
      expect(h.pushes).toEqual([]);
    });

    it("rejects a wrong signature with 401 and does not call onPush", async () => {
      const h = await start();
      const res = await fetch(`${h.base}/webhook`, signedPush(push, "guessed"));
      expect(res.status).toBe(401);
      expect(h.pushes).toEqual([]);
    });

    it("rejects an unsigned request with 401", async () => {
      const h = await start();
      const res = await fetch(`${h.base}/webhook`, { method: "POST", body: push, headers: { "x-github-event": "push" } });
      expect(res.status).toBe(401);
      expect(h.pushes).toEqual([]);
    });

    it("accepts a GitLab push", async () => {
      const h = await start();
      const res = await fetch(`${h.base}/webhook`, {
        method: "POST",
        body: push,
        headers: { "x-gitlab-token": SECRET, "x-gitlab-event": "Push Hook" },
      });
      expect(res.status).toBe(202);
      expect(h.pushes).toEqual([{ provider: "gitlab", branch: "main" }]);
    });

    it("answers 404 while no secret is configured", async () => {
      for (const webhookSecret of [undefined, ""]) {
        const h = await start({ webhookSecret });
        const res = await fetch(`${h.base}/webhook`, signedPush(push));
        expect(res.status).toBe(404);
        expect(h.pushes).toEqual([]);
      }
    });

    it("refuses a body over 1 MiB with 413 (declared length)", async () => {
      const h = await start();
      const big = JSON.stringify({ ref: "refs/heads/main", pad: "x".repeat(1024 * 1024) });
      const res = await fetch(`${h.base}/webhook`, signedPush(big));
      expect(res.status).toBe(413);
      expect(h.pushes).toEqual([]);
    });

    it("refuses a chunked body that grows over 1 MiB with 413", async () => {
      const h = await start();
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(`${h.base}/webhook`, { method: "POST", headers: { "x-signature-256": "sha256=" + "0".repeat(64) } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        const chunk = Buffer.alloc(64 * 1024, "x");
        for (let i = 0; i < 20; i++) req.write(chunk);
        req.end();
      });
      expect(status).toBe(413);
      expect(h.pushes).toEqual([]);
    });

    it("accepts a body of exactly 1 MiB", async () => {
      const h = await start();
      const prefix = '{"ref":"refs/heads/main","pad":"';
      const body = prefix + "x".repeat(1024 * 1024 - prefix.length - 2) + '"}';
      expect(Buffer.byteLength(body)).toBe(1024 * 1024);
      const res = await fetch(`${h.base}/webhook`, signedPush(body));
      expect(res.status).toBe(202);
    });
  });

  it("closes while a keep-alive connection is idle", async () => {
    const h = await start();
    await (await fetch(`${h.base}/healthz`)).text();
    await h.server.close();
    await expect(fetch(`${h.base}/healthz`)).rejects.toThrow();
  });
});
