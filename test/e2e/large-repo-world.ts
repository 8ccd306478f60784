import path from "node:path";
import { ListTaskDefinitionsCommand } from "@aws-sdk/client-ecs";
import { afterAll, beforeAll } from "vitest";
import { createCluster, ecsFor, GitRemote, killAllControllers, tempDir, writeLargeRepo } from "./controller-harness.js";
import type { ControllerRun } from "./controller-harness.js";
import { MOTO_CREDENTIALS, MOTO_REGION, newAccountId, startMoto } from "./moto.js";
import type { MotoServer } from "./moto.js";

/**
 * One moto_server for a test file's controller processes, this process's AWS settings pointed at
 * it, and every controller killed and the settings restored when the file ends. Returns the server
 * (started in beforeAll).
 */
export function motoForControllers(): () => MotoServer {
  let moto: MotoServer | undefined;
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
  return () => {
    if (moto === undefined) throw new Error("moto_server is started in beforeAll: use it inside a test");
    return moto;
  };
}

/**
 * A fresh account with a cluster, a pushed repository of `families` generated families
 * (writeLargeRepo, one service each) plus whatever `extra` writes into it, and the settings of a
 * controller that follows it (polls every second, no resync within a test).
 */
export async function largeRepoWorld(moto: MotoServer, prefix: string, families: number, extra?: (content: string) => Promise<void>) {
  const accountId = newAccountId();
  process.env["ECS_GITOPS_TEST_ACCOUNT_ID"] = accountId;
  const ecs = ecsFor(moto.endpoint, accountId);
  await createCluster(ecs);
  const root = await tempDir(prefix);
  const content = path.join(root, "content");
  await writeLargeRepo(content, families, 1);
  await extra?.(content);
  const remote = await GitRemote.create(root, content);
  const run: ControllerRun = {
    repo: remote.url,
    endpoint: moto.endpoint,
    accountId,
    workDir: path.join(root, "controller"),
    interval: "1s",
    resync: "1h",
    startTimeoutMs: 60_000,
  };
  /** The ARNs of a family's revisions in the account. */
  const revisions = async (family: string) =>
    (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family }))).taskDefinitionArns ?? [];
  return { remote, run, revisions };
}
