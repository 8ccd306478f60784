import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Registry } from "prom-client";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/controller/log.js";
import { bearerAuthorized } from "../../../src/http/auth.js";
import { Dashboard } from "../../../src/http/dashboard.js";
import { LiveFeed } from "../../../src/http/live-feed.js";
import { ControllerHttpServer } from "../../../src/http/server.js";
import { createMetrics } from "../../../src/state/metrics.js";
import { ResourceDetails } from "../../../src/state/resource-details.js";
import { StatusStore } from "../../../src/state/status.js";
import { sendRaw } from "../../support/raw-http.js";

const TOKEN = "dashboard-token-7f3a";
let uiDir: string;

beforeAll(async () => {
  // A stand-in build: what is under test is how files are served, not what vite makes.
  uiDir = await mkdtemp(path.join(tmpdir(), "ui-dist-"));
  await mkdir(path.join(uiDir, "assets"));
  await writeFile(path.join(uiDir, "index.html"), "<!doctype html><title>t</title>");
  await writeFile(path.join(uiDir, "assets", "index-Ab12.js"), "console.log(1)");
  await writeFile(path.join(uiDir, "assets", "index-Ab12.css"), "body{}");
  await writeFile(path.join(path.dirname(uiDir), `${path.basename(uiDir)}-outside.txt`), "outside");
});

type Harness = { base: string; store: StatusStore; dashboard: Dashboard };
const servers: ControllerHttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(token: string | undefined): Promise<Harness> {
  const metrics = createMetrics(new Registry(), { defaultMetrics: false });
  const store = new StatusStore({ source: { url: "https://git.example.com/acme/deploy.git", branch: "main", path: "." }, metrics });
  store.setCommit({ commit: "c".repeat(40) });
  store.update("Service/prod/web", { sync: "Synced", health: "Healthy" });
  store.update("Service/prod/api", { sync: "Synced", health: "Healthy" });
  const dashboard = new Dashboard({
    getStatus: () => store.snapshot(),
    getStatusVersion: () => store.version,
    details: new ResourceDetails(),
    driftOf: () => undefined,
    graph: () => ({ edges: [{ from: "TaskDefinition/web", to: "Service/prod/web" }] }),
    token,
    log: silentLogger(),
    uiDir,
    feedIntervalMs: 60_000,
  });
  const server = new ControllerHttpServer({
    port: 0,
    host: "127.0.0.1",
    getStatus: () => store.snapshot(),
    isReady: () => true,
    metrics: metrics.registry,
    onPush: () => undefined,
    log: silentLogger(),
    dashboard,
  });
  servers.push(server);
  return { base: `http://127.0.0.1:${await server.listen()}`, store, dashboard };
}

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers, redirect: "manual" });

describe("bearerAuthorized", () => {
  it.each([
    [`Bearer ${TOKEN}`, true],
    [`bearer ${TOKEN}`, true],
    [`Bearer ${TOKEN}x`, false],
    [`Bearer ${TOKEN.slice(0, -1)}`, false],
    [TOKEN, false],
    [`Basic ${TOKEN}`, false],
    ["Bearer ", false],
    [undefined, false],
  ])("%s → %s", (header, expected) => {
    expect(bearerAuthorized(header, TOKEN)).toBe(expected);
  });

  it("never accepts anything against an empty token", () => {
    expect(bearerAuthorized("Bearer ", "")).toBe(false);
    expect(bearerAuthorized("Bearer x", "")).toBe(false);
  });
});

describe("the dashboard behind ECS_GITOPS_API_TOKEN", () => {
  it("answers 401 without the token on the UI, /status and the API; probes and metrics stay open", async () => {
    const h = await start(TOKEN);
    for (const p of [
      "/",
      "/index.html",
      "/assets/index-Ab12.js",
      "/status",
      "/api/graph",
      "/api/events",
      "/api/resources/Service%2Fprod%2Fweb",
    ]) {
      const response = await get(h.base + p);
      expect({ p, status: response.status }).toEqual({ p, status: 401 });
      await response.arrayBuffer();
    }
    const page = await get(h.base + "/");
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(await page.text()).toContain('action="/login"');
    for (const p of ["/healthz", "/readyz", "/metrics"]) expect((await get(h.base + p)).status).toBe(200);
  });

  it("answers 200 with the right bearer token, 401 with a wrong one", async () => {
    const h = await start(TOKEN);
    expect((await get(h.base + "/status", { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await get(h.base + "/", { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await get(h.base + "/api/graph", { authorization: "Bearer wrong" })).status).toBe(401);
  });

  it("logs in with the form: an HttpOnly SameSite=Strict cookie that is not the token opens the UI and the API", async () => {
    const h = await start(TOKEN);
    const wrong = await fetch(h.base + "/login", { method: "POST", body: new URLSearchParams({ token: "nope" }), redirect: "manual" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    const login = await fetch(h.base + "/login", { method: "POST", body: new URLSearchParams({ token: TOKEN }), redirect: "manual" });
    expect(login.status).toBe(303);
    const cookie = login.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(";")[0]!;
    expect((await get(h.base + "/status", { cookie: session })).status).toBe(200);
    expect((await get(h.base + "/api/resources/Service%2Fprod%2Fweb", { cookie: session })).status).toBe(200);
    expect((await get(h.base + "/status", { cookie: session + "x" })).status).toBe(401);
  });

  it("has no login form without a token, and serves everything openly", async () => {
    const h = await start(undefined);
    expect((await fetch(h.base + "/login", { method: "POST", body: "token=x" })).status).toBe(404);
    expect((await get(h.base + "/status")).status).toBe(200);
    expect((await get(h.base + "/")).status).toBe(200);
  });
});

describe("static files", () => {
  it("serves index.html revalidated and hashed assets immutable, with content types and a CSP without inline code", async () => {
    const h = await start(undefined);
    const index = await get(h.base + "/");
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(index.headers.get("cache-control")).toBe("no-cache");
    const csp = index.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    const js = await get(h.base + "/assets/index-Ab12.js");
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toMatch(/immutable/);
    expect((await get(h.base + "/assets/index-Ab12.css")).headers.get("content-type")).toBe("text/css; charset=utf-8");
  });

  it("never leaves the UI folder, however the path is spelled", async () => {
    const h = await start(undefined);
    const port = new URL(h.base).port;
    const outside = `${path.basename(uiDir)}-outside.txt`;
    for (const target of [
      `/assets/../../${outside}`,
      `/assets/..%2f..%2f${outside}`,
      `/assets/%2e%2e/%2e%2e/${outside}`,
      "/assets/..",
      "/assets/.hidden",
      "/assets/",
      "/package.json",
      "/assets/index-Ab12.js%00.html",
    ]) {
      const raw = await sendRaw(Number(port), `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect({ target, ok: raw.includes("outside") || raw.startsWith("HTTP/1.1 200") }).toEqual({ target, ok: false });
    }
  });
});

describe("GET /api/resources/<key> and /api/events", () => {
  it("answers a resource's status and 404 for an unknown key", async () => {
    const h = await start(undefined);
    const ok = await get(h.base + "/api/resources/Service%2Fprod%2Fweb");
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { status: { key: string } }).status.key).toBe("Service/prod/web");
    expect((await get(h.base + "/api/resources/Service/prod/web")).status).toBe(200);
    expect((await get(h.base + "/api/resources/Service%2Fprod%2Fnope")).status).toBe(404);
  });

  it("streams the whole document once, then only the resources that changed", async () => {
    const h = await start(undefined);
    const response = await fetch(h.base + "/api/events");
    expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const events: { event: string; data: unknown }[] = [];
    let buffer = "";
    const next = async () => {
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event !== undefined && data !== undefined) return { event, data: JSON.parse(data) as unknown };
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        buffer += value;
      }
    };
    events.push(await next());
    expect(events[0]).toMatchObject({ event: "snapshot", data: { resources: [{ key: "Service/prod/api" }, { key: "Service/prod/web" }] } });
    h.store.update("Service/prod/web", { sync: "OutOfSync" });
    h.dashboard.feed.tick();
    const delta = await next();
    expect(delta).toEqual({
      event: "delta",
      data: { upsert: [expect.objectContaining({ key: "Service/prod/web", sync: "OutOfSync" })], remove: [] },
    });
    h.store.remove("Service/prod/api");
    h.store.setCommit({ commit: "d".repeat(40) });
    h.dashboard.feed.tick();
    expect(await next()).toMatchObject({
      event: "delta",
      data: { upsert: [], remove: ["Service/prod/api"], meta: { commit: "d".repeat(40) } },
    });
    await reader.cancel();
  });

  it("reads the document only when the store was written since the last tick", () => {
    const store = new StatusStore({ source: { url: "https://git.example.com/a.git", branch: "main", path: "." } });
    let reads = 0;
    const feed = new LiveFeed({ getStatus: () => (reads++, store.snapshot()), getVersion: () => store.version, log: silentLogger() });
    feed.tick();
    feed.tick();
    feed.tick();
    expect(reads).toBe(1);
    store.update("Service/prod/web", { sync: "Synced" });
    feed.tick();
    feed.tick();
    expect(reads).toBe(2);
  });

  it("ends open streams when the server closes, so a shutdown is not held by a browser", async () => {
    const h = await start(undefined);
    const response = await fetch(h.base + "/api/events");
    const reader = response.body!.getReader();
    await reader.read();
    expect(h.dashboard.feed.clients).toBe(1);
    const closed = servers.pop()!.close();
    await expect(Promise.race([closed.then(() => "closed"), new Promise((r) => setTimeout(() => r("held"), 3_000))])).resolves.toBe(
      "closed",
    );
    expect(h.dashboard.feed.clients).toBe(0);
  });
});
