import { rm } from "node:fs/promises";
import { CreateServiceCommand, ListTaskDefinitionsCommand, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { Registry } from "prom-client";
import { afterEach, describe, expect, inject, it } from "vitest";
import { AlertDispatcher } from "../../src/alerts/dispatcher.js";
import { destroyAwsClients } from "../../src/aws/index.js";
import { PrunePass } from "../../src/controller/prune-pass.js";
import { pruneSettings } from "../support/prune-settings.js";
import type { DesiredState } from "../../src/engine/desired-state.js";
import type { JsonObject } from "../../src/json.js";
import { OWNER_TAG, SOURCE_TAG } from "../../src/resources/types.js";
import { StatusStore } from "../../src/state/status.js";
import { captureLog } from "../unit/alerts/capture-log.js";
import { manifestOf } from "../unit/resources/builders.js";
import { createCluster, describeService, ecsFor, tempDir } from "./controller-harness.js";
import { newAccountId } from "./moto.js";
import { motoClients } from "./moto-clients.js";

/*
 * The controller's prune pass takes what a managed service runs from the reconcile's read of the
 * period (docs/prune.md#read-budget). That read can be stale: here the service was pointed back at
 * its first revision by hand after it. A pass that would delete reads afresh first, so the
 * revision in use is never deregistered; only those past the history limit go.
 */

const endpoint = inject("motoEndpoint");
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const SETTINGS = pruneSettings({ revisionHistoryLimit: 10 });
const OURS = (file: string) => [
  { key: OWNER_TAG, value: "ecs-gitops" },
  { key: SOURCE_TAG, value: file },
];

describe("a prune pass that would delete", () => {
  it("reads afresh what managed services run: the revision a service was rolled back to by hand stays", async () => {
    const accountId = newAccountId();
    const ecs = ecsFor(endpoint, accountId);
    const aws = motoClients(endpoint, accountId);
    const workDir = await tempDir("prune-fresh");
    dirs.push(workDir);
    try {
      await createCluster(ecs, "depot");
      const arns: string[] = [];
      for (let i = 0; i < 12; i += 1) {
        const registered = await ecs.send(
          new RegisterTaskDefinitionCommand({
            family: "web",
            containerDefinitions: [{ name: "app", image: `nginx:1.${i}`, memory: 64 }],
            tags: OURS("web/task-definition.yaml"),
          }),
        );
        arns.push(registered.taskDefinition!.taskDefinitionArn!);
      }
      await ecs.send(
        new CreateServiceCommand({
          cluster: "depot",
          serviceName: "web",
          taskDefinition: arns[0],
          desiredCount: 0,
          tags: OURS("web/service.yaml"),
        }),
      );
      // What the reconcile read before the hand rollback: the newest revision, nothing else deploying.
      const read = (await describeService(ecs, "web", "depot")) as unknown as JsonObject;
      const stale: JsonObject = { ...read, taskDefinition: arns[11]!, deployments: [] };
      const taskDefinition = manifestOf(
        "TaskDefinition",
        "web",
        { family: "web", containerDefinitions: [] },
        { file: "web/task-definition.yaml" },
      );
      const service = manifestOf("Service", "web", { cluster: "depot", taskDefinition: "web" }, { file: "web/service.yaml" });
      const desired: DesiredState = {
        commit: "c1",
        lastGoodCommit: "c1",
        manifests: new Map([taskDefinition, service].map((m) => [m.key, m])),
        commitOf: new Map(),
        problems: [],
        brokenFiles: [],
      };
      const { log } = captureLog();
      const pass = new PrunePass({
        aws,
        status: new StatusStore({ source: { url: "repo", branch: "main", path: "." } }),
        alerts: new AlertDispatcher({ sinks: [], log }),
        registry: new Registry(),
        log,
        workDir,
        allowMassDelete: false,
        sightings: {
          seen: (key) => (key === service.key ? stale : undefined),
          rulesListed: () => undefined,
          written: () => undefined,
          onWrite: () => undefined,
        },
      });
      await pass.run(desired, SETTINGS);
      const active = (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: "web", status: "ACTIVE" }))).taskDefinitionArns ?? [];
      // In use (web:1) plus the 9 newest: the limit of 10 counts the one that runs.
      expect(active.sort()).toEqual([arns[0], ...arns.slice(3)].sort());
    } finally {
      destroyAwsClients(aws);
      ecs.destroy();
    }
  });
});
