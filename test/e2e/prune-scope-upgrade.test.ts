import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { ListTaskDefinitionsCommand, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { Registry } from "prom-client";
import { afterEach, describe, expect, inject, it } from "vitest";
import { AlertDispatcher } from "../../src/alerts/dispatcher.js";
import { destroyAwsClients } from "../../src/aws/index.js";
import { PrunePass } from "../../src/controller/prune-pass.js";
import { pruneSettings } from "../support/prune-settings.js";
import type { DesiredState } from "../../src/engine/desired-state.js";
import { OWNER_TAG, SOURCE_TAG } from "../../src/resources/types.js";
import { StatusStore } from "../../src/state/status.js";
import { captureLog } from "../unit/alerts/capture-log.js";
import { createCluster, ecsFor, tempDir } from "./controller-harness.js";
import { newAccountId } from "./moto.js";
import { motoClients } from "./moto-clients.js";

/*
 * An upgrade from the first prune-scope.json format (three fixed fields): the controller's prune
 * pass, on moto, still finds a family that only the file remembers (its manifest left git and no
 * service runs it any more), deletes it, and writes the file in the new format. Without the file
 * the family is never looked at: the control.
 */

const endpoint = inject("motoEndpoint");
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const SETTINGS = pruneSettings({ defaultCluster: "depot" });
// A commit whose manifests name nothing of the family: it left git before the upgrade.
const DESIRED: DesiredState = {
  commit: "c7",
  lastGoodCommit: "c7",
  manifests: new Map(),
  commitOf: new Map(),
  problems: [],
  brokenFiles: [],
};

/** A moto account holding one revision of `family` that we registered, and a prune pass on a fresh work folder. */
async function upgraded(family: string) {
  const accountId = newAccountId();
  const ecs = ecsFor(endpoint, accountId);
  await createCluster(ecs, "depot");
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      containerDefinitions: [{ name: "app", image: "busybox", memory: 64 }],
      tags: [
        { key: OWNER_TAG, value: "ecs-gitops" },
        { key: SOURCE_TAG, value: `${family}/task-definition.yaml` },
      ],
    }),
  );
  const workDir = await tempDir("prune-scope-upgrade");
  dirs.push(workDir);
  const aws = motoClients(endpoint, accountId);
  const { log } = captureLog();
  const pass = new PrunePass({
    aws,
    status: new StatusStore({ source: { url: "repo", branch: "main", path: "." } }),
    alerts: new AlertDispatcher({ sinks: [], log }),
    registry: new Registry(),
    log,
    workDir,
    // The only resource of ours is the one to delete: the mass-delete guard would hold it.
    allowMassDelete: true,
  });
  const active = async () =>
    (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: "ACTIVE" }))).taskDefinitionArns ?? [];
  const file = path.join(workDir, "prune-scope.json");
  const close = () => {
    destroyAwsClients(aws);
    ecs.destroy();
  };
  return { pass, active, file, close };
}

describe("prune-scope.json written by an earlier version", () => {
  it("is read once on upgrade: a family only it remembers is still pruned, and the file is rewritten by kind", async () => {
    const w = await upgraded("nightly-export");
    try {
      await writeFile(w.file, JSON.stringify({ clusters: ["depot"], buses: ["default"], families: ["nightly-export"] }));
      expect(await w.active()).toHaveLength(1);
      await w.pass.run(DESIRED, SETTINGS);
      expect(await w.active()).toEqual([]);
      // Format 2, by kind; the family gone from git and from AWS is no longer looked at.
      expect(JSON.parse(await readFile(w.file, "utf8"))).toEqual({
        format: 2,
        places: { Service: ["depot"], ScheduledRule: ["default"], TaskDefinition: [] },
      });
    } finally {
      w.close();
    }
  });

  it("without it, the departed family is never looked at (the control)", async () => {
    const w = await upgraded("nightly-import");
    try {
      await w.pass.run(DESIRED, SETTINGS);
      expect(await w.active()).toHaveLength(1);
      expect(JSON.parse(await readFile(w.file, "utf8"))).toMatchObject({ format: 2, places: { TaskDefinition: [] } });
    } finally {
      w.close();
    }
  });
});
