/**
 * `npm run bench:load`: how long `validate` takes on a pathological file, and how long the
 * controller's event loop stalls while such a commit loads. Prints figures; asserts nothing
 * (the tests assert the behaviour: /healthz answers while a pathological commit loads).
 *
 * Inputs: a 12 KB file of 1,000 bad documents (`kind: X`), a 300 KB file of 8,000 flow
 * mappings that takes the YAML parser seconds, and 300 identical 1 MiB comment files (git stores
 * one blob: a small push) against the 50 MiB per-commit cap, measured first for a clean peak RSS. The controller runs in-process against an
 * unreachable AWS endpoint: only loading is measured, not reconciling.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { runValidate } from "../src/cli/commands/validate.js";
import { loadCommitInline, loadCommitInWorker } from "../src/source/commit-load.js";
import { Controller } from "../src/controller/controller.js";
import { silentLogger } from "../src/controller/log.js";
import type { StatusDocument } from "../src/state/status.js";
import { MINIMAL_TASK_DEFINITION } from "../test/support/minimal-manifest.js";
import { incrementalStalls, maxStallMs } from "./incremental-stall.js";

const exec = promisify(execFile);
const MANY_BAD_DOCUMENTS = "---\nkind: X\n".repeat(1_000);
const SLOW_YAML = [
  "apiVersion: ecs-gitops/v1",
  "kind: TaskDefinition",
  "metadata:",
  "  name: slow",
  "spec:",
  "  junk:",
  ...Array.from({ length: 8_000 }, (_, i) => `    - {a${i}: [${i}, {b: x}], c: {d: ${i}}}`),
  "",
].join("\n");
const VALID = MINIMAL_TASK_DEFINITION;

const report = (what: string, value: string) => console.log(`${what.padEnd(76)} ${value}`);

async function repoWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-bench-load-"));
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(dir, file), text);
  const git = (...args: string[]) => exec("git", ["-C", dir, "-c", "user.name=bench", "-c", "user.email=bench@example.com", ...args]);
  await git("init", "--quiet", "-b", "main");
  await git("add", "-A");
  await git("commit", "--quiet", "-m", "pathological");
  return dir;
}

async function controllerStall(repo: string): Promise<{ stallMs: number; loadMs: number; errors: number }> {
  const workDir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-bench-load-work-"));
  const controller = new Controller({
    repo,
    branch: undefined,
    path: ".",
    intervalMs: 3_600_000,
    resyncMs: 3_600_000,
    mode: "observe",
    automated: undefined,
    selfHeal: undefined,
    port: 0,
    host: "127.0.0.1",
    owner: "bench",
    region: "us-east-1",
    endpoint: "http://127.0.0.1:9",
    cluster: undefined,
    workDir,
    webhookSecret: undefined,
    alertWebhook: undefined,
    alertWebhookSecret: undefined,
    alertEventBus: undefined,
    ignoreDifferences: [],
    shutdownTimeoutMs: 2_000,
    progressPollMs: 3_600_000,
    rateLimit: false,
    log: silentLogger(),
  });
  const started = performance.now();
  let loadMs = 0;
  let errors = 0;
  const stallMs = await maxStallMs(async () => {
    const port = await controller.start();
    for (;;) {
      const status = (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as StatusDocument;
      errors = status.manifestErrors.length;
      if (errors > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    loadMs = performance.now() - started;
  });
  await controller.stop();
  await rm(workDir, { recursive: true, force: true });
  return { stallMs, loadMs, errors };
}

async function main(): Promise<void> {
  const comment = `#${"x".repeat(1024 * 1024 - 2)}\n`;
  const heavy = await repoWith({
    "web.yaml": VALID,
    ...Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`c${String(i).padStart(3, "0")}.yaml`, comment])),
  });
  try {
    const rssBefore = process.memoryUsage().rss;
    const { errors } = await controllerStall(heavy);
    report("controller loading 300 x 1 MiB comment files: files reported over the cap", String(errors));
    report(
      "controller loading 300 x 1 MiB comment files: peak RSS growth (MiB)",
      ((process.resourceUsage().maxRSS * 1024 - rssBefore) / 2 ** 20).toFixed(0),
    );
  } finally {
    await rm(heavy, { recursive: true, force: true });
  }
  const many = await repoWith({ "many.yaml": MANY_BAD_DOCUMENTS, "web.yaml": VALID });
  const slow = await repoWith({ "slow.yaml": SLOW_YAML, "many.yaml": MANY_BAD_DOCUMENTS, "web.yaml": VALID });
  try {
    console.log(
      `[bench] pathological commits: ${MANY_BAD_DOCUMENTS.length} B of 1,000 bad documents; ${SLOW_YAML.length} B of slow YAML\n`,
    );
    let started = performance.now();
    await runValidate(path.join(many, "many.yaml"), { output: "json" }, { out: () => undefined, cwd: many });
    report("validate: 12 KB file, 1,000 bad documents (ms)", (performance.now() - started).toFixed(0));

    // The controller first: the main-thread comparison below leaves garbage whose collection
    // would show up as a stall in whatever is measured after it.
    for (const [name, repo] of [
      ["1,000 bad documents", many],
      ["slow YAML + 1,000 bad documents", slow],
    ] as const) {
      const { stallMs, loadMs } = await controllerStall(repo);
      report(`controller loading ${name}: max event-loop stall (ms)`, stallMs.toFixed(0));
      report(`controller loading ${name}: until /status shows the errors (ms)`, loadMs.toFixed(0));
    }
    started = performance.now();
    const inline = await maxStallMs(() => loadCommitInline({ root: slow, cluster: undefined }));
    report("main-thread load of the slow commit: max event-loop stall (ms)", inline.toFixed(0));
    report("main-thread load of the slow commit: wall (ms)", (performance.now() - started).toFixed(0));
    started = performance.now();
    const worker = await maxStallMs(() => loadCommitInWorker({ root: slow, cluster: undefined }));
    report("worker-thread load of the slow commit: max event-loop stall (ms)", worker.toFixed(0));
    report("worker-thread load of the slow commit: wall (ms)", (performance.now() - started).toFixed(0));
  } finally {
    await rm(many, { recursive: true, force: true });
    await rm(slow, { recursive: true, force: true });
  }
  await incrementalStalls(report);
}

await main();
