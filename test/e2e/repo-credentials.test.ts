import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { Controller } from "../../src/controller/controller.js";
import { createLogger } from "../../src/controller/log.js";
import type { StatusDocument } from "../../src/state/status.js";
import { eventually } from "./drift-harness.js";
import { MOTO_REGION } from "./moto.js";

const PASSWORD = "s3cr3t-pw-7f1c";

/**
 * The controller following a remote it cannot reach (loopback port 1, refused at once): whatever
 * form the URL takes, it is fetched as a remote (not read as a local path) and its password
 * appears in no log line, /status or /metrics.
 */
describe.concurrent("repo URLs with credentials", () => {
  it.each([
    ["an upper-case scheme", `HTTPS://deploy:${PASSWORD}@127.0.0.1:1/acme/deploy.git`],
    ["a mixed-case scheme", `Https://deploy:${PASSWORD}@127.0.0.1:1/acme/deploy.git`],
    ["git+https", `git+https://deploy:${PASSWORD}@127.0.0.1:1/acme/deploy.git`],
    ["ssh://", `ssh://deploy:${PASSWORD}@127.0.0.1:1/acme/deploy.git`],
    ["a token only", `https://${PASSWORD}@127.0.0.1:1/acme/deploy.git`],
  ])("%s is fetched as a remote and never printed", async (_form, repo) => {
    const workDir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-cred-"));
    let output = "";
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        output += chunk.toString("utf8");
        callback();
      },
    });
    const controller = new Controller({
      repo,
      branch: undefined,
      path: ".",
      intervalMs: 60_000,
      resyncMs: 60_000,
      mode: "observe",
      automated: undefined,
      selfHeal: undefined,
      port: 0,
      host: "127.0.0.1",
      owner: undefined,
      region: MOTO_REGION,
      endpoint: "http://127.0.0.1:1",
      cluster: undefined,
      workDir,
      webhookSecret: undefined,
      alertWebhook: undefined,
      alertWebhookSecret: undefined,
      alertEventBus: undefined,
      ignoreDifferences: [],
      shutdownTimeoutMs: 2_000,
      rateLimit: false,
      progressPollMs: 60_000,
      log: createLogger({ level: "debug", destination, pretty: false }),
    });
    try {
      const port = await controller.start();
      const get = async (what: string) => (await fetch(`http://127.0.0.1:${port}${what}`)).text();
      const status = await eventually(
        async () => {
          const doc = JSON.parse(await get("/status")) as StatusDocument;
          return doc.source.lastError ? doc : undefined;
        },
        20_000,
        "the first failed poll",
      );
      // Fetched with git (which failed to connect), not looked up as a local folder.
      expect(status.source.lastError?.code).toBe("SourceUnavailable");
      expect(status.source.lastError?.message).toMatch(/git|ls-remote/i);
      expect(status.source.branch).toBe("main");
      expect(status.source.url).toContain("***@127.0.0.1:1/acme/deploy.git");
      const everything = [output, JSON.stringify(status), await get("/status"), await get("/metrics")].join("\n");
      expect(everything).not.toContain(PASSWORD);
      expect(output).toContain("***@127.0.0.1:1");
    } finally {
      await controller.stop();
      await rm(workDir, { recursive: true, force: true });
    }
  });
});
