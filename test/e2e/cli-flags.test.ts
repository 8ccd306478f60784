import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ECSClient } from "@aws-sdk/client-ecs";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { cli } from "../support/cli.js";
import { cliAccount } from "../support/cli-account.js";
import type { CliAccount } from "../support/cli-account.js";
import { editFile } from "./desired-repo.js";

/*
 * Each flag of diff, apply and export, run through the real command line against moto_server,
 * with and without: the output or the account differs. test/unit/settings-have-effect.test.ts
 * checks that every such flag is exercised here.
 */

const endpoint = inject("motoEndpoint");

async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
    .sort();
}

describe("flags of diff, apply and export have an effect", () => {
  let account: CliAccount;
  let dir: string;
  let ecs: ECSClient;
  const aws = () => ["--endpoint-url", endpoint, "--aws-rate-limit", "off"];
  const service = async (name: string) =>
    (await ecs.send(new DescribeServicesCommand({ cluster: "shop", services: [name] }))).services?.[0];
  const workerCount = async () =>
    (await ecs.send(new DescribeServicesCommand({ cluster: "shop", services: ["worker"] }))).services?.[0]?.desiredCount;

  beforeAll(async () => {
    account = await cliAccount(endpoint);
    ({ ecs, dir } = account);
    await cli("apply", dir, ...aws());
    await cli("apply", dir, ...aws()); // moto drops some CreateService fields: converge once
  });
  afterAll(() => account.close());

  it("validate, render, diff and apply --env pick one environment of a repository (a name under envs/ or a folder)", async () => {
    const envs = path.join(dir, "environments");
    // Without --env a command cannot know which environment's settings and owner to use.
    expect((await cli("diff", envs, ...aws())).err).toMatch(/pass --env NAME/);
    expect((await cli("render", envs)).code).toBe(1);
    expect((await cli("render", envs, "--env", "staging")).out).toContain("name: web-staging");
    expect((await cli("validate", envs, "--env", "staging")).out).toBe("ok: 2 resources in 4 files\n");
    expect(await cli("validate", envs, "--env", "qa")).toMatchObject({
      code: 2,
      out: expect.stringContaining("environments: prod, staging"),
    });
    expect((await cli("diff", envs, "--env", path.join(envs, "envs", "staging"), ...aws())).code).toBe(1);
    expect((await cli("apply", envs, "--env", "staging", ...aws())).code).toBe(0);
    expect(await service("web-staging")).toMatchObject({ desiredCount: 1 });
  });

  it("diff --output json and --stats", async () => {
    await editFile(dir, "worker/service.yaml", (t) => t.replace("desiredCount: 3", "desiredCount: 4"));
    const text = await cli("diff", dir, ...aws());
    const json = await cli("diff", dir, ...aws(), "--output", "json");
    expect([text.code, json.code]).toEqual([1, 1]);
    expect(() => JSON.parse(text.out) as unknown).toThrow();
    expect(JSON.parse(json.out)).toMatchObject({ actions: expect.any(Array) });
    const stats = await cli("diff", dir, ...aws(), "--stats");
    expect(text.err).toBe("");
    expect(stats.err).toMatch(/ecs:DescribeServices/);
  });

  it("apply --dry-run writes nothing; apply --output json and --stats report what was done", async () => {
    expect(await workerCount()).toBe(3);
    expect((await cli("apply", dir, ...aws(), "--dry-run")).code).toBe(1);
    expect(await workerCount()).toBe(3);
    const applied = await cli("apply", dir, ...aws(), "-o", "json", "--stats");
    expect(applied.code).toBe(0);
    expect(JSON.parse(applied.out)).toMatchObject({
      outcomes: expect.arrayContaining([expect.objectContaining({ key: "Service/shop/worker", outcome: "applied" })]),
    });
    expect(applied.err).toMatch(/ecs:UpdateService/);
    expect(await workerCount()).toBe(4);
  });

  it("export --cluster, --services, --all-rules, --rules, --event-bus, --out, --force, --region, --endpoint-url", async () => {
    const out = await mkdtemp(path.join(tmpdir(), "ecs-gitops-flags-export-"));
    const exportTo = (folder: string, ...flags: string[]) =>
      cli("export", "--endpoint-url", endpoint, "--out", path.join(out, folder), ...flags);

    expect((await exportTo("all", "--cluster", "shop")).code).toBe(0);
    const services = await filesBelow(path.join(out, "all"));
    expect(services).toContain("web/service.yaml");
    expect(services.some((f) => f.endsWith("scheduled-rule.yaml"))).toBe(false);

    expect((await exportTo("one", "--cluster", "shop", "--services", "worker")).code).toBe(0);
    expect((await filesBelow(path.join(out, "one"))).filter((f) => f.endsWith("service.yaml"))).toEqual(["worker/service.yaml"]);

    expect((await exportTo("rules", "--cluster", "shop", "--all-rules")).code).toBe(0);
    expect(await filesBelow(path.join(out, "rules"))).toContain("nightly-report/scheduled-rule.yaml");
    expect((await exportTo("named", "--cluster", "shop", "--services", "worker", "--rules", "nightly-report")).code).toBe(0);
    expect(await filesBelow(path.join(out, "named"))).toContain("nightly-report/scheduled-rule.yaml");
    const otherBus = await exportTo("bus", "--cluster", "shop", "--rules", "nightly-report", "--event-bus", "ops");
    expect(otherBus.code).toBe(2);
    expect(otherBus.err).toMatch(/event bus "?ops/);

    expect((await exportTo("all", "--cluster", "shop")).code).toBe(2);
    expect((await exportTo("all", "--cluster", "shop", "--force")).code).toBe(0);

    const otherCluster = await exportTo("none", "--cluster", "nope");
    expect(otherCluster.err).toContain('cluster "nope" does not exist');
    const otherRegion = await exportTo("none", "--cluster", "shop", "--region", "eu-north-1");
    expect(otherRegion.err).toContain('cluster "shop" does not exist');
    // Another endpoint is another (empty) moto account space: here, nothing listens.
    const elsewhere = await cli("export", "--endpoint-url", "http://127.0.0.1:9", "--out", path.join(out, "none"), "--cluster", "shop");
    expect(elsewhere.code).toBe(2);
  });

  it("diff and apply --prune delete what left git; --allow-mass-delete lets a held prune through once", async () => {
    // Last in this file: it deletes the worker service the tests above use. (A copy would be another repository.)
    const prune = dir;
    await rm(path.join(prune, "worker"), { recursive: true });
    const off = await cli("diff", prune, ...aws());
    expect(off.out).toContain("- Service shop/worker  would delete (prune is off)");
    expect(off.code).toBe(0);
    const on = await cli("diff", prune, ...aws(), "--prune");
    expect(on.out).toMatch(/- Service shop\/worker {2}\(delete\)\n\s+calls: ecs:UpdateService, ecs:DeleteService/);
    expect(on.code).toBe(1);
    await editFile(prune, "ecs-gitops.yaml", (t) => `${t}maxDeletes: 1\n`);
    expect((await cli("diff", prune, ...aws(), "--prune")).out).toContain("! prune blocked:");
    expect((await cli("apply", prune, ...aws(), "--prune")).code).toBe(1);
    expect((await service("worker"))?.status).toBe("ACTIVE");
    expect((await cli("diff", prune, ...aws(), "--prune", "--allow-mass-delete")).out).not.toContain("prune blocked");
    const applied = await cli("apply", prune, ...aws(), "--prune", "--allow-mass-delete");
    expect(applied.out).toContain("- Service shop/worker: deleted (ecs:UpdateService, ecs:DeleteService)");
    expect(applied.code).toBe(0);
    expect((await service("worker"))?.status).not.toBe("ACTIVE");
  });
});
