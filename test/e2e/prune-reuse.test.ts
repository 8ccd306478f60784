import { rm } from "node:fs/promises";
import { CreateServiceCommand, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { DeleteRuleCommand, PutRuleCommand } from "@aws-sdk/client-eventbridge";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { clusterOf, familyName } from "../../bench/fleet.js";
import type { FleetScale } from "../../bench/fleet.js";
import { callsBetween, WaveHarness } from "../../bench/harness.js";
import { pruneInventoryBudget } from "../../bench/prune-budget.js";
import { destroyAwsClients } from "../../src/aws/index.js";
import type { AwsClients } from "../../src/aws/index.js";
import { ReconcileSightings } from "../../src/controller/reconcile-sightings.js";
import { LiveReader } from "../../src/engine/live-state.js";
import { InventoryReader } from "../../src/engine/prune/inventory.js";
import type { InventoryReuse } from "../../src/engine/prune/inventory.js";
import { planPrune } from "../../src/engine/prune/plan.js";
import { scopeOf } from "../../src/engine/prune/scope.js";
import type { Manifest } from "../../src/manifests/types.js";
import { loadDesiredState } from "../../src/resources/load.js";
import { FAMILY_RELIST_PASSES } from "../../src/resources/task-definition/prune.js";
import { OWNER_TAG, SOURCE_TAG } from "../../src/resources/types.js";
import { ecsFor } from "./controller-harness.js";
import { fleetAccount } from "./fleet-account.js";
import { motoClients } from "./moto-clients.js";
import { MOTO_CREDENTIALS, MOTO_REGION } from "./moto.js";

const endpoint = inject("motoEndpoint");
process.env["AWS_ACCESS_KEY_ID"] ??= MOTO_CREDENTIALS.accessKeyId;
process.env["AWS_SECRET_ACCESS_KEY"] ??= MOTO_CREDENTIALS.secretAccessKey;
const SCALE: FleetScale = { services: 12, families: 12, rules: 2, clusters: 1 };

/**
 * What the controller's prune pass reuses between ticks (docs/prune.md#read-budget), against
 * moto_server: the reconcile's service reads and rule listings, and each family's listing until a new commit, a
 * registration of ours in it, or FAMILY_RELIST_PASSES passes; an orphan made by hand between
 * commits is still found at the next tick.
 */
describe("prune inventory reuse between ticks", () => {
  let dir: string;
  let aws: AwsClients;
  let harness: WaveHarness;
  let manifests: Manifest[];
  let accountId: string;

  beforeAll(async () => {
    ({ accountId, dir } = await fleetAccount(endpoint, SCALE, "prune-reuse"));
    aws = motoClients(endpoint, accountId);
    harness = new WaveHarness({ aws, region: MOTO_REGION });
    const loaded = await harness.load(dir, "commit-1");
    expect((await harness.sync(loaded.keys)).failed).toEqual([]);
    manifests = (await loadDesiredState(dir)).manifests;
  });

  afterAll(async () => {
    await harness?.stop();
    if (aws) destroyAwsClients(aws);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function pass(reader: InventoryReader, reuse: InventoryReuse) {
    const before = aws.calls.snapshot();
    const inventory = await reader.read(scopeOf(manifests, undefined), new Set(manifests.map((m) => m.key)), () => 10, reuse);
    const plan = planPrune(inventory, manifests, {
      owner: "ecs-gitops",
      enabled: false,
      maxDeletes: 5,
      revisionHistoryLimit: 10,
      allowMassDelete: false,
    });
    return { calls: callsBetween(before, aws.calls.snapshot()), orphans: plan.orphans.map((o) => o.key) };
  }

  /** The reconcile's reads of one tick, as the controller hands them to the pass (its services and its listing of each bus). */
  async function wave(): Promise<Omit<InventoryReuse, "newCommit">> {
    const sightings = new ReconcileSightings();
    const snapshot = await new LiveReader(sightings.clientsFor(aws)).snapshot(manifests, { defaultCluster: undefined });
    return { seen: (key) => snapshot.services.get(key) ?? undefined, rulesListed: (bus) => sightings.rulesListed(bus, 60_000) };
  }

  it("lists the families at a new commit, after our registration in one, and every FAMILY_RELIST_PASSES passes", async () => {
    const seen = await wave();
    const reader = new InventoryReader(aws);
    expect(await pass(reader, { ...seen, newCommit: true })).toEqual({ calls: pruneInventoryBudget(SCALE, "newCommit"), orphans: [] });
    for (let i = 1; i < FAMILY_RELIST_PASSES; i += 1)
      expect(await pass(reader, { ...seen, newCommit: false })).toEqual({ calls: pruneInventoryBudget(SCALE, "tick"), orphans: [] });
    expect(await pass(reader, { ...seen, newCommit: false })).toEqual({ calls: pruneInventoryBudget(SCALE, "newCommit"), orphans: [] });

    // The reconcile registered in one family: only that family is listed again.
    reader.written({ operation: "ecs:RegisterTaskDefinition", input: { family: familyName(3) } });
    const tick = pruneInventoryBudget(SCALE, "tick");
    expect(await pass(reader, { ...seen, newCommit: false })).toEqual({ calls: { ...tick, "ecs:ListTaskDefinitions": 1 }, orphans: [] });
    expect(await pass(reader, { ...seen, newCommit: false })).toEqual({ calls: tick, orphans: [] });
  });

  it("a rule made by hand with our tags after the wave listed its bus is missed by that tick's pass, reported at the next", async () => {
    const reader = new InventoryReader(aws);
    const tick = pruneInventoryBudget(SCALE, "tick");
    const first = await wave();
    await pass(reader, { ...first, newCommit: true });
    const name = "copied-rule-by-hand";
    await aws.events.send(
      new PutRuleCommand({
        Name: name,
        ScheduleExpression: "rate(1 day)",
        Tags: [
          { Key: OWNER_TAG, Value: "ecs-gitops" },
          { Key: SOURCE_TAG, Value: "jobs/copied.yaml" },
        ],
      }),
    );
    try {
      // The pass takes the bus's rules from the wave's listing, made before the rule was.
      expect(await pass(reader, { ...first, newCommit: false })).toEqual({ calls: tick, orphans: [] });
      // The next tick's wave lists the bus again: the rule is seen, its tags and targets read.
      expect(await pass(reader, { ...(await wave()), newCommit: false })).toEqual({
        calls: { ...tick, "events:ListTagsForResource": 1, "events:ListTargetsByRule": 1 },
        orphans: [`ScheduledRule/default/${name}`],
      });
      // Without the wave's listing (a one-shot command, a pass about to delete) the bus is listed here.
      expect((await pass(reader, { seen: first.seen, newCommit: false })).calls["events:ListRules"]).toBe(1);
    } finally {
      await aws.events.send(new DeleteRuleCommand({ Name: name }));
    }
  });

  it("a service made by hand with our tags between commits is described and reported at the next tick", async () => {
    const seen = await wave();
    const reader = new InventoryReader(aws);
    await pass(reader, { ...seen, newCommit: true });
    const ecs = ecsFor(endpoint, accountId);
    const cluster = clusterOf(SCALE, 0);
    try {
      const registered = await ecs.send(
        new RegisterTaskDefinitionCommand({ family: "by-hand", containerDefinitions: [{ name: "app", image: "nginx", memory: 128 }] }),
      );
      await ecs.send(
        new CreateServiceCommand({
          cluster,
          serviceName: "copied-by-hand",
          taskDefinition: registered.taskDefinition!.taskDefinitionArn!,
          desiredCount: 0,
          tags: [
            { key: OWNER_TAG, value: "ecs-gitops" },
            { key: SOURCE_TAG, value: "apps/copied/service.yaml" },
          ],
        }),
      );
    } finally {
      ecs.destroy();
    }
    const tick = pruneInventoryBudget(SCALE, "tick");
    expect(await pass(reader, { ...seen, newCommit: false })).toEqual({
      // …and the family it runs, looked at once (its revision is not ours: no orphan there).
      calls: { ...tick, "ecs:DescribeServices": 1, "ecs:ListTaskDefinitions": 1, "ecs:DescribeTaskDefinition": 1 },
      orphans: [`Service/${cluster}/copied-by-hand`],
    });
  });
});
