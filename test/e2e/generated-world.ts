import path from "node:path";
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { TestContext } from "vitest";
import { ControllerProcess, createCluster, ecsFor, GitRemote, tempDir, writeLargeRepo } from "./controller-harness.js";
import type { ControllerRun } from "./controller-harness.js";
import { newAccountId } from "./moto.js";

export type GeneratedWorldOptions = {
  endpoint: string;
  /** Names the temporary folder. */
  prefix: string;
  families: number;
  servicesPerFamily?: number;
  /** What the scenario's controller runs with beyond the defaults (a 1 s poll, a 1 h resync). */
  run?: Partial<ControllerRun>;
};

export type GeneratedWorld = {
  accountId: string;
  ecs: ECSClient;
  remote: GitRemote;
  run: ControllerRun;
  /** Each generated service and the family it uses. */
  services: Map<string, string>;
  /** Starts an `ecs-gitops run` child on the world (again: a restart on the same work folder). */
  start(): Promise<ControllerProcess>;
};

/**
 * One scenario on a generated repository: its own moto account with cluster `shop`, a bare git
 * remote holding `families` families (writeLargeRepo), and the run of a controller following it.
 * No controller runs until `start`; a failed test prints the log tail of every one started.
 */
export async function generatedWorld(context: TestContext, options: GeneratedWorldOptions): Promise<GeneratedWorld> {
  const accountId = newAccountId();
  const ecs = ecsFor(options.endpoint, accountId);
  await createCluster(ecs);
  const root = await tempDir(options.prefix);
  const content = path.join(root, "content");
  const services = await writeLargeRepo(content, options.families, options.servicesPerFamily);
  const remote = await GitRemote.create(root, content);
  const run: ControllerRun = {
    repo: remote.url,
    endpoint: options.endpoint,
    accountId,
    workDir: path.join(root, "controller"),
    interval: "1s",
    resync: "1h",
    ...options.run,
  };
  const started: ControllerProcess[] = [];
  context.onTestFailed(() => console.log(started.map((c) => c.tail()).join("\n---\n")));
  const start = async () => {
    const controller = await ControllerProcess.start(run);
    started.push(controller);
    return controller;
  };
  return { accountId, ecs, remote, run, services, start };
}
