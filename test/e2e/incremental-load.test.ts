import path from "node:path";
import { ListTaskDefinitionsCommand } from "@aws-sdk/client-ecs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ControllerProcess,
  createCluster,
  ecsFor,
  GitRemote,
  killAllControllers,
  tempDir,
  waitFor,
  writeLargeRepo,
} from "./controller-harness.js";
import { MOTO_CREDENTIALS, MOTO_REGION, newAccountId, startMoto } from "./moto.js";
import type { MotoServer } from "./moto.js";

/*
 * The controller's commit loads (docs/scale.md#incremental-commit-loads), end to end: a real
 * `ecs-gitops run` process and a real git remote. The first commit, small plain files, loads on the
 * controller's thread without a worker (docs/controller-memory.md#full-loads-on-the-controllers-thread);
 * a push that changes one small file loads incrementally, and what it changed reaches AWS.
 */

let moto: MotoServer;
const saved = { ...process.env };

beforeAll(async () => {
  moto = await startMoto();
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    AWS_REGION: MOTO_REGION,
  });
});

afterAll(async () => {
  await killAllControllers();
  await moto?.stop();
  process.env = saved;
});

describe("the controller's commit loads", () => {
  it("loads the first commit on its own thread and a one-file change incrementally, then applies it", async (context) => {
    const accountId = newAccountId();
    process.env["ECS_GITOPS_TEST_ACCOUNT_ID"] = accountId;
    const ecs = ecsFor(moto.endpoint, accountId);
    await createCluster(ecs);
    const root = await tempDir("incremental-load");
    const content = path.join(root, "content");
    await writeLargeRepo(content, 3, 1);
    const remote = await GitRemote.create(root, content);
    const controller = await ControllerProcess.start({
      repo: remote.url,
      endpoint: moto.endpoint,
      accountId,
      workDir: path.join(root, "controller"),
      interval: "1s",
      resync: "1h",
    });
    context.onTestFailed(() => console.log(controller.tail()));
    const first = await controller.waitForLog("the first commit", (l) => l.msg === "new commit: reconciling", 60_000);
    expect(first["load"]).toBe("incremental");
    const revisions = async () => (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: "app-01" }))).taskDefinitionArns ?? [];
    await waitFor("app-01 registered", async () => (await revisions()).length === 1, { timeoutMs: 60_000, intervalMs: 250 });

    await remote.edit("app-01/task-definition.yaml", (t) => t.replace(/nginx:[\w.]+/, "nginx:2.0"));
    const pushed = await remote.push("app-01 on nginx 2.0");
    const second = await controller.waitForLog(
      "the one-file commit",
      (l) => l.msg === "new commit: reconciling" && l["commit"] === pushed.sha,
      60_000,
    );
    expect(second["load"]).toBe("incremental");
    expect(second["resources"]).toBe(first["resources"]);
    await waitFor("app-01's second revision", async () => (await revisions()).length === 2, { timeoutMs: 60_000, intervalMs: 250 });
  });
});
