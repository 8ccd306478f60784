import { rm, writeFile, readFile } from "node:fs/promises";
import path from "node:path";
import type { ECSClient } from "@aws-sdk/client-ecs";
import {
  CreateServiceCommand,
  DescribeServicesCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
} from "@aws-sdk/client-ecs";
import { ListRulesCommand } from "@aws-sdk/client-eventbridge";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { destroyAwsClients } from "../../src/aws/index.js";
import { applyOnce, planOnce } from "../../src/engine/one-shot.js";
import type { OneShotOptions } from "../../src/engine/one-shot.js";
import { applyPruneOnce } from "../../src/engine/prune/one-shot.js";
import type { OneShotPruneOptions } from "../../src/engine/prune/one-shot.js";
import { editFile } from "./desired-repo.js";
import { MOTO_CREDENTIALS, MOTO_REGION } from "./moto.js";
import { examplesAccount } from "../support/examples-account.js";

process.env["AWS_ACCESS_KEY_ID"] ??= MOTO_CREDENTIALS.accessKeyId;
process.env["AWS_SECRET_ACCESS_KEY"] ??= MOTO_CREDENTIALS.secretAccessKey;

const endpoint = inject("motoEndpoint");
const OFF: OneShotPruneOptions = { enabled: false, allowMassDelete: false, maxDeletes: 5, revisionHistoryLimit: 10 };
const ON: OneShotPruneOptions = { ...OFF, enabled: true };

/** examples/ plus a second rule on the nightly-report family, applied; a hand-made service beside them. */
async function world() {
  const { accountId, ecs, events, dir } = await examplesAccount(endpoint);
  const rule = await readFile(path.join(dir, "nightly-report/scheduled-rule.yaml"), "utf8");
  await writeFile(
    path.join(dir, "nightly-report/hourly-rule.yaml"),
    rule.replace("name: nightly-report", "name: hourly-report").replace("cron(0 3 * * ? *)", "rate(1 hour)"),
  );
  const options: OneShotOptions = {
    path: dir,
    region: MOTO_REGION,
    endpoint,
    accountIdHeader: accountId,
    owner: "ecs-gitops",
    cluster: "shop",
  };
  await sync(options, OFF);
  // moto fills some service fields only after an UpdateService: the second sync converges.
  await sync(options, OFF);
  // Someone else's service in the same cluster: no owner tag.
  const foreign = await ecs.send(
    new RegisterTaskDefinitionCommand({ family: "legacy", containerDefinitions: [{ name: "app", image: "busybox", memory: 64 }] }),
  );
  await ecs.send(
    new CreateServiceCommand({
      cluster: "shop",
      serviceName: "legacy",
      taskDefinition: foreign.taskDefinition!.taskDefinitionArn!,
      desiredCount: 2,
    }),
  );
  return { ecs, events, dir, options };
}

/** plan + apply (+ prune) once; writes by operation, in the order made. */
async function sync(options: OneShotOptions, prune: OneShotPruneOptions) {
  const plan = await planOnce({ ...options, prune });
  const order: string[] = [];
  plan.calls.onCall(({ operation, kind }) => {
    if (kind === "write") order.push(operation);
  });
  try {
    expect(plan.problems.filter((p) => p.severity === "error")).toEqual([]);
    const outcomes = await applyOnce(plan);
    const pruned = await applyPruneOnce(plan.aws, plan.prune, plan.pruneContext!);
    return { plan, outcomes, pruned, order };
  } finally {
    destroyAwsClients(plan.aws);
  }
}

async function activeRevisions(ecs: ECSClient, family: string): Promise<string[]> {
  return (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: "ACTIVE" }))).taskDefinitionArns ?? [];
}

async function serviceStatus(ecs: ECSClient, name: string) {
  const found = (await ecs.send(new DescribeServicesCommand({ cluster: "shop", services: [name] }))).services?.[0];
  return { status: found?.status, desiredCount: found?.desiredCount, taskDefinition: found?.taskDefinition };
}

describe("prune on moto_server (one-shot)", () => {
  let w: Awaited<ReturnType<typeof world>>;
  beforeAll(async () => {
    w = await world();
  });

  it("reports orphans with prune off (0 writes), deletes them in order with prune on, then writes 0", async () => {
    await rm(path.join(w.dir, "worker"), { recursive: true });
    await rm(path.join(w.dir, "nightly-report/hourly-rule.yaml"));
    const off = await sync(w.options, OFF);
    expect(off.plan.prune?.orphans.map((o) => o.key).sort()).toEqual([
      "ScheduledRule/default/hourly-report",
      "Service/shop/worker",
      "TaskDefinition/worker",
    ]);
    expect(off.order).toEqual([]);
    expect(off.pruned).toEqual([]);

    const on = await sync(w.options, ON);
    expect(on.plan.prune?.blocked).toBeUndefined();
    expect(on.pruned.map((o) => [o.key, o.outcome])).toEqual([
      ["Service/shop/worker", "deleted"],
      ["ScheduledRule/default/hourly-report", "deleted"],
      ["TaskDefinition/worker", "deleted"],
    ]);
    // Services and rules first (side by side), the family they ran last.
    expect([...on.order].sort()).toEqual(
      ["ecs:DeleteService", "ecs:DeregisterTaskDefinition", "ecs:UpdateService", "events:DeleteRule", "events:RemoveTargets"].sort(),
    );
    expect(on.order.indexOf("ecs:UpdateService")).toBeLessThan(on.order.indexOf("ecs:DeleteService"));
    expect(on.order.indexOf("events:RemoveTargets")).toBeLessThan(on.order.indexOf("events:DeleteRule"));
    expect(on.order.at(-1)).toBe("ecs:DeregisterTaskDefinition");
    expect((await serviceStatus(w.ecs, "worker")).status).not.toBe("ACTIVE");
    expect(await activeRevisions(w.ecs, "worker")).toEqual([]);
    const rules = (await w.events.send(new ListRulesCommand({}))).Rules?.map((r) => r.Name);
    expect(rules).toEqual(["nightly-report"]);
    // The service nobody tagged is untouched.
    expect(await serviceStatus(w.ecs, "legacy")).toMatchObject({ status: "ACTIVE", desiredCount: 2 });
    expect(await activeRevisions(w.ecs, "legacy")).toHaveLength(1);

    const again = await sync(w.options, ON);
    expect(again.order).toEqual([]);
    expect(again.plan.prune?.orphans).toEqual([]);
  });

  it("a rename is a create and a prune, and the plan says so", async () => {
    await editFile(w.dir, "nightly-report/scheduled-rule.yaml", (t) => t.replace("name: nightly-report\n", "name: nightly-sales\n"));
    const plan = await planOnce({ ...w.options, prune: ON });
    try {
      expect(plan.actions.find((a) => a.key === "ScheduledRule/default/nightly-sales")?.type).toBe("create");
      const prune = plan.prune!;
      expect(prune.orphans.map((o) => [o.key, o.renamedTo])).toEqual([
        ["ScheduledRule/default/nightly-report", "ScheduledRule/default/nightly-sales"],
      ]);
      expect(prune.actions[0]?.notes?.join()).toContain("renamed");
    } finally {
      destroyAwsClients(plan.aws);
    }
    await editFile(w.dir, "nightly-report/scheduled-rule.yaml", (t) => t.replace("name: nightly-sales\n", "name: nightly-report\n"));
  });

  it("after 15 image changes with revisionHistoryLimit 10: at most 10 ACTIVE revisions, the running one among them", async () => {
    for (let change = 1; change <= 15; change += 1) {
      await editFile(w.dir, "web/task-definition.yaml", (t) => t.replace(/shop\/web:[\w.-]+/, `shop/web:2.0.${change}`));
      const run = await sync(w.options, ON);
      expect(run.outcomes.filter((o) => o.outcome === "failed")).toEqual([]);
      expect(run.pruned.filter((o) => o.outcome === "failed")).toEqual([]);
    }
    const revisions = await activeRevisions(w.ecs, "web");
    console.log(`web: ${revisions.length} ACTIVE revisions after 15 changes (limit 10)`);
    expect(revisions.length).toBeLessThanOrEqual(10);
    expect(revisions.length).toBeGreaterThanOrEqual(9);
    expect(revisions).toContain((await serviceStatus(w.ecs, "web")).taskDefinition);
  });

  it("a commit that would delete more than half of what we own deletes nothing, unless allowed once", async () => {
    await rm(path.join(w.dir, "web"), { recursive: true });
    await rm(path.join(w.dir, "nightly-report"), { recursive: true });
    await writeFile(path.join(w.dir, "keep.yaml"), KEEP);
    const held = await sync(w.options, ON);
    expect(held.plan.prune?.blocked?.reason).toMatch(/more than half|everything/);
    expect(held.order.filter((op) => op !== "ecs:RegisterTaskDefinition")).toEqual([]);
    expect((await serviceStatus(w.ecs, "web")).status).toBe("ACTIVE");
    const allowed = await sync(w.options, { ...ON, allowMassDelete: true });
    expect(allowed.pruned.filter((o) => o.outcome === "deleted").map((o) => o.key)).toContain("Service/shop/web");
    expect(await serviceStatus(w.ecs, "legacy")).toMatchObject({ status: "ACTIVE", desiredCount: 2 });
  });
});

const KEEP = [
  "apiVersion: ecs-gitops/v1",
  "kind: TaskDefinition",
  "metadata:",
  "  name: keep",
  "spec:",
  "  containerDefinitions:",
  "    - name: keep",
  "      image: busybox",
  "      memory: 64",
  "",
].join("\n");
