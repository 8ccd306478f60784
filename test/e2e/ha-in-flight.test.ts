import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import type { StatusDocument } from "../../src/state/status.js";
import { ControllerProcess, createCluster, ecsFor, GitRemote, killAllControllers, tempDir, waitFor } from "./controller-harness.js";
import { FaultProxy } from "./fault-proxy.js";
import { withDiagnostics } from "./ha-diagnostics.js";
import { MOTO_CREDENTIALS, MOTO_REGION, newAccountId, startMoto } from "./moto.js";
import type { MotoServer } from "./moto.js";

/*
 * A deploy cut between its writes by a SIGKILL, finished by the replica that takes the shard
 * over, on a moto_server WITHOUT the timestamp patches (revisions carry no registeredAt,
 * UpdateService starts no new deployment): only the in-flight record in the lease row tells the
 * new holder that the service still on the old revision is a deploy, not a hand change.
 */

const LEASE_MS = 4_000;
const CLUSTERS = ["c1", "c2"] as const;

/** One family `app`, used by `web1` in c1 and `web2` in c2. */
async function writeApp(dir: string, tag: string): Promise<void> {
  const doc = (kind: string, name: string, spec: string[]) =>
    ["apiVersion: ecs-gitops/v1", `kind: ${kind}`, "metadata:", `  name: ${name}`, "spec:", ...spec.map((l) => `  ${l}`), ""].join("\n");
  await writeFile(path.join(dir, "ecs-gitops.yaml"), "region: us-east-1\n");
  await writeFile(
    path.join(dir, "app.yaml"),
    [
      doc("TaskDefinition", "app", [
        "requiresCompatibilities: [EC2]",
        "networkMode: bridge",
        "containerDefinitions:",
        `  - {name: app, image: "public.ecr.aws/nginx/nginx:${tag}", essential: true, memory: 128}`,
      ]),
      ...CLUSTERS.map((cluster, i) =>
        doc("Service", `web${i + 1}`, [`cluster: ${cluster}`, "taskDefinition: app", "desiredCount: 1", "launchType: EC2"]),
      ),
    ].join("---\n"),
  );
}

type Replica = { id: string; proxy: FaultProxy; process: ControllerProcess };

describe("a deploy cut by a takeover is finished from the lease row's in-flight record (no AWS timestamps)", () => {
  let moto: MotoServer;
  let scratch: string;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    moto = await startMoto({ timestamps: false });
    scratch = await tempDir("ha-in-flight");
  }, 60_000);
  afterEach(async () => {
    await killAllControllers();
    for (const r of replicas.splice(0)) await r.proxy.stop();
  });
  afterAll(async () => {
    await moto?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  it("SIGKILL between c1's and c2's UpdateService: the new holder updates c2 alone; a hand change after is drift", async () => {
    const accountId = newAccountId();
    const ecs = ecsFor(moto.endpoint, accountId);
    for (const cluster of CLUSTERS) await createCluster(ecs, cluster);
    const content = path.join(scratch, "content");
    await mkdir(content, { recursive: true });
    await writeApp(content, "1.0");
    const remote = await GitRemote.create(path.join(scratch, "repo"), content);
    const table = "leases-in-flight";
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
      ECS_GITOPS_TEST_ACCOUNT_ID: accountId,
    });
    let out = "";
    const created = await runCli(["lease-table", "create", table, "--endpoint-url", moto.endpoint, "--region", MOTO_REGION], {
      out: (t) => void (out += t),
      err: (t) => void (out += t),
    });
    process.env = saved;
    expect(created, out).toBe(0);

    const start = async (id: string): Promise<Replica> => {
      const proxy = new FaultProxy(moto.endpoint);
      await proxy.start();
      const controller = await ControllerProcess.start({
        repo: remote.url,
        endpoint: proxy.endpoint,
        accountId,
        workDir: path.join(scratch, `work-${id}`),
        interval: "1s",
        resync: "10s",
        extraArgs: ["--lease-table", table, "--lease-duration", `${LEASE_MS}ms`, "--replica-id", id],
        startTimeoutMs: 90_000,
      });
      const replica = { id, proxy, process: controller };
      replicas.push(replica);
      return replica;
    };
    const service = async (cluster: string) =>
      (await ecs.send(new DescribeServicesCommand({ cluster, services: [`web${cluster.slice(1)}`] }))).services?.[0];
    const imageOf = async (cluster: string) => {
      const arn = (await service(cluster))?.taskDefinition;
      if (arn === undefined) return undefined;
      return (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))).taskDefinition?.containerDefinitions?.[0]?.image;
    };
    const at = (cluster: string, tag: string, timeoutMs: number) =>
      waitFor(`${cluster} at ${tag}`, async () => ((await imageOf(cluster))?.endsWith(`:${tag}`) ? true : undefined), {
        timeoutMs,
        intervalMs: 100,
      });
    const writes = (r: Replica, operation: string) => r.proxy.requests.filter((q) => q.operation === operation);

    const a = await start("a");
    await a.process.waitForLog("a's lease", (l) => l.msg === "shard lease acquired", 15_000);
    const b = await start("b");
    for (const cluster of CLUSTERS) await at(cluster, "1.0", 60_000);
    // The moto_server of this test does not stamp revisions: the timestamp check cannot help.
    const first = await service("c1");
    const revision = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: first!.taskDefinition! }));
    expect(revision.taskDefinition?.registeredAt).toBeUndefined();

    // a registers 1.1 and updates c1; its UpdateService of c2 stays on the wire, then a dies.
    const held = a.proxy.holdNext("UpdateService", '"web2"');
    await writeApp(remote.work, "1.1");
    await remote.push("deploy 1.1");
    await held.seen;
    await at("c1", "1.1", 30_000);
    await a.process.signal("SIGKILL");
    held.drop();
    expect(await imageOf("c2")).toMatch(/:1\.0$/);
    expect(writes(a, "RegisterTaskDefinition")).toHaveLength(2);

    const from = b.process.logs.length;
    const taken = await b.process.waitForLog("b's takeover", (l) => l.msg === "shard lease acquired", 15_000, from);
    await withDiagnostics([a, b], () => at("c2", "1.1", 60_000));
    console.log(`c2 at 1.1 ${Date.now() - taken.time} ms after b took the shard (lease ${LEASE_MS} ms)`);
    // Finished, not repeated: a's revision reused, one UpdateService, of c2 only.
    expect(writes(b, "RegisterTaskDefinition")).toEqual([]);
    expect(writes(b, "UpdateService").map((w) => w.body.includes('"web2"'))).toEqual([true]);
    const found = b.process.logs.slice(from).find((l) => l.msg === "in-flight deploy found in the lease row");
    // Three keys listed (the family, web1, web2); a renewal after web1's update may have unlisted the first two.
    expect(found, b.process.tail(40)).toMatchObject({ by: "a", capped: false });
    expect([1, 2, 3]).toContain(found!["keys"]);
    await b.process.waitForLog("b clears the entry", (l) => l.msg === "in-flight deploy cleared", 15_000, from);
    const web2 = (await b.process.getJson<StatusDocument>("/status")).resources.find((r) => r.name === "web2");
    expect(web2?.drift).toBeUndefined();

    // The entry is gone: moving c1 back by hand now is drift (self-heal is off), not a deploy to finish.
    await ecs.send(new UpdateServiceCommand({ cluster: "c1", service: "web1", taskDefinition: first!.taskDefinition! }));
    await waitFor(
      "b reports c1's hand change as drift",
      async () => {
        const web1 = (await b.process.getJson<StatusDocument>("/status")).resources.find((r) => r.name === "web1");
        return web1?.drift !== undefined ? web1 : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(await imageOf("c1")).toMatch(/:1\.0$/);
    expect(writes(b, "UpdateService")).toHaveLength(1);
  }, 240_000);
});
