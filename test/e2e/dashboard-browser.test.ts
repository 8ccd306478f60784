import { appendFile, mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { UpdateServiceCommand } from "@aws-sdk/client-ecs";
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestContext } from "vitest";
import type { StatusDocument } from "../../src/state/status.js";
import { ReceivedBodies, SCREENSHOTS, chromiumMissing, ensureUiBuilt, launchChromium } from "./browser.js";
import { ControllerProcess, GitRemote, createCluster, ecsFor, killAllControllers, tempDir, waitFor } from "./controller-harness.js";
import type { ControllerRun } from "./controller-harness.js";
import { copyExamples, editFile } from "./desired-repo.js";
import { defaultNetwork, newAccountId, startMoto } from "./moto.js";
import type { MotoServer } from "./moto.js";

// Values that must never reach the browser, masked or not: env values by name (built-in
// pattern, ecs-gitops.yaml maskPatterns), a password in a URL, the webhook secret, git credentials.
const DB_PASSWORD = "pgpass-ui-5e21";
const SENTRY_DSN = "dsn-ui-9c0f";
const URL_PASSWORD = "urlpass-ui-31d7";
const WEBHOOK_SECRET = "whsec-ui-d00d";
const GIT_PASSWORD = "gitpass-ui-6b6b";
const API_TOKEN = "api-token-ui-f00d";
const SECRETS = [DB_PASSWORD, SENTRY_DSN, URL_PASSWORD, WEBHOOK_SECRET, GIT_PASSWORD, API_TOKEN];

const skip = chromiumMissing();
let moto: MotoServer | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  if (skip) return;
  const [server] = await Promise.all([startMoto({ warmUp: "background" }), ensureUiBuilt()]);
  moto = server;
  browser = await launchChromium();
  await mkdir(SCREENSHOTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await killAllControllers();
  await moto?.warmedUp.catch(() => undefined);
  await moto?.stop();
});

type World = { ecs: ECSClient; remote: GitRemote; controller: ControllerProcess };

/** examples/ with secrets in the worker's environment, on its own moto account, followed by `ecs-gitops run`. */
async function world(context: TestContext, run: Partial<ControllerRun>): Promise<World> {
  const endpoint = moto!.endpoint;
  const accountId = newAccountId();
  const ecs = ecsFor(endpoint, accountId);
  const root = await tempDir("dashboard");
  context.onTestFinished(async () => {
    ecs.destroy();
    await rm(root, { recursive: true, force: true });
  });
  const content = path.join(root, "content");
  await rename(await copyExamples(await defaultNetwork(endpoint, accountId)), content);
  await appendFile(path.join(content, "ecs-gitops.yaml"), 'maskPatterns: ["_DSN$"]\n');
  await editFile(content, "worker/task-definition.yaml", (t) =>
    t.replace(
      "        - {name: STATSD_HOST, value: metrics}\n",
      "        - {name: STATSD_HOST, value: metrics}\n" +
        `        - {name: DB_PASSWORD, value: ${DB_PASSWORD}}\n` +
        `        - {name: SENTRY_DSN, value: ${SENTRY_DSN}}\n` +
        `        - {name: CACHE_URL, value: "redis://cache:${URL_PASSWORD}@cache:6379"}\n`,
    ),
  );
  await createCluster(ecs);
  const remote = await GitRemote.create(root, content);
  const controller = await ControllerProcess.start({
    repo: remote.url,
    endpoint,
    accountId,
    workDir: path.join(root, "controller"),
    interval: "1s",
    resync: "3s",
    webhookSecret: WEBHOOK_SECRET,
    ...run,
  });
  context.onTestFinished(() => void controller.signal("SIGKILL"));
  context.onTestFailed(() => console.log(controller.tail()));
  return { ecs, remote, controller };
}

async function ready(controller: ControllerProcess): Promise<StatusDocument> {
  await waitFor("the first sync", () => controller.isReady(), { timeoutMs: 60_000 });
  return controller.getJson<StatusDocument>("/status");
}

/** What the overview's table shows: key → [sync, health]. */
async function overviewRows(page: Page): Promise<Map<string, [string, string]>> {
  const rows = await page.$$eval("table.resources tbody tr", (trs) =>
    trs.map((tr) => [
      tr.getAttribute("data-key") ?? "",
      tr.querySelector('[data-col="sync"]')?.textContent ?? "",
      tr.querySelector('[data-col="health"]')?.textContent ?? "",
    ]),
  );
  return new Map(rows.map(([key, sync, health]) => [key!, [sync!, health!]]));
}

async function expectNoSecrets(page: Page, received: ReceivedBodies): Promise<number> {
  const bodies = await received.all(page);
  for (const { url, body } of bodies)
    for (const secret of SECRETS) expect({ url, leaked: body.includes(secret) }).toEqual({ url, leaked: false });
  return bodies.length;
}

describe.skipIf(skip !== undefined)("the dashboard in headless Chromium against a controller on moto", () => {
  it(
    "lists the resources with their states, shows a hand change as drift without reload, and a push in the history",
    { timeout: 180_000 },
    async (context) => {
      const w = await world(context, {});
      const doc = await ready(w.controller);
      const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
      context.onTestFinished(() => page.close());
      const received = await ReceivedBodies.attach(page);
      const streams: string[] = [];
      page.on("request", (request) => void (request.url().endsWith("/api/events") && streams.push(request.url())));
      const errors: string[] = [];
      page.on("console", (message) => void (message.type() === "error" && errors.push(message.text())));

      // 1. The overview: every resource of the repository with the states /status gives.
      await page.goto(w.controller.url("/"));
      const tableRows = page.locator("table.resources tbody tr");
      await waitFor("every resource in the table", async () => (await tableRows.count()) === doc.resources.length, { timeoutMs: 10_000 });
      const rows = await overviewRows(page);
      expect(new Set(rows.keys())).toEqual(new Set(doc.resources.map((r) => r.key)));
      expect([...rows.keys()]).toEqual(
        expect.arrayContaining([
          "Service/shop/web",
          "Service/shop/worker",
          "TaskDefinition/worker",
          "ScheduledRule/default/nightly-report",
        ]),
      );
      for (const r of doc.resources) expect(rows.get(r.key)).toEqual([r.sync, r.health]);
      expect(doc.resources.every((r) => r.sync === "Synced")).toBe(true);
      expect(await page.textContent(".commits")).toContain(doc.commit!.slice(0, 8));
      await page.screenshot({ path: path.join(SCREENSHOTS, "overview.png"), fullPage: true });
      // The filters: by name, then kind too; cleared again for the rest.
      await page.fill('input[aria-label="name"]', "work");
      await expect
        .poll(async () => [...(await overviewRows(page)).keys()].sort())
        .toEqual(["Service/shop/worker", "TaskDefinition/worker"]);
      await page.selectOption('select[aria-label="kind"]', "Service");
      await expect.poll(async () => [...(await overviewRows(page)).keys()]).toEqual(["Service/shop/worker"]);
      await page.selectOption('select[aria-label="kind"]', "");
      await page.fill('input[aria-label="name"]', "");
      await page.selectOption('select[aria-label="cluster"]', "default");
      await expect.poll(async () => [...(await overviewRows(page)).keys()]).toEqual(["ScheduledRule/default/nightly-report"]);
      await page.selectOption('select[aria-label="cluster"]', "");

      // 2. A hand change to the worker service: drift on its page within one resync, no reload.
      await page.click('a[href="#/resource/Service%2Fshop%2Fworker"]');
      await page.waitForSelector('main.resource[data-key="Service/shop/worker"] [data-field="last-applied"]');
      await page.evaluate("window.__notReloaded = true");
      await w.ecs.send(new UpdateServiceCommand({ cluster: "shop", service: "worker", desiredCount: 6 }));
      const handAt = performance.now();
      // When the controller itself saw it (its next look at the service), and when the page showed it.
      const seen = waitFor(
        "the controller to report the drift",
        async () =>
          (await w.controller.getJson<StatusDocument>("/status")).resources.find((r) => r.key === "Service/shop/worker")?.sync ===
            "OutOfSync" && performance.now(),
        { timeoutMs: 30_000, intervalMs: 50 },
      );
      const row = page
        .locator('table[data-table="diff"] tr[data-path="/desiredCount"]')
        .filter({ has: page.locator("td.live", { hasText: /^6$/ }) });
      await row.waitFor({ timeout: 30_000 });
      const shownAt = performance.now();
      const seenAt = await seen;
      console.log(
        `hand change → controller reports drift: ${Math.round(seenAt - handAt)} ` +
          `ms; → shown in the browser: ${Math.round(shownAt - handAt)} ms ` +
          `(${Math.round(shownAt - seenAt)} ms after /status)`,
      );
      // The page follows the stream: shown within the feed's 1 s tick (plus one fetch), not at some later poll.
      expect(shownAt - seenAt).toBeLessThan(2_500);
      expect(await row.locator("td.live").textContent()).toBe("6");
      expect(await row.locator("td.desired").textContent()).toBe("3");
      await page.waitForSelector('[data-field="sync"].state-OutOfSync');
      await page.waitForSelector('table[data-table="drift"] tr[data-path="/desiredCount"]');
      await page.screenshot({ path: path.join(SCREENSHOTS, "resource-drift.png"), fullPage: true });

      // 3. A push: the new deploy appears on the page of what it changed, still without reload.
      await page.click('a[href="#/resource/TaskDefinition%2Fworker"]');
      await page.waitForSelector('main.resource[data-key="TaskDefinition/worker"] [data-field="last-applied"]');
      await w.remote.edit("worker/task-definition.yaml", (t) => t.replace("shop/worker:1.4.2", "shop/worker:1.5.0"));
      const push = await w.remote.push("worker 1.5.0");
      await page.locator('.history [data-field="last-applied"]', { hasText: push.sha.slice(0, 8) }).waitFor({ timeout: 20_000 });
      expect(await page.evaluate("window.__notReloaded")).toBe(true);
      await page.screenshot({ path: path.join(SCREENSHOTS, "resource-deployed.png"), fullPage: true });
      // The service that runs it records the deploy in its history (docs/deploys.md#history).
      await page.click('a[href="#/resource/Service%2Fshop%2Fworker"]');
      await page.locator(".history table tbody tr", { hasText: push.sha.slice(0, 8) }).waitFor({ timeout: 20_000 });
      expect(await page.evaluate("window.__notReloaded")).toBe(true);

      // 4. The dependency view, then: one event stream for the whole visit, no secret in anything received.
      await page.click('a[href="#/graph"]');
      await page.waitForSelector('.graph a[href="#/resource/Service%2Fshop%2Fworker"]');
      await page.screenshot({ path: path.join(SCREENSHOTS, "dependencies.png"), fullPage: true });
      expect(streams).toHaveLength(1);
      const count = await expectNoSecrets(page, received);
      expect(count).toBeGreaterThan(5);
      expect(errors).toEqual([]);
    },
  );

  it("shows every value git wants (masked) in observe mode, and no secret reaches the page", { timeout: 120_000 }, async (context) => {
    const w = await world(context, { extraArgs: ["--mode", "observe"] });
    await ready(w.controller);
    const page = await browser!.newPage();
    context.onTestFinished(() => page.close());
    const received = await ReceivedBodies.attach(page);
    await page.goto(w.controller.url("/#/resource/TaskDefinition%2Fworker"));
    const plan = page.locator("pre.plan");
    await plan.waitFor();
    // The plan is a create: every field of the worker, the secret ones as (masked).
    const text = (await plan.textContent()) ?? "";
    expect(text).toContain("DB_PASSWORD");
    expect(text).toContain("SENTRY_DSN");
    expect(text).toContain("(masked)");
    expect(text).toContain("STATSD_HOST");
    await page.goto(w.controller.url("/#/"));
    await page.waitForSelector("table.resources tbody tr");
    await expectNoSecrets(page, received);
  });

  it(
    "asks for ECS_GITOPS_API_TOKEN: 401 without it, 200 with it, a login form in the browser; git credentials never shown",
    { timeout: 90_000 },
    async (context) => {
      const root = await tempDir("dashboard-token");
      context.onTestFinished(() => rm(root, { recursive: true, force: true }));
      // A remote that refuses at once: the controller serves, with the URL (and its failure) on /status.
      const controller = await ControllerProcess.start({
        repo: `https://deploy:${GIT_PASSWORD}@127.0.0.1:1/acme/deploy.git`,
        endpoint: moto!.endpoint,
        accountId: newAccountId(),
        workDir: path.join(root, "controller"),
        interval: "1s",
        resync: "1h",
        env: { ECS_GITOPS_API_TOKEN: API_TOKEN },
      });
      context.onTestFinished(() => void controller.signal("SIGKILL"));
      const status = (p: string, headers: Record<string, string> = {}) =>
        fetch(controller.url(p), { headers, signal: AbortSignal.timeout(5_000) }).then(async (r) => (await r.body?.cancel(), r.status));
      for (const p of ["/", "/status", "/api/graph", "/api/events", "/api/resources/Service%2Fshop%2Fweb"])
        expect({ p, status: await status(p) }).toEqual({ p, status: 401 });
      for (const p of ["/", "/status", "/api/graph", "/api/events"])
        expect({ p, status: await status(p, { authorization: `Bearer ${API_TOKEN}` }) }).toEqual({ p, status: 200 });
      for (const p of ["/healthz", "/metrics"]) expect(await status(p)).toBe(200);
      expect(await status("/readyz")).toBe(503);

      const page = await browser!.newPage();
      context.onTestFinished(() => page.close());
      const received = await ReceivedBodies.attach(page);
      await page.goto(controller.url("/"));
      await page.fill('input[name="token"]', "not-the-token");
      await page.click('button[type="submit"]');
      await page.waitForSelector('[role="alert"]');
      await page.fill('input[name="token"]', API_TOKEN);
      await page.click('button[type="submit"]');
      await page.waitForSelector(".commits .error");
      expect(await page.textContent(".commits")).toContain("127.0.0.1:1/acme/deploy.git");
      const cookies = await page.context().cookies();
      expect(cookies.find((c) => c.name === "ecs_gitops_session")).toMatchObject({ httpOnly: true, sameSite: "Strict" });
      await expectNoSecrets(page, received);
    },
  );
});
