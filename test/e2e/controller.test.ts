import { renderStatus } from "../../src/cli/commands/status.js";
import { rename, rm } from "node:fs/promises";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { DescribeTaskDefinitionCommand, ListTaskDefinitionsCommand } from "@aws-sdk/client-ecs";
import type { ECSClient } from "@aws-sdk/client-ecs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestContext } from "vitest";
import type { StatusDocument } from "../../src/state/status.js";
import {
  ControllerProcess,
  GitRemote,
  createCluster,
  describeService,
  ecsFor,
  familyOf,
  githubSignature,
  inventory,
  killAllControllers,
  metricSum,
  parsePrometheus,
  postWebhook,
  serviceTaskDefinition,
  tempDir,
  waitFor,
  writeLargeRepo,
} from "./controller-harness.js";
import type { ControllerRun, Inventory, LogLine } from "./controller-harness.js";
import { copyExamples } from "./desired-repo.js";
import { MOTO_REGION, defaultNetwork, freePort, newAccountId, startMoto } from "./moto.js";
import type { MotoServer } from "./moto.js";

/**
 * This file's own moto_server rather than the run's shared one: moto 5.2.1 decides whether
 * DescribeServices returns tags through a table shared by all requests, so another file's
 * describe without `include: ["TAGS"]` could strip the tags from a controller's read here and
 * make its own services look "not owned". Scenarios still isolate themselves by account.
 */
let fileMoto: MotoServer | undefined;
beforeAll(async () => {
  fileMoto = await startMoto({ warmUp: "background" });
});
afterAll(async () => {
  await killAllControllers();
  await fileMoto?.warmedUp.catch(() => undefined);
  await fileMoto?.stop();
});
const motoEndpoint = () => fileMoto!.endpoint;
const SECRET = "e2e-webhook-secret";

type World = {
  accountId: string;
  ecs: ECSClient;
  remote: GitRemote;
  controller: ControllerProcess;
  /** A generated repository's services and the family each uses. */
  services: ReadonlyMap<string, string>;
  /** Start another controller on the same repository, account and work dir (a restart). */
  start(): Promise<ControllerProcess>;
};

type WorldOptions = {
  content: "examples" | { families: number; servicesPerFamily?: number };
  interval: string;
  resync?: string;
  webhookSecret?: string;
  /** Default: this file's moto_server. */
  endpoint?: string;
  selfHeal?: boolean;
};

/**
 * One scenario's world: its own moto account with cluster `shop`, a bare remote holding the
 * desired state (examples/, or generated families and services), and `ecs-gitops run` following it.
 * Everything is torn down when the test finishes, whatever happened.
 */
async function world(context: TestContext, options: WorldOptions): Promise<World> {
  const endpoint = options.endpoint ?? motoEndpoint();
  const accountId = newAccountId();
  const ecs = ecsFor(endpoint, accountId);
  const root = await tempDir("controller-e2e");
  const content = path.join(root, "content");
  const controllers: ControllerProcess[] = [];
  let services = new Map<string, string>();
  context.onTestFinished(async () => {
    await Promise.all(controllers.map((c) => c.signal("SIGKILL")));
    ecs.destroy();
    await rm(root, { recursive: true, force: true });
  });
  context.onTestFailed(() => {
    for (const c of controllers) console.log(c.tail());
  });
  if (options.content === "examples") {
    const examples = await copyExamples(await defaultNetwork(endpoint, accountId));
    await rename(examples, content);
  } else {
    services = await writeLargeRepo(content, options.content.families, options.content.servicesPerFamily);
  }
  await createCluster(ecs);
  const remote = await GitRemote.create(root, content);
  const run: ControllerRun = {
    repo: remote.url,
    endpoint,
    accountId,
    workDir: path.join(root, "controller"),
    interval: options.interval,
    resync: options.resync ?? "1h",
    ...(options.webhookSecret === undefined ? {} : { webhookSecret: options.webhookSecret }),
    ...(options.selfHeal === true ? { extraArgs: ["--self-heal"] } : {}),
  };
  const start = async () => {
    const controller = await ControllerProcess.start(run);
    controllers.push(controller);
    return controller;
  };
  return { accountId, ecs, remote, services, controller: await start(), start };
}

const tdArn = (accountId: string, family: string, revision: number) =>
  `arn:aws:ecs:${MOTO_REGION}:${accountId}:task-definition/${family}:${revision}`;

async function ready(controller: ControllerProcess, timeoutMs = 60_000): Promise<void> {
  await waitFor("the first sync (/readyz 200)", () => controller.isReady(), { timeoutMs, intervalMs: 200 });
}

const status = (controller: ControllerProcess) => controller.getJson<StatusDocument>("/status");
const logsSince = (controller: ControllerProcess, from: number, match: (l: LogLine) => boolean) =>
  controller.logs.slice(from).filter(match);

describe.concurrent("ecs-gitops run against moto_server and a real git remote", () => {
  it("applies a pushed image change by polling", { timeout: 90_000 }, async (context) => {
    const w = await world(context, { content: "examples", interval: "1s" });
    await ready(w.controller);
    expect(await serviceTaskDefinition(w.ecs, "web")).toBe(tdArn(w.accountId, "web", 1));

    await w.remote.edit("web/task-definition.yaml", (t) => t.replace("shop/web:1.4.2", "shop/web:1.5.0"));
    const push = await w.remote.push("web 1.5.0");
    await waitFor("web to run revision 2", async () => (await serviceTaskDefinition(w.ecs, "web")) === tdArn(w.accountId, "web", 2), {
      timeoutMs: 20_000,
      intervalMs: 50,
    });
    const elapsedMs = Math.round(performance.now() - push.pushedAt);
    console.log(`push→applied polling: ${elapsedMs} ms`);

    const { taskDefinition } = await w.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: tdArn(w.accountId, "web", 2) }));
    expect(taskDefinition?.containerDefinitions?.[0]?.image).toMatch(/shop\/web:1\.5\.0$/);
    const doc = await status(w.controller);
    expect(doc.commit).toBe(push.sha);
    expect(doc.source).toMatchObject({ url: w.remote.url, branch: "main", path: "." });
    expect(doc.resources.find((r) => r.key === "Service/shop/web")?.lastAppliedRevision).toBe(push.sha);
  });

  it("applies a pushed image change at once on a signed GitHub push webhook", { timeout: 90_000 }, async (context) => {
    // A 1 h poll interval: only the webhook can make the controller look at the remote again.
    const w = await world(context, { content: "examples", interval: "1h", webhookSecret: SECRET });
    await ready(w.controller);
    expect(await serviceTaskDefinition(w.ecs, "web")).toBe(tdArn(w.accountId, "web", 1));

    await w.remote.edit("web/task-definition.yaml", (t) => t.replace("shop/web:1.4.2", "shop/web:1.6.0"));
    const push = await w.remote.push("web 1.6.0");
    expect(await postWebhook(w.controller, { secret: SECRET })).toBe(202);
    await waitFor("web to run revision 2", async () => (await serviceTaskDefinition(w.ecs, "web")) === tdArn(w.accountId, "web", 2), {
      timeoutMs: 15_000,
      intervalMs: 50,
    });
    const elapsedMs = Math.round(performance.now() - push.pushedAt);
    console.log(`push→applied webhook: ${elapsedMs} ms`);
    expect((await status(w.controller)).commit).toBe(push.sha);
  });

  it(
    "keeps the last good version of a broken file, reports it, and still applies the rest of the commit",
    { timeout: 90_000 },
    async (context) => {
      const w = await world(context, { content: "examples", interval: "1s" });
      await ready(w.controller);
      const good = (await status(w.controller)).commit;
      expect(good).toMatch(/^[0-9a-f]{40}$/);

      // 1. A YAML syntax error in web/service.yaml, and a valid change to worker/service.yaml.
      await w.remote.edit("web/service.yaml", (t) => t.replace("desiredCount: 2", "desiredCount: [2"));
      await w.remote.edit("worker/service.yaml", (t) => t.replace("desiredCount: 3", "desiredCount: 5"));
      let from = w.controller.logs.length;
      const broken = await w.remote.push("broken web service, worker to 5");
      await waitFor("worker desiredCount 5", async () => (await describeService(w.ecs, "worker"))?.desiredCount === 5, {
        timeoutMs: 20_000,
      });
      let doc = await status(w.controller);
      expect(doc.commit).toBe(broken.sha);
      expect(doc.lastGoodCommit).toBe(good);
      expect(new Set(doc.manifestErrors.map((e) => e.file))).toEqual(new Set(["web/service.yaml"]));
      expect(doc.manifestErrors[0]?.line).toBeGreaterThan(0);
      const web = await describeService(w.ecs, "web");
      expect(web).toMatchObject({ status: "ACTIVE", desiredCount: 2, taskDefinition: tdArn(w.accountId, "web", 1) });
      expect(
        logsSince(
          w.controller,
          from,
          (l) => l.msg.startsWith("manifests have errors") && JSON.stringify(l["files"]).includes("web/service.yaml"),
        ),
      ).toHaveLength(1);
      // /status and `ecs-gitops status` say that web runs the last good commit's spec, and why.
      const heldWeb = doc.resources.find((r) => r.key === "Service/shop/web");
      expect(heldWeb?.heldBack).toMatchObject({ commit: good, file: "web/service.yaml", line: doc.manifestErrors[0]?.line });
      expect(renderStatus(doc)).toMatch(
        new RegExp(
          `Service/shop/web +\\w+ \\(last good\\) .*manifest broken at web/service\\.yaml:\\d+:\\d+ ` +
            `.*runs last good commit ${good!.slice(0, 12)}`,
        ),
      );
      expect(doc.resources.find((r) => r.key === "Service/shop/worker")?.heldBack).toBeUndefined();
      expect(logsSince(w.controller, from, (l) => l.level >= 50 && l["file"] === "web/service.yaml")).not.toHaveLength(0);

      // 2. web/service.yaml fixed and web's image changed; an unknown field in worker/task-definition.yaml,
      //    which also holds back worker/service.yaml (it uses that family): worker stays as it is.
      await w.remote.edit("web/service.yaml", (t) => t.replace("desiredCount: [2", "desiredCount: 2"));
      await w.remote.edit("web/task-definition.yaml", (t) => t.replace("shop/web:1.4.2", "shop/web:1.7.0"));
      await w.remote.edit("worker/task-definition.yaml", (t) =>
        t.replace("  networkMode: bridge", "  networkMode: bridge\n  networkMod: host"),
      );
      await w.remote.edit("worker/service.yaml", (t) => t.replace("desiredCount: 5", "desiredCount: 4"));
      from = w.controller.logs.length;
      const unknownField = await w.remote.push("typo in worker task definition, web 1.7.0");
      await waitFor("web to run revision 2", async () => (await serviceTaskDefinition(w.ecs, "web")) === tdArn(w.accountId, "web", 2), {
        timeoutMs: 20_000,
      });
      doc = await status(w.controller);
      expect(doc.commit).toBe(unknownField.sha);
      expect(doc.lastGoodCommit).toBe(good);
      const typo = doc.manifestErrors.find((e) => e.file === "worker/task-definition.yaml");
      expect(typo).toMatchObject({ line: 12, message: expect.stringContaining('unknown field "networkMod"') });
      expect(new Set(doc.manifestErrors.map((e) => e.file))).toEqual(new Set(["worker/task-definition.yaml", "worker/service.yaml"]));
      // Nothing of worker moved: no new revision, the service keeps the last good commit's spec.
      const { taskDefinitionArns } = await w.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: "worker" }));
      expect(taskDefinitionArns).toEqual([tdArn(w.accountId, "worker", 1)]);
      const worker = await describeService(w.ecs, "worker");
      expect(worker).toMatchObject({ desiredCount: 5, taskDefinition: tdArn(w.accountId, "worker", 1) });
      expect(
        logsSince(
          w.controller,
          from,
          (l) => l.msg.startsWith("manifests have errors") && JSON.stringify(l["files"]).includes("worker/task-definition.yaml"),
        ),
      ).toHaveLength(1);
      expect(
        logsSince(w.controller, from, (l) => l["code"] === "UnknownField" && l["file"] === "worker/task-definition.yaml"),
      ).toHaveLength(1);
      const byKey = new Map(doc.resources.map((r) => [r.key, r]));
      expect(byKey.get("Service/shop/web")?.heldBack).toBeUndefined();
      // The commit it was last loaded from: the file did not change since.
      expect(byKey.get("TaskDefinition/worker")?.heldBack).toMatchObject({
        commit: broken.sha,
        file: "worker/task-definition.yaml",
        line: 12,
      });
      expect(byKey.get("TaskDefinition/worker")?.lastAppliedRevision).toBe(good);
      expect(byKey.get("Service/shop/worker")?.lastAppliedRevision).toBe(broken.sha);
      expect(byKey.get("Service/shop/web")?.lastAppliedRevision).toBe(unknownField.sha);
    },
  );

  it("rejects unsigned and wrongly signed webhooks with 401 and does not fetch", { timeout: 90_000 }, async (context) => {
    const w = await world(context, { content: "examples", interval: "1h", webhookSecret: SECRET });
    await ready(w.controller);
    const fetchesBefore = metricSum(await w.controller.metrics(), "ecs_gitops_git_fetches_total");
    const before = await status(w.controller);
    // Something new on the remote: any poll the webhook triggered would have to fetch it.
    await w.remote.edit("worker/service.yaml", (t) => t.replace("desiredCount: 3", "desiredCount: 6"));
    const push = await w.remote.push("worker to 6");

    const body = JSON.stringify({ ref: "refs/heads/main" });
    expect(await postWebhook(w.controller, { secret: SECRET, signature: null })).toBe(401);
    expect(await postWebhook(w.controller, { secret: "not-the-secret" })).toBe(401);
    expect(
      await postWebhook(w.controller, {
        secret: SECRET,
        body: JSON.stringify({ ref: "refs/heads/main", x: 1 }),
        signature: githubSignature(SECRET, body),
      }),
    ).toBe(401);
    expect(await postWebhook(w.controller, { secret: SECRET, signature: "sha256=zz" })).toBe(401);
    const rejected = await waitFor(
      "four rejections in the log",
      () => {
        const lines = w.controller.logs.filter((l) => l.msg === "webhook rejected");
        return lines.length >= 4 ? lines : undefined;
      },
      { timeoutMs: 5_000, intervalMs: 50 },
    );
    expect(rejected.map((l) => l["reason"])).toEqual(["missing-signature", "bad-signature", "bad-signature", "malformed-signature"]);
    expect(metricSum(await w.controller.metrics(), "ecs_gitops_git_fetches_total")).toBe(fetchesBefore);
    expect((await status(w.controller)).commit).toBe(before.commit);
    expect(w.controller.logs.filter((l) => l.msg === "webhook push" || l.msg === "source head moved")).toHaveLength(1); // the start-up one

    // The same request, correctly signed, does fetch: the assertions above could have failed.
    expect(await postWebhook(w.controller, { secret: SECRET })).toBe(202);
    await waitFor("a fetch", async () => metricSum(await w.controller.metrics(), "ecs_gitops_git_fetches_total") > fetchesBefore, {
      timeoutMs: 10_000,
    });
    await waitFor("the new commit", async () => (await status(w.controller)).commit === push.sha, { timeoutMs: 10_000 });
  });

  it("exits 0 soon after SIGTERM", { timeout: 90_000 }, async (context) => {
    const w = await world(context, { content: "examples", interval: "1s" });
    await ready(w.controller);
    const exit = await w.controller.signal("SIGTERM");
    console.log(`SIGTERM→exit: ${exit.ms} ms`);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(10_000);
    expect(w.controller.logs.find((l) => l.msg === "controller stopped")).toMatchObject({ drained: true });
  });

  it("converges after SIGKILLs in the middle of a large sync without a duplicate revision", { timeout: 120_000 }, async (context) => {
    // 20 families, 40 services. The controller paces writes below AWS's published rates (a burst,
    // then RegisterTaskDefinition 0.5/s and CreateService 2.5/s), which keeps the sync long enough
    // to be interrupted twice whether it is paced or not.
    const w = await world(context, { content: { families: 20, servicesPerFamily: 2 }, interval: "1s" });
    const writes = async (controller: ControllerProcess, operation: string) =>
      metricSum(await controller.metrics(), "ecs_gitops_aws_calls_total", { operation, type: "write", outcome: "ok" });
    const counts = (i: Inventory) => `${i.taskDefinitionArns.length} task definitions, ${i.services.size} services`;

    // 1. Killed while registering task definitions.
    await waitFor("8 registrations", async () => (await writes(w.controller, "ecs:RegisterTaskDefinition")) >= 8, {
      timeoutMs: 60_000,
      intervalMs: 10,
    });
    await w.controller.signal("SIGKILL");
    const first = await inventory(w.ecs);
    console.log(`SIGKILL 1: ${counts(first)}`);
    expect(first.taskDefinitionArns.length).toBeGreaterThanOrEqual(8);
    expect(first.services.size).toBeLessThan(w.services.size);

    // 2. Restarted, killed again while creating services.
    const second = await w.start();
    await waitFor("10 services created", async () => (await writes(second, "ecs:CreateService")) >= 10, {
      timeoutMs: 60_000,
      intervalMs: 10,
    });
    await second.signal("SIGKILL");
    const middle = await inventory(w.ecs);
    console.log(`SIGKILL 2: ${counts(middle)}`);
    expect(middle.services.size).toBeGreaterThanOrEqual(10);
    expect(middle.services.size).toBeLessThan(w.services.size);
    expect(middle.taskDefinitionArns.every((arn) => arn.endsWith(":1"))).toBe(true);

    // 3. Restarted: converges with every family at revision 1 and every service on it.
    const third = await w.start();
    const started = performance.now();
    await ready(third, 90_000);
    const end = await inventory(w.ecs);
    console.log(
      `restart→converged: ${Math.round(performance.now() - started)} ms ` +
        `(registered ${await writes(third, "ecs:RegisterTaskDefinition")}, ` +
        `created ${await writes(third, "ecs:CreateService")})`,
    );
    const families = [...new Set(w.services.values())];
    expect(end.taskDefinitionArns).toEqual(families.map((f) => tdArn(w.accountId, f, 1)).sort());
    expect(Object.fromEntries(end.services)).toEqual(
      Object.fromEntries([...w.services].map(([service, family]) => [service, tdArn(w.accountId, family, 1)])),
    );
    expect((await status(third)).resources.filter((r) => r.sync !== "Synced")).toEqual([]);
  });

  it(
    "retries through a moto_server outage mid-sync and converges on the restarted server without restarting",
    { timeout: 120_000 },
    async (context) => {
      const port = await freePort();
      let moto = await startMoto({ port });
      context.onTestFinished(() => moto.stop());
      // The restarted moto_server is empty: for the controller, everything it had created was deleted
      // behind its back. Recreating what it saw exist is self-heal (without it, that is drift to report).
      const w = await world(context, { content: { families: 10 }, interval: "1s", endpoint: moto.endpoint, selfHeal: true });
      const calls = async (labels: Record<string, string>) => metricSum(await w.controller.metrics(), "ecs_gitops_aws_calls_total", labels);

      await waitFor("3 registrations", async () => (await calls({ operation: "ecs:RegisterTaskDefinition", outcome: "ok" })) >= 3, {
        timeoutMs: 60_000,
        intervalMs: 10,
      });
      // (Not-found reads count as errors too: only the ones from here on are the outage's.)
      const errorsBefore = await calls({ outcome: "error" });
      const from = w.controller.logs.length;
      await moto.stop();
      const down = performance.now();
      // Down until the calls in flight have failed (SDK retries included) and the keys wait for their
      // backoff, so that no retry already under way can reach the new server before its cluster does.
      const retry = (l: LogLine) => l.msg === "reconcile failed, will retry" && l["code"] === "AwsUnavailable";
      await w.controller.waitForLog("a retry scheduled after AwsUnavailable", retry, 60_000, from);
      expect(await calls({ outcome: "error" })).toBeGreaterThan(errorsBefore);

      // Back on the same port, empty: the cluster is created again, the controller fills in the rest.
      // The cluster goes in first, while moto_server still loads its ECS backend: the controller's
      // next CreateService must not find it missing (ClusterNotFoundException is terminal).
      moto = await startMoto({ port, warmUp: "background" });
      await waitFor("the cluster again", () => createCluster(w.ecs).then(() => true), { timeoutMs: 10_000, intervalMs: 50 });
      console.log(`moto_server down for ${Math.round(performance.now() - down)} ms`);
      const expected = Object.fromEntries([...w.services].map(([service, family]) => [service, tdArn(w.accountId, family, 1)]));
      await waitFor(
        "every service on revision 1 of its family",
        async () => isDeepStrictEqual(Object.fromEntries((await inventory(w.ecs)).services), expected),
        {
          timeoutMs: 90_000,
          intervalMs: 500,
        },
      );
      console.log(`outage→converged: ${Math.round(performance.now() - down)} ms`);
      expect((await inventory(w.ecs)).taskDefinitionArns).toEqual(Object.values(expected).sort());
      expect(w.controller.isRunning).toBe(true);
      expect(w.controller.logs.filter((l) => l.msg === "controller started")).toHaveLength(1);
      // The outage was classified as transient and retried, never stalled.
      const failures = w.controller.logs.filter(
        (l) =>
          l.msg === "reconcile failed, will retry" ||
          l.msg === "could not read live state" ||
          l.msg.startsWith("reconcile failed, stalled"),
      );
      expect(failures.some((l) => l["code"] === "AwsUnavailable" && /ECONNREFUSED|socket hang up/.test(String(l["err"])))).toBe(true);
      expect(failures.filter((l) => l.level >= 50)).toEqual([]);
    },
  );

  it("serves /metrics as Prometheus text with reconcile and AWS call series", { timeout: 90_000 }, async (context) => {
    const w = await world(context, { content: "examples", interval: "1s" });
    await ready(w.controller);
    const response = await fetch(w.controller.url("/metrics"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const exposition = parsePrometheus(text);
    expect(exposition.samples.length).toBeGreaterThan(20);
    const families = new Set(exposition.samples.map((s) => familyOf(s.name, exposition.type)));
    expect([...families].filter((f) => !exposition.help.has(f) || !exposition.type.has(f))).toEqual([]);
    const names = new Set(exposition.samples.map((s) => s.name));
    for (const name of [
      "ecs_gitops_reconciles_total",
      "ecs_gitops_reconcile_duration_seconds_bucket",
      "ecs_gitops_aws_calls_total",
      "ecs_gitops_git_fetches_total",
      "ecs_gitops_resources",
    ]) {
      expect(names, name).toContain(name);
    }
    expect(exposition.type.get("ecs_gitops_reconcile_duration_seconds")).toBe("histogram");
    expect(metricSum(text, "ecs_gitops_reconciles_total", { kind: "Service" })).toBeGreaterThanOrEqual(2);
    expect(metricSum(text, "ecs_gitops_aws_calls_total", { operation: "ecs:RegisterTaskDefinition", type: "write", outcome: "ok" })).toBe(
      3,
    );
    expect(metricSum(text, "ecs_gitops_aws_calls_total", { operation: "ecs:CreateService", type: "write", outcome: "ok" })).toBe(2);
    expect(metricSum(text, "ecs_gitops_aws_calls_total", { type: "read" })).toBeGreaterThan(0);
  });
});
