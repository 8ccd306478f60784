import { rm } from "node:fs/promises";
import { DeleteRuleCommand, PutRuleCommand } from "@aws-sdk/client-eventbridge";
import { Registry } from "prom-client";
import { afterEach, describe, expect, inject, it } from "vitest";
import { callsBetween } from "../../bench/harness.js";
import { AlertDispatcher } from "../../src/alerts/dispatcher.js";
import { destroyAwsClients, listRules } from "../../src/aws/index.js";
import { PrunePass } from "../../src/controller/prune-pass.js";
import { ReconcileSightings } from "../../src/controller/reconcile-sightings.js";
import type { DesiredState } from "../../src/engine/desired-state.js";
import { OWNER_TAG, SOURCE_TAG } from "../../src/resources/types.js";
import { StatusStore } from "../../src/state/status.js";
import { pruneSettings } from "../support/prune-settings.js";
import { captureLog } from "../unit/alerts/capture-log.js";
import { manifestOf } from "../unit/resources/builders.js";
import { tempDir } from "./controller-harness.js";
import { newAccountId } from "./moto.js";
import { motoClients } from "./moto-clients.js";

/*
 * The prune pass reuses the reconcile wave's listing of a bus (docs/prune.md#read-budget). A rule
 * in that listing can be gone by the time the pass reads its tags: here an operator deleted it by
 * hand after the wave. The pass treats it as gone (no orphan, no error) and still reports the rest.
 */

const endpoint = inject("motoEndpoint");
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe("a prune pass over a reused rule listing", () => {
  it("completes when a listed rule was deleted by hand since: the others are still reported, the gauge updated", async () => {
    const accountId = newAccountId();
    const aws = motoClients(endpoint, accountId);
    const workDir = await tempDir("prune-stale-rule");
    dirs.push(workDir);
    try {
      for (const name of ["left-behind", "deleted-by-hand", "also-left"]) {
        await aws.events.send(
          new PutRuleCommand({
            Name: name,
            ScheduleExpression: "rate(2 hours)",
            Tags: [
              { Key: OWNER_TAG, Value: "ecs-gitops" },
              { Key: SOURCE_TAG, Value: `jobs/${name}.yaml` },
            ],
          }),
        );
      }
      // The wave lists the default bus through the sightings' clients, as the reconciler's reader does.
      const sightings = new ReconcileSightings();
      expect(await listRules(sightings.clientsFor(aws), "default")).toHaveLength(3);
      await aws.events.send(new DeleteRuleCommand({ Name: "deleted-by-hand" }));

      const taskDefinition = manifestOf("TaskDefinition", "web", { family: "web", containerDefinitions: [] }, { file: "web/td.yaml" });
      const desired: DesiredState = {
        commit: "c1",
        lastGoodCommit: "c1",
        manifests: new Map([[taskDefinition.key, taskDefinition]]),
        commitOf: new Map(),
        problems: [],
        brokenFiles: [],
      };
      const { log, lines } = captureLog();
      const status = new StatusStore({ source: { url: "repo", branch: "main", path: "." } });
      const registry = new Registry();
      const pass = new PrunePass({
        aws,
        status,
        alerts: new AlertDispatcher({ sinks: [], log }),
        registry,
        log,
        workDir,
        allowMassDelete: false,
        random: () => 0.5,
        sightings,
      });
      const before = aws.calls.snapshot();
      const result = await pass.run(desired, pruneSettings({ prune: false }));
      const calls = callsBetween(before, aws.calls.snapshot());

      // The wave's listing served the pass: the deleted rule's tags were asked for and answered NotFound.
      expect(calls["events:ListRules"]).toBeUndefined();
      expect(calls["events:ListTagsForResource"]).toBe(3);
      expect(lines.filter((l) => l.level >= 40).map((l) => l.msg)).toEqual([]);
      expect(result).toEqual({ requeueAfterMs: expect.any(Number) });
      const orphans = (status.snapshot().orphans ?? []).map((o) => o.key).sort();
      expect(orphans).toEqual(["ScheduledRule/default/also-left", "ScheduledRule/default/left-behind"]);
      const gauge = await registry.getSingleMetric("ecs_gitops_orphans")!.get();
      expect(gauge.values.find((v) => v.labels["kind"] === "ScheduledRule")?.value).toBe(2);
    } finally {
      destroyAwsClients(aws);
    }
  });
});
