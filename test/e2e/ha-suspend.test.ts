import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { DescribeTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { createLeaseTable } from "../../src/aws/lease-table.js";
import type { StatusDocument } from "../../src/state/status.js";
import {
  ControllerProcess,
  createCluster,
  ecsFor,
  GitRemote,
  killAllControllers,
  serviceTaskDefinition,
  tempDir,
  waitFor,
} from "./controller-harness.js";
import { MOTO_CREDENTIALS, MOTO_REGION, newAccountId } from "./moto.js";

process.env["AWS_ACCESS_KEY_ID"] ??= MOTO_CREDENTIALS.accessKeyId;
process.env["AWS_SECRET_ACCESS_KEY"] ??= MOTO_CREDENTIALS.secretAccessKey;

/*
 * Suspend with two real replicas sharing one shard: the suspend goes to the replica that does
 * not hold the shard, and must stop the holder's writes, and still hold after the holder is
 * SIGKILLed and the other replica takes over.
 */

const endpoint = inject("motoEndpoint");
const LEASE_MS = 1_500;
const TOKEN = "ha-suspend-e2e-51c2";
const KEY = "Service/c1/web";

function app(tag: string): string {
  const doc = (kind: string, name: string, spec: string[]) =>
    ["apiVersion: ecs-gitops/v1", `kind: ${kind}`, "metadata:", `  name: ${name}`, "spec:", ...spec.map((l) => `  ${l}`), ""].join("\n");
  return [
    doc("TaskDefinition", "app", [
      "requiresCompatibilities: [EC2]",
      "networkMode: bridge",
      "containerDefinitions:",
      `  - {name: app, image: "public.ecr.aws/nginx/nginx:${tag}", essential: true, memory: 128}`,
    ]),
    doc("Service", "web", ["cluster: c1", "taskDefinition: app", "desiredCount: 1", "launchType: EC2"]),
  ].join("---\n");
}

describe("suspensions with two replicas", () => {
  let scratch: string;

  beforeAll(async () => {
    scratch = await tempDir("ha-suspend");
  });
  afterEach(async () => {
    await killAllControllers();
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it("a suspend sent to the replica without the lease stops the holder's writes and survives the holder's SIGKILL", async () => {
    const accountId = newAccountId();
    const ecs = ecsFor(endpoint, accountId);
    await createCluster(ecs, "c1");
    const content = path.join(scratch, "content");
    await mkdir(content, { recursive: true });
    await writeFile(path.join(content, "ecs-gitops.yaml"), "region: us-east-1\n");
    await writeFile(path.join(content, "app.yaml"), app("1.0"));
    const remote = await GitRemote.create(path.join(scratch, "remote"), content);
    const table = "leases-suspend";
    expect(await createLeaseTable({ table, region: MOTO_REGION, endpoint, accountIdHeader: accountId })).toBe("created");

    const start = (id: string) =>
      ControllerProcess.start({
        repo: remote.url,
        endpoint,
        accountId,
        workDir: path.join(scratch, `work-${id}`),
        interval: "1s",
        resync: "2s",
        env: { ECS_GITOPS_API_TOKEN: TOKEN },
        // Self-heal: the new holder has no record that a commit came in while suspended (records are
        // per replica), so it reads app:1 against git's app:2 as drift; self-heal makes the resume converge.
        extraArgs: ["--lease-table", table, "--lease-duration", `${LEASE_MS}ms`, "--replica-id", id, "--self-heal"],
      });
    const image = async () => {
      const arn = await serviceTaskDefinition(ecs, "web", "c1");
      return arn === undefined ? undefined : arn.split(":").pop();
    };
    const syncOf = async (replica: ControllerProcess) => {
      const response = await fetch(replica.url("/status"), { headers: { authorization: `Bearer ${TOKEN}` } });
      return ((await response.json()) as StatusDocument).resources.find((r) => r.key === KEY)?.sync;
    };
    const post = async (replica: ControllerProcess, verb: "suspend" | "resume") => {
      const response = await fetch(replica.url(`/api/${verb}`), {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ keys: [KEY] }),
      });
      return { status: response.status, body: (await response.json()) as unknown };
    };

    const a = await start("a");
    await a.waitForLog("a's lease", (l) => l.msg === "shard lease acquired", 15_000);
    const b = await start("b");
    await waitFor("web on revision 1", async () => ((await image()) === "1" ? true : undefined), { timeoutMs: 60_000, intervalMs: 100 });

    const sentAt = Date.now();
    expect(await post(b, "suspend")).toEqual({ status: 200, body: { suspended: { all: false, keys: [KEY], except: [] } } });
    const seen = await a.waitForLog("a to read the suspend", (l) => l.msg === "suspensions changed on another replica", 10_000);
    console.log(`suspend sent to the non-holder reached the holder after ${seen.time - sentAt} ms (lease ${LEASE_MS} ms)`);
    expect(seen.time - sentAt).toBeLessThanOrEqual(LEASE_MS / 3 + 2_000);
    await waitFor("a reports web Suspended", async () => ((await syncOf(a)) === "Suspended" ? true : undefined), { timeoutMs: 10_000 });

    // A new image in git: the holder registers the revision (not suspended) but leaves the service alone.
    await writeFile(path.join(remote.work, "app.yaml"), app("1.1"));
    await remote.push("image 1.1");
    await waitFor(
      "a to register app:2",
      () =>
        ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "app:2" })).then(
          () => true,
          () => undefined,
        ),
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await image()).toBe("1");

    await a.signal("SIGKILL");
    const from = b.logs.length;
    await b.waitForLog("b's takeover", (l) => l.msg === "shard lease acquired", 15_000, from);
    await waitFor("b reports web Suspended", async () => ((await syncOf(b)) === "Suspended" ? true : undefined), { timeoutMs: 15_000 });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await image()).toBe("1");

    // The resume, sent to the replica now holding the shard, lets git's image through.
    expect((await post(b, "resume")).status).toBe(200);
    await waitFor("web on revision 2", async () => ((await image()) === "2" ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });
  }, 150_000);
});
