import {
  DeleteServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import type { RegisterTaskDefinitionCommandInput } from "@aws-sdk/client-ecs";
import {
  CreateEventBusCommand,
  DeleteRuleCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  UntagResourceCommand as UntagRuleCommand,
} from "@aws-sdk/client-eventbridge";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import type { CallSnapshot } from "../../src/aws/index.js";
import { editFile } from "./desired-repo.js";
import { AlertReceiver, commitAll, createWorld, eventually, MotoQueue, runController, writesBetween } from "./drift-harness.js";
import type { ControllerRun, Delivery, World } from "./drift-harness.js";
import { MOTO_CREDENTIALS } from "./moto.js";

process.env["AWS_ACCESS_KEY_ID"] ??= MOTO_CREDENTIALS.accessKeyId;
process.env["AWS_SECRET_ACCESS_KEY"] ??= MOTO_CREDENTIALS.secretAccessKey;

const endpoint = inject("motoEndpoint");

/** Resync and rollout-poll period of every controller here. */
const RESYNC_MS = 500;
/**
 * One reconcile's reads, plan and writes on a loaded 2-core machine, while other e2e files run beside (the controllers of all tests
 * here share this process and one moto_server).
 */
const RECONCILE_MS = 1_500;
/**
 * Wall-clock bound on the time between two reconciles of a key: the period with its +10 % jitter,
 * plus one reconcile. Alerting in the reconcile path would blow it: the webhook times out after
 * 5 s, and a 500 is retried for 3.5 s.
 */
const CYCLE_MS = RESYNC_MS * 1.1 + RECONCILE_MS;
/** A change can land just after the reconcile in flight read the resource: the next one sees it. */
const DETECT_MS = RECONCILE_MS + CYCLE_MS;
/** "Exactly once" is checked over at least this many resync cycles of the drifted resource. */
const CYCLES = 5;

const WORKER = "Service/shop/worker";
const WEB = "Service/shop/web";
const RULE = "ScheduledRule/default/nightly-report";
const TASK_DEFINITIONS = ["TaskDefinition/web", "TaskDefinition/worker", "TaskDefinition/nightly-report"];

type Ctx = { world: World; run: ControllerRun; receiver: AlertReceiver };

/** Writes to managed resources only: PutEvents is the EventBridge alert channel, not a change to a resource. */
function resourceWrites(before: CallSnapshot, run: ControllerRun): Record<string, number> {
  const { "events:PutEvents": _alerts, ...rest } = writesBetween(before.byOperation, run.controller.calls.snapshot().byOperation);
  return rest;
}

/**
 * Waits for the drift alert on `key` raised after the change made at `sinceMs`; returns it.
 * "Within one resync interval": the reconcile that saw it is the first to start after the change
 * (at most one, already reading when the change landed, finished in between), and the alert was
 * raised within DETECT_MS of the change.
 */
async function detected(ctx: Ctx, key: string, sinceMs: number): Promise<Delivery> {
  const delivery = await eventually(
    () => ctx.receiver.deliveries.find((d) => d.type === "drift.opened" && d.key === key && d.atMs >= sinceMs),
    4 * RESYNC_MS + 3_000,
    `drift.opened for ${key}`,
  );
  const line = ctx.run.lines.find((l) => l.msg === "drift detected" && l.key === key && l.time >= sinceMs)!;
  // `at` of an opening alert is when its reconcile started (before it read AWS).
  const startedAt = Date.parse(String(line["at"]));
  const missed = ctx.run.reconciles(key, sinceMs).filter((t) => t < startedAt).length;
  expect(missed, `${key}: reconciles that finished after the change without seeing it`).toBeLessThanOrEqual(1);
  expect(line.time - sinceMs, `${key} detected after ${line.time - sinceMs} ms`).toBeLessThanOrEqual(DETECT_MS);
  return delivery;
}

async function resolved(ctx: Ctx, key: string, sinceMs: number): Promise<Delivery> {
  return eventually(
    () => ctx.receiver.deliveries.find((d) => d.type === "drift.resolved" && d.key === key && d.atMs >= sinceMs),
    6 * RESYNC_MS + 3_000,
    `drift.resolved for ${key}`,
  );
}

/** After ≥ CYCLES more reconciles of each key: exactly one opened and one resolved alert since `sinceMs`. */
async function exactlyOnce(
  ctx: Ctx,
  keys: readonly string[],
  sinceMs: number,
  expected: { opened: number; resolved: number } = { opened: 1, resolved: 1 },
): Promise<void> {
  await Promise.all(keys.map((key) => ctx.run.cycles(key, CYCLES)));
  for (const key of keys) {
    const since = ctx.receiver.deliveries.filter((d) => d.key === key && d.atMs >= sinceMs);
    expect(since.filter((d) => d.type === "drift.opened").length, `drift.opened for ${key}`).toBe(expected.opened);
    expect(since.filter((d) => d.type === "drift.resolved").length, `drift.resolved for ${key}`).toBe(expected.resolved);
  }
}

/** A revision of `family` registered by hand (as the console's "create new revision" does), with another image. */
async function registerByHand(world: World, family: string, image: string): Promise<string> {
  const { taskDefinition } = await world.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: family }));
  if (taskDefinition === undefined) throw new Error(`no ${family}`);
  const {
    taskDefinitionArn: _arn,
    revision: _revision,
    status: _status,
    requiresAttributes: _ra,
    compatibilities: _c,
    registeredAt: _at,
    registeredBy: _by,
    ...input
  } = taskDefinition;
  const containers = (input.containerDefinitions ?? []).map((c, i) => (i === 0 ? { ...c, image } : c));
  const out = await world.ecs.send(
    new RegisterTaskDefinitionCommand({ ...(input as RegisterTaskDefinitionCommandInput), family, containerDefinitions: containers }),
  );
  return out.taskDefinition!.taskDefinitionArn!;
}

async function service(world: World, name: string) {
  const { services } = await world.ecs.send(new DescribeServicesCommand({ cluster: "shop", services: [name], include: ["TAGS"] }));
  return services![0]!;
}

async function start(options: {
  selfHeal: boolean;
  eventBus?: string;
  behaviour?: (n: number) => number | "hang";
  prepare?: (world: World) => Promise<void>;
}): Promise<Ctx & { close(): Promise<void> }> {
  const world = await createWorld(endpoint);
  await options.prepare?.(world);
  const receiver = await AlertReceiver.start(options.behaviour);
  const run = await runController(world, {
    resyncMs: RESYNC_MS,
    selfHeal: options.selfHeal,
    alertWebhook: receiver.url,
    ...(options.eventBus ? { alertEventBus: options.eventBus } : {}),
  });
  const ctx: Ctx & { close(): Promise<void> } = {
    world,
    run,
    receiver,
    close: async () => {
      await ctx.run.stop();
      await receiver.close();
      await world.close();
    },
  };
  return ctx;
}

describe.concurrent("drift against moto_server, git and a real webhook receiver", () => {
  it("self-heals service drift with the minimal calls, alerts once per episode, and backs off when it keeps coming back", async () => {
    let queue: MotoQueue | undefined;
    const ctx = await start({
      selfHeal: true,
      eventBus: "alerts",
      // The EventBridge alerts reach moto and are routed by a rule on that bus to an SQS queue we read.
      prepare: async (world) => {
        queue = await MotoQueue.create(endpoint, world.accountId, "drift-alerts");
        await world.events.send(new CreateEventBusCommand({ Name: "alerts" }));
        await world.events.send(
          new PutRuleCommand({
            Name: "to-queue",
            EventBusName: "alerts",
            EventPattern: JSON.stringify({ source: ["ecs-gitops"] }),
            State: "ENABLED",
            Description: "",
          }),
        );
        await world.events.send(
          new PutTargetsCommand({ Rule: "to-queue", EventBusName: "alerts", Targets: [{ Id: "queue", Arn: queue.arn }] }),
        );
      },
    });
    const { world, run, receiver } = ctx;
    try {
      await run.converged();
      expect(receiver.deliveries).toEqual([]);

      // 1. desiredCount 3 → 7 on worker: one UpdateService puts it back, and nothing else.
      //    web's desiredCount changes too, but ecs-gitops.yaml ignores it: no alert, no write.
      let before = run.controller.calls.snapshot();
      let t0 = Date.now();
      await world.ecs.send(new UpdateServiceCommand({ cluster: "shop", service: "worker", desiredCount: 7 }));
      await world.ecs.send(new UpdateServiceCommand({ cluster: "shop", service: "web", desiredCount: 5 }));
      const opened = await detected(ctx, WORKER, t0);
      expect(opened).toMatchObject({ action: "healing", title: "Drift detected" });
      expect(opened.text).toContain("1 field");
      expect((await resolved(ctx, WORKER, t0)).resolution).toBe("healed");
      await exactlyOnce(ctx, [WORKER], t0);
      await run.cycles(WEB, CYCLES);
      expect(resourceWrites(before, run)).toEqual({ "ecs:UpdateService": 1 });
      expect(run.writesFor(WORKER, t0)).toEqual(["ecs:UpdateService"]);
      expect(receiver.deliveries.filter((d) => d.key === WEB)).toEqual([]);
      expect((await service(world, "worker")).desiredCount).toBe(3);
      expect((await service(world, "web")).desiredCount).toBe(5);

      // The same two alerts went out as EventBridge events: PutEvents reached moto's bus, and a rule
      // on it delivered them to the queue.
      expect(run.controller.calls.calls("events:PutEvents")).toBe(2);
      const events: Awaited<ReturnType<MotoQueue["receive"]>> = [];
      await eventually(
        async () => {
          events.push(...(await queue!.receive()));
          return events.length >= 2;
        },
        3_000,
        "two events in the queue",
      );
      expect(events).toHaveLength(2);
      const detectedEvent = events.find((e) => e["detail-type"] === "ECS GitOps Drift Detected");
      expect(detectedEvent).toMatchObject({
        source: "ecs-gitops",
        resources: [world.arn.service("worker")],
        detail: {
          version: "1",
          type: "drift.opened",
          key: WORKER,
          kind: "Service",
          name: "worker",
          action: "healing",
          fields: [{ path: "/desiredCount", desired: 3, live: 7 }],
          fieldCount: 1,
        },
      });
      expect(events.find((e) => e["detail-type"] === "ECS GitOps Drift Resolved")).toMatchObject({
        detail: { type: "drift.resolved", key: WORKER, resolution: "healed", action: "healed" },
      });

      // 2. At once, on two resources: a label removed from worker (one TagResource), and web pointed
      //    at a revision registered by hand with another image, as the console's "update service"
      //    does (one UpdateService back to the managed revision; no new revision registered).
      before = run.controller.calls.snapshot();
      t0 = Date.now();
      const handmade = await registerByHand(world, "web", "nginx:hand-made");
      await world.ecs.send(new UntagResourceCommand({ resourceArn: world.arn.service("worker"), tagKeys: ["team"] }));
      await world.ecs.send(new UpdateServiceCommand({ cluster: "shop", service: "web", taskDefinition: handmade }));
      expect((await detected(ctx, WORKER, t0)).text).toContain("healing");
      expect((await detected(ctx, WEB, t0)).action).toBe("healing");
      await exactlyOnce(ctx, [WORKER, WEB], t0);
      expect(resourceWrites(before, run)).toEqual({ "ecs:UpdateService": 1, "ecs:TagResource": 1 });
      expect(run.writesFor(WORKER, t0)).toEqual(["ecs:TagResource"]);
      expect(run.writesFor(WEB, t0)).toEqual(["ecs:UpdateService"]);
      expect((await service(world, "web")).taskDefinition).toBe(world.arn.taskDefinition("web", 1));
      expect((await service(world, "worker")).tags).toEqual(expect.arrayContaining([{ key: "team", value: "shop" }]));
      for (const key of TASK_DEFINITIONS) expect(receiver.deliveries.filter((d) => d.key === key)).toEqual([]);

      // 3. worker deleted by hand: Missing is drift (git did not change), and self-heal recreates it.
      before = run.controller.calls.snapshot();
      t0 = Date.now();
      await world.ecs.send(new DeleteServiceCommand({ cluster: "shop", service: "worker", force: true }));
      expect((await detected(ctx, WORKER, t0)).action).toBe("healing");
      expect((await resolved(ctx, WORKER, t0)).resolution).toBe("healed");
      await exactlyOnce(ctx, [WORKER], t0);
      // moto ignores some CreateService fields (docs/moto.md#createservice-ignores-some-fields): one UpdateService completes them.
      expect(resourceWrites(before, run)).toEqual({ "ecs:CreateService": 1, "ecs:UpdateService": 1 });
      expect(await service(world, "worker")).toMatchObject({ status: "ACTIVE", desiredCount: 3 });

      // 4. Someone keeps scaling worker to 7: healed until the budget (3 reverts of the same drift
      //    per hour, the first was step 1) is spent, then one heal-suspended alert and no more writes.
      for (let round = 2; round <= 4; round++) {
        before = run.controller.calls.snapshot();
        t0 = Date.now();
        await world.ecs.send(new UpdateServiceCommand({ cluster: "shop", service: "worker", desiredCount: 7 }));
        const alert = await detected(ctx, WORKER, t0);
        if (round < 4) {
          expect(alert.action).toBe("healing");
          expect((await resolved(ctx, WORKER, t0)).resolution).toBe("healed");
          await run.cycles(WORKER, 2);
          expect(resourceWrites(before, run)).toEqual({ "ecs:UpdateService": 1 });
        } else {
          expect(alert).toMatchObject({ action: "heal-suspended" });
          await exactlyOnce(ctx, [WORKER], t0, { opened: 1, resolved: 0 });
          expect(resourceWrites(before, run)).toEqual({});
          expect((await service(world, "worker")).desiredCount).toBe(7);
          const status = (await run.status()).resources.find((r) => r.key === WORKER);
          expect(status).toMatchObject({ sync: "OutOfSync", drift: { fields: ["/desiredCount"] } });
          expect(status?.message).toContain("self-heal suspended");
        }
      }
    } finally {
      await ctx.close();
    }
  }, 60_000);

  it(
    "a service deleted by hand while the controller was down is drift " +
      "after a restart: reported with self-heal off, re-created with it on",
    async () => {
      const ctx = await start({ selfHeal: false });
      const { world, receiver } = ctx;
      // Every run here shares this workdir (records.json): what a restart of the same controller keeps.
      const workDir = await mkdtemp(path.join(tmpdir(), "ecs-gitops-restart-"));
      const restart = async (selfHeal: boolean, whileDown?: () => Promise<void>): Promise<ControllerRun> => {
        await ctx.run.stop();
        await whileDown?.();
        ctx.run = await runController(world, { resyncMs: RESYNC_MS, selfHeal, alertWebhook: receiver.url, workDir });
        return ctx.run;
      };
      try {
        // The run start() made has its own workdir: restart into the shared one and converge there.
        let run = await restart(false);
        await run.converged();
        expect(receiver.deliveries).toEqual([]);

        // Stopped; worker deleted by hand meanwhile; started again with self-heal off: reported, not re-created.
        let t0 = Date.now();
        run = await restart(false, async () => {
          await world.ecs.send(new DeleteServiceCommand({ cluster: "shop", service: "worker", force: true }));
          t0 = Date.now();
        });
        expect((await detected(ctx, WORKER, t0)).action).toBe("reported");
        await exactlyOnce(ctx, [WORKER], t0, { opened: 1, resolved: 0 });
        expect(run.controller.calls.snapshot().byOperation["ecs:CreateService"]).toBeUndefined();
        expect(run.writesFor(WORKER)).toEqual([]);
        const status = (await run.status()).resources.find((r) => r.key === WORKER);
        expect(status).toMatchObject({ sync: "OutOfSync" });
        expect(status?.message).toContain("deleted outside git");
        expect((await service(world, "worker")).status).not.toBe("ACTIVE");
        expect(receiver.deliveries.filter((d) => d.key !== WORKER)).toEqual([]);

        // Stopped after the drift was reported, started again with self-heal off: still drift, no second alert.
        t0 = Date.now();
        run = await restart(false);
        await run.cycles(WORKER, CYCLES);
        expect(run.controller.calls.writes()).toBe(0);
        expect((await run.status()).resources.find((r) => r.key === WORKER)?.message).toContain("deleted outside git");
        expect(receiver.deliveries.filter((d) => d.atMs >= t0)).toEqual([]);
        // What kept it from alerting again: the open episode in the worker's record, in records.json (no second store).
        const saved = JSON.parse(await readFile(path.join(workDir, "records.json"), "utf8")) as { records: { key: string }[] };
        expect(saved.records.find((r) => r.key === WORKER)).toMatchObject({ driftEpisode: { kind: "Service", name: "worker" } });
        await expect(readFile(path.join(workDir, "episodes.json"), "utf8")).rejects.toThrow(/ENOENT/);

        // Self-heal on: the heal re-creates it.
        t0 = Date.now();
        run = await restart(true);
        expect((await resolved(ctx, WORKER, t0)).resolution).toBe("healed");
        await run.cycles(WORKER, 2);
        expect(run.controller.calls.snapshot().byOperation["ecs:CreateService"]?.calls).toBe(1);
        expect(await service(world, "worker")).toMatchObject({ status: "ACTIVE", desiredCount: 3 });
      } finally {
        await ctx.close();
        await rm(workDir, { recursive: true, force: true });
      }
    },
    60_000,
  );

  it("self-heals a rule disabled, rescheduled, deleted or stripped of a label, one alert each", async () => {
    const ctx = await start({ selfHeal: true });
    const { world, run } = ctx;
    try {
      await run.converged();
      const cases: { name: string; inject: () => Promise<unknown>; heal: Record<string, number> }[] = [
        {
          name: "disabled",
          inject: () => world.events.send(new DisableRuleCommand({ Name: "nightly-report" })),
          heal: { "events:PutRule": 1 },
        },
        {
          name: "schedule changed",
          inject: () =>
            world.events.send(
              new PutRuleCommand({
                Name: "nightly-report",
                ScheduleExpression: "cron(0 4 * * ? *)",
                State: "ENABLED",
                Description: "Build the daily sales report",
              }),
            ),
          heal: { "events:PutRule": 1 },
        },
        {
          name: "deleted",
          inject: async () => {
            await world.events.send(new RemoveTargetsCommand({ Rule: "nightly-report", Ids: ["report"] }));
            await world.events.send(new DeleteRuleCommand({ Name: "nightly-report" }));
          },
          heal: { "events:PutRule": 1, "events:PutTargets": 1 },
        },
      ];
      for (const c of cases) {
        const before = run.controller.calls.snapshot();
        const t0 = Date.now();
        await c.inject();
        expect((await detected(ctx, RULE, t0)).action, c.name).toBe("healing");
        expect((await resolved(ctx, RULE, t0)).resolution, c.name).toBe("healed");
        await exactlyOnce(ctx, [RULE], t0);
        expect(resourceWrites(before, run), c.name).toEqual(c.heal);
      }
      const rule = await world.events.send(new DescribeRuleCommand({ Name: "nightly-report" }));
      expect(rule).toMatchObject({ State: "ENABLED", ScheduleExpression: "cron(0 3 * * ? *)" });

      // A label removed from the rule. Rule tags cost one ListTagsForResource per rule, so a running
      // controller re-reads them only every refresh period (API budget, live-state.ts); a controller
      // that starts reads them, and the spec-hash tag still there tells drift from a pending deploy
      // without any local state.
      await run.stop();
      await world.events.send(new UntagRuleCommand({ ResourceARN: world.arn.rule("nightly-report"), TagKeys: ["team"] }));
      const t0 = Date.now();
      const restarted = await runController(world, { resyncMs: RESYNC_MS, selfHeal: true, alertWebhook: ctx.receiver.url });
      ctx.run = restarted;
      expect((await detected(ctx, RULE, t0)).action).toBe("healing");
      expect((await resolved(ctx, RULE, t0)).resolution).toBe("healed");
      await exactlyOnce(ctx, [RULE], t0);
      expect(restarted.writesFor(RULE, t0)).toEqual(["events:TagResource"]);
      expect(restarted.controller.calls.writes()).toBe(1);
      expect(ctx.receiver.deliveries.filter((d) => d.atMs >= t0 && d.key !== RULE)).toEqual([]);
    } finally {
      await ctx.close();
    }
  }, 60_000);

  it("self-heals a rule target removed, added or edited by hand, one alert each; a service that opts out is only reported", async () => {
    const ctx = await start({
      selfHeal: true,
      // The annotation overrides the global --self-heal for this one service.
      prepare: async (world) => {
        await editFile(world.dir, "worker/service.yaml", (t) =>
          t.replace("  name: worker\n", '  name: worker\n  annotations:\n    ecs-gitops/self-heal: "false"\n'),
        );
        await commitAll(world.dir, "worker: no self-heal");
      },
    });
    const { world, run } = ctx;
    try {
      await run.converged();
      // Alongside the rule cases below: worker scaled by hand is reported, never reverted.
      const scaledAt = Date.now();
      await world.ecs.send(new UpdateServiceCommand({ cluster: "shop", service: "worker", desiredCount: 6 }));
      const { Targets } = await world.events.send(new ListTargetsByRuleCommand({ Rule: "nightly-report" }));
      const report = Targets![0]!;
      const cases: { name: string; inject: () => Promise<unknown>; heal: Record<string, number> }[] = [
        {
          name: "target removed",
          inject: () => world.events.send(new RemoveTargetsCommand({ Rule: "nightly-report", Ids: ["report"] })),
          heal: { "events:PutTargets": 1 },
        },
        {
          name: "target added",
          inject: () => world.events.send(new PutTargetsCommand({ Rule: "nightly-report", Targets: [{ ...report, Id: "extra" }] })),
          heal: { "events:RemoveTargets": 1 },
        },
        {
          name: "target edited",
          inject: () =>
            world.events.send(
              new PutTargetsCommand({
                Rule: "nightly-report",
                Targets: [{ ...report, EcsParameters: { ...report.EcsParameters!, TaskCount: 4 } }],
              }),
            ),
          heal: { "events:PutTargets": 1 },
        },
      ];
      for (const c of cases) {
        const before = run.controller.calls.snapshot();
        const t0 = Date.now();
        await c.inject();
        expect((await detected(ctx, RULE, t0)).action, c.name).toBe("healing");
        expect((await resolved(ctx, RULE, t0)).resolution, c.name).toBe("healed");
        await exactlyOnce(ctx, [RULE], t0);
        expect(resourceWrites(before, run), c.name).toEqual(c.heal);
      }
      const after = await world.events.send(new ListTargetsByRuleCommand({ Rule: "nightly-report" }));
      expect(after.Targets?.map((t) => [t.Id, t.EcsParameters?.TaskCount])).toEqual([["report", 1]]);

      expect(ctx.receiver.count("drift.opened", WORKER)).toBe(1);
      expect(ctx.receiver.find("drift.opened", WORKER)).toMatchObject({ action: "reported" });
      expect(run.writesFor(WORKER, scaledAt)).toEqual([]);
      expect((await service(world, "worker")).desiredCount).toBe(6);
      expect((await run.status()).resources.find((r) => r.key === WORKER)).toMatchObject({
        sync: "OutOfSync",
        message: "drift: /desiredCount",
      });
      // Put back by hand: resolved once, as manual.
      const fixedAt = Date.now();
      await world.ecs.send(new UpdateServiceCommand({ cluster: "shop", service: "worker", desiredCount: 3 }));
      expect((await resolved(ctx, WORKER, fixedAt)).resolution).toBe("manual");
      await run.cycles(WORKER, CYCLES);
      expect(ctx.receiver.count("drift.resolved", WORKER)).toBe(1);
      expect(ctx.receiver.count("drift.opened", WORKER)).toBe(1);
    } finally {
      await ctx.close();
    }
  }, 60_000);

  it("observe mode reports every drift once, writes nothing, and reports each end once (by hand, in git)", async () => {
    const world = await createWorld(endpoint);
    // The initial sync comes from a separate controller in sync mode.
    const syncer = await runController(world, { resyncMs: RESYNC_MS });
    await syncer.converged();
    await syncer.stop();
    const receiver = await AlertReceiver.start();
    const run = await runController(world, { resyncMs: RESYNC_MS, mode: "observe", selfHeal: true, alertWebhook: receiver.url });
    let stopped = false;
    const ctx = { world, run, receiver };
    try {
      await run.converged();
      const t0 = Date.now();
      const handmade = await registerByHand(world, "web", "nginx:hand-made");
      await world.ecs.send(new UpdateServiceCommand({ cluster: "shop", service: "worker", desiredCount: 5 }));
      await world.ecs.send(new UpdateServiceCommand({ cluster: "shop", service: "web", taskDefinition: handmade }));
      await world.events.send(new DisableRuleCommand({ Name: "nightly-report" }));
      // A revision registered by hand and used by nothing is a note, not drift.
      const unused = await registerByHand(world, "worker", "nginx:unused");

      for (const key of [WORKER, WEB, RULE]) expect((await detected(ctx, key, t0)).action).toBe("reported");
      await Promise.all([WORKER, WEB, RULE, ...TASK_DEFINITIONS].map((key) => run.cycles(key, CYCLES)));
      for (const key of [WORKER, WEB, RULE]) expect(receiver.count("drift.opened", key)).toBe(1);
      for (const key of TASK_DEFINITIONS) expect(receiver.deliveries.filter((d) => d.key === key)).toEqual([]);
      const status = await run.status();
      expect(status.resources.find((r) => r.key === WORKER)).toMatchObject({ sync: "OutOfSync", drift: { fields: ["/desiredCount"] } });
      expect(status.resources.find((r) => r.key === WEB)).toMatchObject({ sync: "OutOfSync", drift: { fields: ["/taskDefinition"] } });
      expect(status.resources.find((r) => r.key === RULE)).toMatchObject({ sync: "OutOfSync", drift: { fields: ["/state"] } });

      // Fixed by hand: the rule enabled again, web back on its revision.
      const t1 = Date.now();
      await world.events.send(new EnableRuleCommand({ Name: "nightly-report" }));
      await world.ecs.send(
        new UpdateServiceCommand({ cluster: "shop", service: "web", taskDefinition: world.arn.taskDefinition("web", 1) }),
      );
      expect((await resolved(ctx, RULE, t1)).resolution).toBe("manual");
      expect((await resolved(ctx, WEB, t1)).resolution).toBe("manual");

      // Fixed in git: the repo now says 5 replicas (and ships a new worker image). The difference left
      // is a pending deploy, which observe mode does not apply: the episode ends as "git".
      await editFile(world.dir, "worker/service.yaml", (t) => t.replace("desiredCount: 3", "desiredCount: 5"));
      await editFile(world.dir, "worker/task-definition.yaml", (t) => t.replace("shop/worker:1.4.2", "shop/worker:1.5.0"));
      await commitAll(world.dir, "worker: 5 replicas, 1.5.0");
      expect((await resolved(ctx, WORKER, t1)).resolution).toBe("git");

      await Promise.all([WORKER, WEB, RULE].map((key) => run.cycles(key, CYCLES)));
      for (const key of [WORKER, WEB, RULE]) {
        expect(receiver.count("drift.opened", key), key).toBe(1);
        expect(receiver.count("drift.resolved", key), key).toBe(1);
      }
      expect((await run.status()).resources.find((r) => r.key === WORKER)).toMatchObject({ sync: "OutOfSync" });
      // A pending deploy reads no family list (the floor: docs/deploys.md#git-revert), so a hand-made
      // revision is noted when a family's latest is read anyway: at the next start's cold read.
      // Each revision at most once, and only hand-made ones.
      expect(run.controller.calls.writes()).toBe(0);
      stopped = true;
      await run.stop();
      const again = await runController(world, { resyncMs: RESYNC_MS, mode: "observe", selfHeal: true });
      try {
        await again.cycles(WORKER, 1);
        const notes = again.lines.filter((l) => l.msg === "task definition revision registered outside git");
        expect(notes.filter((n) => n["family"] === "worker")).toEqual([expect.objectContaining({ family: "worker", arn: unused })]);
        const noted = notes.map((n) => n["arn"]);
        expect(new Set(noted).size).toBe(noted.length);
        for (const arn of noted) expect([unused, handmade]).toContain(arn);
        expect(again.controller.calls.writes()).toBe(0);
      } finally {
        await again.stop();
      }
    } finally {
      if (!stopped) await run.stop();
      await receiver.close();
      await world.close();
    }
  }, 60_000);

  it.each([
    ["never answers", () => "hang" as const],
    ["answers 500", () => 500],
  ])(
    "keeps its resync pace and heals while the alert webhook %s",
    async (_name, behaviour) => {
      const ctx = await start({ selfHeal: true, behaviour });
      const { world, run, receiver } = ctx;
      try {
        await run.converged();
        const t0 = Date.now();
        await world.ecs.send(new UpdateServiceCommand({ cluster: "shop", service: "worker", desiredCount: 7 }));
        const healedAt = await eventually(
          () => run.lines.find((l) => l.key === WORKER && l.msg === "drift reverted" && l.time >= t0)?.time,
          4 * RESYNC_MS,
          "heal",
        );
        expect(healedAt - t0).toBeLessThanOrEqual(DETECT_MS);
        await Promise.all([WORKER, WEB, RULE].map((key) => run.cycles(key, CYCLES + 1)));
        expect(receiver.requests).toBeGreaterThanOrEqual(1);
        expect(receiver.deliveries).toEqual([]);
        // Every resource kept being reconciled at its period while alerts were stuck or failing.
        for (const key of [WORKER, WEB, RULE, ...TASK_DEFINITIONS]) {
          const times = run.reconciles(key, t0);
          const gaps = times.slice(1).map((t, i) => t - times[i]!);
          expect(Math.max(...gaps), `${key} gaps ${gaps.join(",")}`).toBeLessThanOrEqual(CYCLE_MS);
        }
        expect((await service(world, "worker")).desiredCount).toBe(3);
      } finally {
        await ctx.close();
      }
    },
    60_000,
  );
});
