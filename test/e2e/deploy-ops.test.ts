import { readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { CreateServiceCommand, DescribeServicesCommand, ListTaskDefinitionsCommand } from "@aws-sdk/client-ecs";
import type { ECSClient } from "@aws-sdk/client-ecs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createAwsClients, destroyAwsClients } from "../../src/aws/index.js";
import { readOwnedResource, restartResource } from "../../src/engine/service-ops.js";
import { FaultProxy } from "./fault-proxy.js";
import { cli as runCaptured } from "../support/cli.js";
import { applyOnceWithWrites, planOnce } from "../../src/engine/one-shot.js";
import type { OneShotOptions } from "../../src/engine/one-shot.js";
import { createCluster, ecsFor, tempDir, writeLargeRepo } from "./controller-harness.js";
import { git } from "./git.js";
import { MOTO_CREDENTIALS, MOTO_REGION, newAccountId } from "./moto.js";

/* restart, restartedAt, ECS Exec, rollback / release and git revert, one-shot against moto_server. */

const endpoint = inject("motoEndpoint");
const saved = { ...process.env };
const KEY = "Service/shop/app-00";

const cli = (...argv: string[]) => runCaptured(...argv, "--endpoint-url", endpoint, "--aws-rate-limit", "off");

type World = { dir: string; ecs: ECSClient; options: OneShotOptions };

async function world(): Promise<World> {
  const accountId = newAccountId();
  process.env["ECS_GITOPS_TEST_ACCOUNT_ID"] = accountId;
  const ecs = ecsFor(endpoint, accountId);
  await createCluster(ecs);
  const dir = await tempDir("deploy-ops");
  await writeLargeRepo(dir, 1, 1);
  return {
    dir,
    ecs,
    options: { path: dir, region: MOTO_REGION, endpoint, accountIdHeader: accountId, owner: "ecs-gitops", rateLimit: false },
  };
}

/** plan + apply once: the writes by operation, the plan's notes, and the inputs of the UpdateService calls. */
async function sync(options: OneShotOptions) {
  const plan = await planOnce(options);
  try {
    expect(plan.problems.filter((p) => p.severity === "error")).toEqual([]);
    const { writes } = await applyOnceWithWrites(plan);
    const counts: Record<string, number> = {};
    for (const w of writes) counts[w.call.operation] = (counts[w.call.operation] ?? 0) + 1;
    const notes = plan.actions.flatMap((a) => ("notes" in a ? (a.notes ?? []) : []));
    const updates = writes.filter((w) => w.call.operation === "ecs:UpdateService").map((w) => w.call.input);
    return { counts, notes, updates };
  } finally {
    destroyAwsClients(plan.aws);
  }
}

async function edit(dir: string, file: string, change: (text: string) => string): Promise<void> {
  const full = path.join(dir, file);
  await writeFile(full, change(await readFile(full, "utf8")));
}

const setImage = (dir: string, tag: string) => edit(dir, "app-00/task-definition.yaml", (t) => t.replace(/nginx:[\w.-]+/, `nginx:${tag}`));

async function live(ecs: ECSClient) {
  const service = (await ecs.send(new DescribeServicesCommand({ cluster: "shop", services: ["app-00"], include: ["TAGS"] }))).services![0]!;
  const tags = Object.fromEntries((service.tags ?? []).map((t) => [t.key!, t.value!]));
  return { taskDefinition: service.taskDefinition!, deployment: service.deployments?.find((d) => d.status === "PRIMARY")?.id, tags };
}

async function revisions(ecs: ECSClient): Promise<string[]> {
  return (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: "app-00" }))).taskDefinitionArns ?? [];
}

beforeAll(() => {
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    AWS_REGION: MOTO_REGION,
  });
});
afterAll(() => {
  process.env = saved;
});

describe("restart", () => {
  it("`restart` starts one new deployment of the running revision and registers nothing", async () => {
    const w = await world();
    await sync(w.options);
    const before = await live(w.ecs);
    const result = await cli("restart", KEY);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    const after = await live(w.ecs);
    expect(after.deployment).not.toBe(before.deployment);
    expect(after.taskDefinition).toBe(before.taskDefinition);
    expect(await revisions(w.ecs)).toHaveLength(1);
    // Nothing left for git to do: the restart changed no field.
    expect((await sync(w.options)).counts).toEqual({});
  });

  it("a restart whose response is lost is not sent twice: the retry finds the new deployment first", async () => {
    const w = await world();
    await sync(w.options);
    const proxy = new FaultProxy(endpoint);
    await proxy.start();
    const aws = createAwsClients({
      region: MOTO_REGION,
      endpoint: proxy.endpoint,
      accountIdHeader: w.options.accountIdHeader,
      rateLimit: false,
    });
    try {
      const owned = await readOwnedResource(aws, KEY, "ecs-gitops", "restart");
      const before = (await live(w.ecs)).deployment;
      proxy.failNext({ operation: "UpdateService", fault: "500", times: 1 });
      await restartResource(aws, owned);
      const stats = aws.calls.snapshot();
      expect(proxy.seen.get("UpdateService")).toBe(1);
      expect(stats.byOperation["ecs:UpdateService"]).toMatchObject({ calls: 1, landedChecks: 1, landedFound: 1 });
      expect(stats.byOperation["ecs:RegisterTaskDefinition"]).toBeUndefined();
      expect((await live(w.ecs)).deployment).not.toBe(before);
    } finally {
      destroyAwsClients(aws);
      await proxy.stop();
    }
  });

  it("`restart` refuses a service ecs-gitops does not own, writing nothing", async () => {
    const w = await world();
    await sync(w.options);
    await w.ecs.send(
      new CreateServiceCommand({ cluster: "shop", serviceName: "handmade", taskDefinition: (await revisions(w.ecs))[0], desiredCount: 1 }),
    );
    const before = (await w.ecs.send(new DescribeServicesCommand({ cluster: "shop", services: ["handmade"] }))).services![0]!
      .deployments![0]!.id;
    const result = await cli("restart", "Service/shop/handmade");
    expect(result.code).toBe(1);
    expect(result.err).toContain("[NotOwned]");
    const after = (await w.ecs.send(new DescribeServicesCommand({ cluster: "shop", services: ["handmade"] }))).services![0]!
      .deployments![0]!.id;
    expect(after).toBe(before);
    expect((await cli("restart", "TaskDefinition/app-00")).code).toBe(2);
  });

  it.each(["restart", "rollback", "release"])("`%s` acts on the owner and region given: --owner, --region", async (command) => {
    const w = await world();
    await sync(w.options);
    expect((await cli(command, KEY, "--owner", "team-x")).err).toContain("[NotOwned]");
    expect((await cli(command, KEY, "--region", "eu-west-1")).err).toContain("[NotFound]");
    expect((await live(w.ecs)).tags["ecs-gitops:pinned-revision"]).toBeUndefined();
  });

  it("a changed ecs-gitops/restartedAt makes exactly one forceNewDeployment, never again for the same value", async () => {
    const w = await world();
    await sync(w.options);
    const annotate = (value: string) =>
      edit(w.dir, "app-00/service-1.yaml", (t) =>
        t.replace(/metadata:\n(?: {2}annotations:\n.*\n)?/, `metadata:\n  annotations:\n    ecs-gitops/restartedAt: "${value}"\n`),
      );
    await annotate("2025-06-01T10:00:00Z");
    const first = await sync(w.options);
    expect(first.counts["ecs:UpdateService"]).toBe(1);
    expect(first.counts["ecs:RegisterTaskDefinition"]).toBeUndefined();
    expect(first.updates[0]).toMatchObject({ forceNewDeployment: true });
    expect(first.notes.join("\n")).toContain("forcing a new deployment (restart)");
    // A new process (every one-shot plan is one) reads the honoured value from the service's tag.
    expect((await sync(w.options)).counts).toEqual({});
    await annotate("2025-06-02T08:30:00Z");
    const second = await sync(w.options);
    expect(second.counts["ecs:UpdateService"]).toBe(1);
    expect(second.updates[0]).toMatchObject({ forceNewDeployment: true });
  });

  it("turning on enableExecuteCommand through git forces a new deployment and says so in the plan", async () => {
    const w = await world();
    await sync(w.options);
    await edit(w.dir, "app-00/service-1.yaml", (t) => `${t}  enableExecuteCommand: true\n`);
    const result = await sync(w.options);
    expect(result.updates).toEqual([expect.objectContaining({ enableExecuteCommand: true, forceNewDeployment: true })]);
    expect(result.notes.join("\n")).toContain("only tasks started afterwards get ECS Exec");
  });
});

describe("rollback and release", () => {
  it("rolls back to revision N-1 without registering, holds it against a later commit, and release deploys git again", async () => {
    const w = await world();
    await sync(w.options);
    await setImage(w.dir, "2.0");
    await sync(w.options);
    const [rev1, rev2] = (await revisions(w.ecs)).sort();
    expect((await live(w.ecs)).taskDefinition).toBe(rev2);

    const rolled = await cli("rollback", KEY);
    expect(rolled.code).toBe(0);
    const pinned = await live(w.ecs);
    expect(pinned.taskDefinition).toBe(rev1);
    expect(pinned.tags["ecs-gitops:pinned-revision"]).toBe(rev1);
    expect(await revisions(w.ecs)).toHaveLength(2);

    // A later commit registers its revision, but the service stays on the pinned one.
    await setImage(w.dir, "3.0");
    const held = await sync(w.options);
    expect(held.counts["ecs:RegisterTaskDefinition"]).toBe(1);
    expect(held.counts["ecs:UpdateService"]).toBeUndefined();
    expect(held.notes.join("\n")).toContain(`pinned to ${rev1}`);
    expect((await live(w.ecs)).taskDefinition).toBe(rev1);

    expect((await cli("release", KEY)).out).toContain(`released ${KEY} from ${rev1}`);
    const released = await sync(w.options);
    expect(released.counts["ecs:UpdateService"]).toBe(1);
    const after = await live(w.ecs);
    expect(after.taskDefinition).toMatch(/app-00:3$/);
    expect(after.tags["ecs-gitops:pinned-revision"]).toBeUndefined();
    expect((await cli("release", KEY)).out).toContain("is not pinned");
  });

  it("--to picks the revision; the pin lifts itself once git names that revision again", async () => {
    const w = await world();
    await sync(w.options);
    await setImage(w.dir, "2.0");
    await sync(w.options);
    await setImage(w.dir, "3.0");
    await sync(w.options);
    expect((await cli("rollback", KEY, "--to", "1")).code).toBe(0);
    expect((await live(w.ecs)).taskDefinition).toMatch(/app-00:1$/);
    expect((await cli("rollback", KEY, "--to", "app-00:99")).err).toContain("[NotFound]");

    await setImage(w.dir, "1.0"); // the image of revision 1 (writeLargeRepo)
    const matched = await sync(w.options);
    expect(matched.counts["ecs:RegisterTaskDefinition"]).toBeUndefined();
    expect(matched.counts["ecs:UntagResource"]).toBe(1);
    expect((await live(w.ecs)).tags["ecs-gitops:pinned-revision"]).toBeUndefined();
  });
});

describe("git revert", () => {
  it("reuses the existing identical revision: 0 new registrations", async () => {
    const w = await world();
    await git(w.dir, "init", "-q", "-b", "main");
    await git(w.dir, "add", "-A");
    await git(w.dir, "commit", "-qm", "first");
    await sync(w.options);
    await setImage(w.dir, "bad");
    await git(w.dir, "commit", "-qam", "bad image");
    await sync(w.options);
    const [rev1] = (await revisions(w.ecs)).sort();
    await git(w.dir, "revert", "--no-edit", "HEAD");
    const reverted = await sync(w.options);
    expect(reverted.counts["ecs:RegisterTaskDefinition"]).toBeUndefined();
    expect(reverted.counts["ecs:UpdateService"]).toBe(1);
    expect(await revisions(w.ecs)).toHaveLength(2);
    expect((await live(w.ecs)).taskDefinition).toBe(rev1);
  });
});

describe("history", () => {
  it("without --url rebuilds the deploys AWS still knows, with the commit of each revision's tag", async () => {
    const w = await world();
    await sync(w.options);
    // moto keeps the deployment's revision as created (docs/moto.md): only the create's deployment shows.
    const result = await cli("history", KEY, "--output", "json");
    expect(result.err).toBe("");
    const doc = JSON.parse(result.out) as { source: string; history: { revision: string; commit?: string; trigger: string }[] };
    expect(doc.source).toBe("aws");
    expect(doc.history[0]).toMatchObject({ revision: expect.stringMatching(/app-00:1$/), commit: "local", trigger: "commit" });
    expect((await cli("history", KEY)).out).toContain("rebuilt from AWS");
    expect((await cli("history", KEY, "--region", "eu-west-1")).code).toBe(1);
    expect((await cli("history", "Service/app-00")).code).toBe(2);
  });

  it("with --url prints the controller's record of the service", async () => {
    const record = {
      commit: "c0ffee",
      revision: "arn:aws:ecs:us-east-1:1:task-definition/api:7",
      startedAt: "2025-06-01T10:00:00.000Z",
      outcome: "rolledBack",
      trigger: "commit",
      reason: "failed container health checks",
    };
    const doc = {
      source: { url: "x", branch: "main", path: "." },
      ready: true,
      manifestErrors: [],
      resources: [{ key: KEY, kind: "Service", name: "app-00", sync: "Synced", health: "Healthy", history: [record] }],
    };
    const server = createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(doc)));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const text = await cli("history", KEY, "--url", url);
      expect(text.out).toMatch(/rolledBack\s+commit\s+c0ffee\s+api:7\s+failed container health checks/);
      expect(JSON.parse((await cli("history", KEY, "--url", url, "-o", "json")).out)).toEqual({
        key: KEY,
        source: "controller",
        history: [record],
      });
      expect((await cli("history", "Service/shop/other", "--url", url)).err).toContain("does not manage it");
    } finally {
      server.close();
    }
  });
});
