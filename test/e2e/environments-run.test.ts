import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { DescribeTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import type { ECSClient, Service } from "@aws-sdk/client-ecs";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { applyMotoAccountHeader } from "../../src/aws/account-header.js";
import { redactUrl } from "../../src/redact.js";
import { loadCommitInWorker } from "../../src/source/commit-load.js";
import { ControllerProcess, createCluster, describeService, ecsFor, GitRemote, killAllControllers, waitFor } from "./controller-harness.js";
import type { StatusDocument } from "../../src/state/status.js";
import { copyExamples, editFile } from "./desired-repo.js";
import { defaultNetwork, MOTO_CREDENTIALS, MOTO_REGION, newAccountId } from "./moto.js";

/*
 * `run --env prod` on examples/environments with fromSsm variables: the controller reads SSM
 * when it loads a commit, reads it again once per resync (a parameter changes without a commit),
 * and a SecureString value never reaches its log or /status.
 */

const endpoint = inject("motoEndpoint");
const SECRET = "Kx7-upstream-token-90210";

describe("run --env with SSM variables", () => {
  const accountId = newAccountId();
  let ecs: ECSClient;
  let ssm: SSMClient;
  let scratch: string;
  let remote: GitRemote;
  let repo: string;

  beforeAll(async () => {
    ecs = ecsFor(endpoint, accountId);
    ssm = new SSMClient({ endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS });
    applyMotoAccountHeader(ssm.middlewareStack, accountId);
    await createCluster(ecs, "shop");
    await ssm.send(new PutParameterCommand({ Name: "/shop/prod/image-tag", Value: "2.0.0", Type: "String" }));
    await ssm.send(new PutParameterCommand({ Name: "/shop/prod/upstream", Value: SECRET, Type: "SecureString" }));
    const examples = await copyExamples(await defaultNetwork(endpoint, accountId));
    repo = path.join(examples, "environments");
    await editFile(repo, "envs/prod/ecs-gitops.yaml", (t) =>
      t
        .replace(
          "IMAGE_TAG: {fromEnv: IMAGE_TAG}",
          "IMAGE_TAG: {fromSsm: /shop/prod/image-tag}\n  UPSTREAM: {fromSsm: /shop/prod/upstream}",
        )
        .replace(
          '- {name: FEATURE_CHECKOUT_V2, value: "on"}',
          '- {name: FEATURE_CHECKOUT_V2, value: "on"}\n              - {name: UPSTREAM_HEADER, value: "Bearer ${UPSTREAM}"}',
        ),
    );
    scratch = await mkdtemp(path.join(tmpdir(), "ecs-gitops-envrun-"));
    remote = await GitRemote.create(scratch, repo);
  });

  afterAll(async () => {
    await killAllControllers();
    ecs.destroy();
    ssm.destroy();
    await rm(scratch, { recursive: true, force: true });
  });

  const image = async () =>
    (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "web-prod" })).catch(() => undefined))?.taskDefinition
      ?.containerDefinitions?.[0];

  it("deploys the SSM value, follows a changed parameter at the next resync, and never logs the SecureString", async () => {
    const controller = await ControllerProcess.start({
      repo: remote.url,
      endpoint,
      accountId,
      workDir: path.join(scratch, "work"),
      interval: "1s",
      resync: "4s",
      extraArgs: ["--env", "prod"],
    });
    await waitFor("web-prod at image 2.0.0", async () => ((await image())?.image?.endsWith(":2.0.0") ? true : undefined), {
      timeoutMs: 60_000,
    });
    expect((await image())?.environment).toContainEqual({ name: "UPSTREAM_HEADER", value: `Bearer ${SECRET}` });

    // No commit: only the parameter changes.
    await ssm.send(new PutParameterCommand({ Name: "/shop/prod/image-tag", Value: "2.0.1", Type: "String", Overwrite: true }));
    const started = performance.now();
    await waitFor("web-prod at image 2.0.1", async () => ((await image())?.image?.endsWith(":2.0.1") ? true : undefined), {
      timeoutMs: 60_000,
    });
    const pickedUpMs = Math.round(performance.now() - started);
    console.log(`SSM parameter change deployed after ${pickedUpMs} ms (resync 4 s, poll 1 s)`);
    expect(controller.logs.some((l) => l.msg === "SSM parameters read again")).toBe(true);

    const status = await (await fetch(controller.url("/status"))).text();
    expect(status).toContain("Service/shop/web-prod");
    expect(status).not.toContain(SECRET);
    expect(JSON.stringify(controller.logs)).not.toContain(SECRET);
    expect(controller.tail(100_000)).not.toContain(SECRET);
    await controller.signal("SIGTERM");
  }, 150_000);

  it("a commit loaded in the worker thread masks its SecureString values in the controller's thread too", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    });
    try {
      const other = "Qp4-another-secure-value-55";
      await ssm.send(new PutParameterCommand({ Name: "/shop/prod/upstream", Value: other, Type: "SecureString", Overwrite: true }));
      expect(redactUrl(`header ${other}`)).toBe(`header ${other}`);
      const load = await loadCommitInWorker({
        root: path.join(repo, "envs/prod"),
        cluster: undefined,
        region: MOTO_REGION,
        ssm: { region: MOTO_REGION, endpoint, accountIdHeader: accountId },
      });
      expect(load.readSsm).toBe(true);
      expect(load.loaded?.problems.filter((p) => p.severity === "error")).toEqual([]);
      expect("secretValues" in load).toBe(false);
      expect(redactUrl(`header ${other}`)).toBe("header (masked)");
    } finally {
      process.env = saved;
    }
  });
});

describe("run --env staging --env prod: one process, two environments", () => {
  const accountId = newAccountId();
  let ecs: ECSClient;
  let scratch: string;
  let remote: GitRemote;
  const saved = process.env["IMAGE_TAG"];

  beforeAll(async () => {
    process.env["IMAGE_TAG"] = "3.1.0";
    ecs = ecsFor(endpoint, accountId);
    await createCluster(ecs, "shop");
    const examples = await copyExamples(await defaultNetwork(endpoint, accountId));
    scratch = await mkdtemp(path.join(tmpdir(), "ecs-gitops-envs2-"));
    remote = await GitRemote.create(scratch, path.join(examples, "environments"));
  });

  afterAll(async () => {
    await killAllControllers();
    ecs.destroy();
    if (saved === undefined) delete process.env["IMAGE_TAG"];
    else process.env["IMAGE_TAG"] = saved;
    await rm(scratch, { recursive: true, force: true });
  });

  const owner = (service: Service | undefined) => service?.tags?.find((t) => t.key === "ecs-gitops:owner")?.value;

  it("each environment deploys with its own owner, and a broken staging commit does not hold prod back", async () => {
    const controller = await ControllerProcess.start({
      repo: remote.url,
      endpoint,
      accountId,
      workDir: path.join(scratch, "work"),
      interval: "1s",
      resync: "30s",
      extraArgs: ["--env", "staging", "--env", "prod"],
    });
    const both = await waitFor(
      "web-staging and web-prod",
      async () => {
        const [staging, prod] = await Promise.all([describeService(ecs, "web-staging"), describeService(ecs, "web-prod")]);
        return staging && prod ? { staging, prod } : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect([both.staging.desiredCount, both.prod.desiredCount]).toEqual([1, 4]);
    const tagged = await waitFor(
      "both owner tags",
      async () => {
        const [staging, prod] = [await describeService(ecs, "web-staging"), await describeService(ecs, "web-prod")];
        return owner(staging) && owner(prod) ? [owner(staging), owner(prod)] : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(tagged).toEqual(["ecs-gitops-staging", "ecs-gitops-prod"]);

    await waitFor("ready", () => controller.isReady(), { timeoutMs: 60_000 });
    const status = await controller.getJson<StatusDocument>("/status");
    expect(status.environments?.map((e) => e.name)).toEqual(["staging", "prod"]);
    const envOf = (key: string) => status.resources.find((r) => r.key === key)?.environment;
    expect([envOf("Service/shop/web-staging"), envOf("Service/shop/web-prod")]).toEqual(["staging", "prod"]);
    const metrics = await controller.metrics();
    expect(metrics).toMatch(/ecs_gitops_resources\{[^}]*environment="prod"/);
    expect(metrics).toMatch(/ecs_gitops_resources\{[^}]*environment="staging"/);
    expect(metrics.match(/^# TYPE process_cpu_seconds_total /gm)?.length).toBe(1);

    // One commit: staging's overlay patches a container that does not exist; prod scales to 3.
    await remote.edit("envs/staging/ecs-gitops.yaml", (t) => t.replace("          - name: web\n", "          - name: no-such-container\n"));
    await remote.edit("envs/prod/ecs-gitops.yaml", (t) => t.replace("value: 4}", "value: 3}"));
    await remote.push("break staging, scale prod");
    await waitFor("web-prod at 3", async () => ((await describeService(ecs, "web-prod"))?.desiredCount === 3 ? true : undefined), {
      timeoutMs: 60_000,
    });
    // Each environment polls on its own: staging sees the commit within its own interval.
    const after = await waitFor(
      "staging's manifest error",
      async () => {
        const doc = await controller.getJson<StatusDocument>("/status");
        return doc.environments?.find((e) => e.name === "staging")?.manifestErrors.length ? doc : undefined;
      },
      { timeoutMs: 20_000 },
    );
    const staging = after.environments?.find((e) => e.name === "staging");
    expect(staging?.manifestErrors.map((e) => e.file)).toContain("ecs-gitops.yaml");
    expect(staging?.manifestErrors.map((e) => e.message).join()).toContain("no-such-container");
    expect(after.environments?.find((e) => e.name === "prod")?.manifestErrors).toEqual([]);
    expect((await describeService(ecs, "web-staging"))?.desiredCount).toBe(1);
    expect((await controller.signal("SIGTERM")).code).toBe(0);
  }, 150_000);

  it("refuses --owner with several environments, and one --env given twice", async () => {
    for (const extra of [
      ["--env", "staging", "--env", "prod", "--owner", "x"],
      ["--env", "prod", "--env", "prod"],
    ]) {
      await expect(
        ControllerProcess.start({
          repo: remote.url,
          endpoint,
          accountId,
          workDir: path.join(scratch, "w2"),
          interval: "1s",
          resync: "30s",
          extraArgs: extra,
        }),
      ).rejects.toThrow(/exited \(2\)/);
    }
  }, 60_000);
});
