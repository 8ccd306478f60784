import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { EXIT_STANDBY } from "../../src/cli/status-leases.js";
import type { StatusDocument } from "../../src/state/status.js";
import { ControllerProcess, GitRemote, killAllControllers, metricSum, tempDir, waitFor } from "./controller-harness.js";
import { MOTO_CREDENTIALS, MOTO_REGION, newAccountId } from "./moto.js";

/*
 * A rolling deploy of the controller that changes --shards, with real processes on moto's
 * DynamoDB: the new replica sees the layout the table records, holds nothing, and says so on
 * /readyz, /status, /metrics and to `ecs-gitops status`.
 */

const endpoint = inject("motoEndpoint");
const LEASE = "3s";

describe("replicas with another shard layout than the table's", () => {
  let scratch: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    scratch = await tempDir("ha-layout");
  });
  afterAll(async () => {
    await killAllControllers();
    process.env = saved;
    await rm(scratch, { recursive: true, force: true });
  });

  it("the new replica takes no shard, is not ready and says why; the old keeps its shard, and leaving does not hand it over", async () => {
    const accountId = newAccountId();
    const content = path.join(scratch, "content");
    await mkdir(content, { recursive: true });
    await writeFile(path.join(content, "ecs-gitops.yaml"), "region: us-east-1\n");
    const remote = await GitRemote.create(path.join(scratch, "repo"), content);
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
      ECS_GITOPS_TEST_ACCOUNT_ID: accountId,
    });
    const quiet = { out: () => undefined, err: () => undefined };
    expect(await runCli(["lease-table", "create", "layout-leases", "--endpoint-url", endpoint, "--region", MOTO_REGION], quiet)).toBe(0);

    const start = (id: string, shards: number) =>
      ControllerProcess.start({
        repo: remote.url,
        endpoint,
        accountId,
        workDir: path.join(scratch, `work-${id}`),
        interval: "1s",
        resync: "30s",
        extraArgs: ["--lease-table", "layout-leases", "--lease-duration", LEASE, "--replica-id", id, "--shards", String(shards)],
        startTimeoutMs: 90_000,
      });
    const old = await start("old", 1);
    await old.waitForLog("old's lease", (l) => l.msg === "shard lease acquired", 30_000);
    const fresh = await start("new", 4);
    const said = await fresh.waitForLog("the layout error", (l) => l.level === 50 && /is not the one recorded/.test(l.msg), 30_000);
    expect(said.msg).toMatch(/\(shards=4 shard-by=cluster\) is not the one recorded in lease table layout-leases \(shards=1\)/);

    const readyz = await fetch(fresh.url("/readyz"));
    expect(readyz.status).toBe(503);
    expect(((await readyz.json()) as { reason: string }).reason).toMatch(/takes no shard/);
    const status = await fresh.getJson<StatusDocument>("/status");
    expect(status.leases?.layoutMismatch).toMatch(/shards=4/);
    expect(status.leases?.shards.filter((s) => s.held)).toEqual([]);
    expect(metricSum(await fresh.metrics(), "ecs_gitops_lease_shards_held")).toBe(0);
    await waitFor("old ready", () => old.isReady(), { timeoutMs: 60_000 });
    expect(metricSum(await old.metrics(), "ecs_gitops_lease_shards_held")).toBe(1);
    expect(await runCli(["status", "--url", fresh.url("")], quiet)).toBe(EXIT_STANDBY);

    // The old replica leaves (the end of the rolling deploy): the row still records its layout,
    // so the new one still takes nothing until the layout is changed as docs/ha.md says.
    await old.signal("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(metricSum(await fresh.metrics(), "ecs_gitops_lease_shards_held")).toBe(0);
    expect(fresh.logs.filter((l) => l.msg === "shard lease acquired")).toEqual([]);
  }, 240_000);
});
