/**
 * `npm run bench:ui`: how long the dashboard's overview takes to render 2,300 resources in
 * headless Chromium, and how big  the live stream's delta is next to the whole document.
 * Prints figures; the browser tests assert the behaviour.
 *
 * The controller's HTTP server runs in-process with the real Dashboard and the built UI
 * (dist/ui; built first when missing), over a status store filled with 2,300 resources in
 * mixed states: 700 task definitions, 1,400 services on 4 clusters, 200 scheduled rules.
 */
import { Registry } from "prom-client";
import { ensureUiBuilt, launchChromium } from "../test/e2e/browser.js";
import { silentLogger } from "../src/controller/log.js";
import { Dashboard } from "../src/http/dashboard.js";
import { ControllerHttpServer } from "../src/http/server.js";
import { createMetrics } from "../src/state/metrics.js";
import { ResourceDetails } from "../src/state/resource-details.js";
import { StatusStore } from "../src/state/status.js";
import type { ResourcePatch } from "../src/state/status.js";

const RUNS = 5;
const FRAME = "new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))";
const report = (what: string, value: string) => console.log(`${what.padEnd(72)} ${value}`);

function fill(store: StatusStore): number {
  const at = new Date(Date.now() - 3_600_000).toISOString();
  const sha = "4f1c2d3e".padEnd(40, "0");
  const states: ResourcePatch[] = [
    { sync: "Synced", health: "Healthy", lastAppliedRevision: sha, lastAppliedAt: at, message: "2/2 tasks running" },
    { sync: "OutOfSync", health: "Healthy", drift: { since: at, fields: ["/desiredCount"] }, message: "drift: /desiredCount" },
    {
      sync: "Synced",
      health: "Progressing",
      lastAppliedRevision: sha,
      lastAppliedAt: at,
      message: "rollout in progress: 1/2 tasks running",
    },
    {
      sync: "Unknown",
      health: "Degraded",
      lastError: { code: "AccessDenied", message: "not authorized to perform ecs:UpdateService", at },
    },
  ];
  let n = 0;
  for (let i = 0; i < 700; i++) n += add(store, `TaskDefinition/app-${i}`, { ...states[i % 4]!, sync: "Synced", health: "Healthy" });
  for (let i = 0; i < 1_400; i++) n += add(store, `Service/cluster-${i % 4}/app-${i}`, states[i % 4]!);
  for (let i = 0; i < 200; i++) n += add(store, `ScheduledRule/default/job-${i}`, states[i % 2]!);
  return n;
}

function meanMs(body: () => void): number {
  const started = performance.now();
  for (let i = 0; i < 10; i++) body();
  return (performance.now() - started) / 10;
}

function add(store: StatusStore, key: string, patch: ResourcePatch): number {
  store.update(key, patch);
  return 1;
}

async function main(): Promise<void> {
  await ensureUiBuilt();
  const metrics = createMetrics(new Registry(), { defaultMetrics: false });
  const store = new StatusStore({ source: { url: "https://git.example.com/acme/deploy.git", branch: "main", path: "." }, metrics });
  store.setCommit({ commit: "a".repeat(40), lastGoodCommit: "a".repeat(40) });
  const count = fill(store);
  store.setReady(true);
  const dashboard = new Dashboard({
    getStatus: () => store.snapshot(),
    getStatusVersion: () => store.version,
    details: new ResourceDetails(),
    driftOf: () => undefined,
    graph: () => ({ edges: [] }),
    token: undefined,
    log: silentLogger(),
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
  const base = `http://127.0.0.1:${await server.listen()}`;
  const browser = await launchChromium();
  try {
    const timings: number[] = [];
    const phases: number[][] = [];
    const scrolls: number[] = [];
    const lastKey = store.keys().at(-1)!;
    const consoleErrors: string[] = [];
    for (let run = 0; run < RUNS; run++) {
      // A fresh context each run: nothing cached, as a first visit.
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      page.on("console", (message) => void (message.type() === "error" && consoleErrors.push(message.text())));
      await page.addInitScript({
        content: `(() => {
          const Original = window.EventSource;
          window.EventSource = class extends Original {
            constructor(url, init) {
              super(url, init);
              super.addEventListener("snapshot", () => { window.__snapshotAt = performance.now(); });
            }
          };
        })();`,
      });
      const started = performance.now();
      await page.goto(base + "/");
      await page.locator(".shown", { hasText: `${count} of ${count}` }).waitFor({ timeout: 30_000 });
      await page.locator("table.resources tbody tr[data-key]").first().waitFor({ timeout: 30_000 });
      // One more frame: the table is laid out and painted, not only in the DOM.
      await page.evaluate(FRAME);
      timings.push(performance.now() - started);
      // In the page's clock (ms since navigation start): the script ran, the document arrived, the rows were painted.
      phases.push(
        (await page.evaluate(
          `[performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd, window.__snapshotAt, performance.now()]`,
        )) as number[],
      );
      const scrolled = performance.now();
      await page.evaluate("scrollTo(0, document.body.scrollHeight)");
      await page.locator(`tr[data-key="${lastKey}"]`).waitFor({ state: "visible", timeout: 30_000 });
      await page.evaluate(FRAME);
      scrolls.push(performance.now() - scrolled);
      await context.close();
    }
    const sorted = [...timings].sort((a, b) => a - b);
    report(
      `overview, ${count} resources: navigation → counts and first screen painted (${RUNS} runs)`,
      sorted.map((t) => `${Math.round(t)} ms`).join(", "),
    );
    report("  median", `${Math.round(sorted[Math.floor(RUNS / 2)]!)} ms`);
    for (const [i, [script, snapshot, painted]] of phases.entries())
      report(
        `  run ${i + 1}: page loaded / document received / painted (page clock)`,
        `${Math.round(script!)} / ${Math.round(snapshot!)} / ${Math.round(painted!)} ms`,
      );

    report("scroll to the last of the rows → painted", scrolls.map((t) => `${Math.round(t)} ms`).join(", "));
    report("console errors (CSP violations included)", String(consoleErrors.length));

    // The stream: whole document once, then a delta the size of what changed.
    const response = await fetch(base + "/api/events");
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n\n")) text += (await reader.read()).value ?? "";
    const snapshotBytes = Buffer.byteLength(text.slice(0, text.indexOf("\n\n")));
    text = text.slice(text.indexOf("\n\n") + 2);
    store.update("Service/cluster-1/app-1", { sync: "OutOfSync", health: "Degraded" });
    dashboard.feed.tick();
    while (!text.includes("\n\n")) text += (await reader.read()).value ?? "";
    report("stream: first event (the whole document)", `${snapshotBytes} bytes`);
    report("stream: delta after one resource changed", `${Buffer.byteLength(text.slice(0, text.indexOf("\n\n")))} bytes`);
    // What a tick costs the controller's event loop: nothing written since the last one (most
    // seconds), and one resource written (a copy and comparison of the whole document).
    const idle = meanMs(() => dashboard.feed.tick());
    let flip = 0;
    const changed = meanMs(() => {
      store.update("Service/cluster-2/app-2", { message: `tick ${flip++}` });
      dashboard.feed.tick();
    });
    report(`stream: one tick over ${count} resources, nothing changed (mean of 10)`, `${idle.toFixed(2)} ms`);
    report(`stream: one tick over ${count} resources, one changed (mean of 10)`, `${changed.toFixed(1)} ms`);
    await reader.cancel();
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
