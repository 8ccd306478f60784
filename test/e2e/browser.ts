import { execFile } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import type { Browser, Page } from "playwright-core";

const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
export const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
export const SCREENSHOTS = path.join(REPO_ROOT, "test-results", "screenshots");
const UI_INDEX = path.join(REPO_ROOT, "dist", "ui", "index.html");

/**
 * Whether the browser suites can run. In CI a missing Chromium is a failure (`.ci/run` installs
 * it); on a developer's machine the suites are skipped with this message instead.
 */
export function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const message = `Chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
  if (process.env["CI"]) throw new Error(`${message}: the dashboard's browser tests cannot run`);
  console.warn(`skipping the dashboard browser tests: ${message}`);
  return message;
}

/** Build dist/ui when it is missing or older than a file under ui/ (a fresh clone, or UI edits since). */
export async function ensureUiBuilt(): Promise<void> {
  if (existsSync(UI_INDEX) && statSync(UI_INDEX).mtimeMs >= (await newestMtime(path.join(REPO_ROOT, "ui")))) return;
  await promisify(execFile)(
    process.execPath,
    [path.join(REPO_ROOT, "node_modules/vite/bin/vite.js"), "build", "--config", "ui/vite.config.ts"],
    {
      cwd: REPO_ROOT,
      timeout: 120_000,
    },
  );
}

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, (await stat(path.join(entry.parentPath, entry.name))).mtimeMs);
  }
  return newest;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--headless", "--no-sandbox"] });
}

/**
 * Everything a page receives from the controller: each response body, and each Server-Sent
 * Event's data (a stream's body is never complete, so the page's EventSource records them).
 */
export class ReceivedBodies {
  readonly bodies: { url: string; body: string }[] = [];
  readonly streams: string[] = [];
  #pending: Promise<unknown>[] = [];

  static async attach(page: Page): Promise<ReceivedBodies> {
    const received = new ReceivedBodies();
    // A string: the test's TypeScript has no DOM types. Runs before the page's own script.
    await page.addInitScript({
      content: `(() => {
        const seen = (window.__sse = []);
        const Original = window.EventSource;
        window.EventSource = class extends Original {
          constructor(url, init) {
            super(url, init);
            for (const type of ["snapshot", "delta"]) super.addEventListener(type, (e) => seen.push(e.data));
          }
        };
      })();`,
    });
    page.on("response", (response) => {
      if ((response.headers()["content-type"] ?? "").includes("text/event-stream")) {
        received.streams.push(response.url());
        return;
      }
      received.#pending.push(
        response.text().then(
          (body) => received.bodies.push({ url: response.url(), body }),
          () => undefined,
        ),
      );
    });
    return received;
  }

  /** All bodies and event data received so far, with where each came from. */
  async all(page: Page): Promise<{ url: string; body: string }[]> {
    await Promise.all(this.#pending);
    const events = (await page.evaluate("window.__sse ?? []")) as string[];
    return [...this.bodies, ...events.map((body) => ({ url: "/api/events", body }))];
  }
}
