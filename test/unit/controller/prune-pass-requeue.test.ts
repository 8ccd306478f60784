import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { AlertDispatcher } from "../../../src/alerts/dispatcher.js";
import { CallAccounting } from "../../../src/aws/index.js";
import type { AwsClients } from "../../../src/aws/index.js";
import { PrunePass } from "../../../src/controller/prune-pass.js";
import type { ReconcilerSettings } from "../../../src/controller/reconciler.js";
import type { DesiredState } from "../../../src/engine/desired-state.js";
import { StatusStore } from "../../../src/state/status.js";
import { captureLog } from "../alerts/capture-log.js";
import { manifestOf } from "../resources/builders.js";

/*
 * The prune pass ends a failed pass through the one REQUEUE table (errors.ts) like a reconcile:
 * AWS weather backs off, an unexpected failure (here its work folder is unusable) stalls as
 * Internal until the next commit instead of retrying forever.
 */

const API = manifestOf("Service", "api", { cluster: "edge", taskDefinition: "api", desiredCount: 2 });
const DESIRED: DesiredState = {
  commit: "beef",
  lastGoodCommit: "beef",
  manifests: new Map([[API.key, API]]),
  commitOf: new Map([[API.key, "beef"]]),
  problems: [],
  brokenFiles: [],
};
const SETTINGS: ReconcilerSettings = {
  owner: "ecs-gitops",
  region: "ap-southeast-2",
  defaultCluster: "edge",
  ignoreRules: [],
  mode: "sync",
  automated: true,
  selfHeal: false,
  resyncMs: 300_000,
  progressPollMs: 5_000,
};

/** Clients whose every call fails as the SDK fails it with `name`. */
function failingAws(name: string, status: number): AwsClients {
  const send = () => Promise.reject(Object.assign(new Error(`${name} from the fake`), { name, $metadata: { httpStatusCode: status } }));
  return { ecs: { send }, events: { send }, calls: new CallAccounting() } as unknown as AwsClients;
}

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function passWith(aws: AwsClients, workDir?: string) {
  const dir = await mkdtemp(path.join(tmpdir(), "prune-requeue-"));
  dirs.push(dir);
  const { log, lines } = captureLog();
  const pass = new PrunePass({
    aws,
    status: new StatusStore({ source: { url: "repo", branch: "main", path: "." } }),
    alerts: new AlertDispatcher({ sinks: [], log }),
    registry: new Registry(),
    log,
    workDir: workDir ?? dir,
    allowMassDelete: false,
    random: () => 0.5,
  });
  return { pass, lines, dir };
}

describe("prune pass requeues by the REQUEUE table", () => {
  it("a throttled inventory read backs off", async () => {
    const { pass, lines } = await passWith(failingAws("ThrottlingException", 400));
    expect(await pass.run(DESIRED, SETTINGS)).toEqual({ retry: true });
    expect(lines.find((l) => l.msg === "could not read the prune inventory")?.["code"]).toBe("Throttled");
  });

  it("an inventory read refused for permissions backs off (fixed outside git)", async () => {
    const { pass } = await passWith(failingAws("AccessDeniedException", 400));
    expect(await pass.run(DESIRED, SETTINGS)).toEqual({ retry: true });
  });

  it("an unexpected failure (the work folder is a file) stalls as Internal", async () => {
    const { dir } = await passWith(failingAws("ThrottlingException", 400));
    const file = path.join(dir, "not-a-folder");
    await writeFile(file, "x");
    const { pass, lines } = await passWith(failingAws("ThrottlingException", 400), file);
    expect(await pass.run(DESIRED, SETTINGS)).toEqual({ stalled: true });
    expect(lines.find((l) => l.msg === "prune pass failed")?.["code"]).toBe("Internal");
  });
});
