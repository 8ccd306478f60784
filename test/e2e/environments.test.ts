import path from "node:path";
import type { ECSClient } from "@aws-sdk/client-ecs";
import { DescribeServicesCommand, DescribeTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { DescribeRuleCommand } from "@aws-sdk/client-eventbridge";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { applyMotoAccountHeader } from "../../src/aws/account-header.js";
import { cli } from "../support/cli.js";
import { cliAccount } from "../support/cli-account.js";
import type { CliAccount } from "../support/cli-account.js";
import { editFile } from "./desired-repo.js";
import { MOTO_CREDENTIALS, MOTO_REGION } from "./moto.js";

/*
 * examples/environments (a base and two environments) through the real command line against
 * moto_server: each environment gets its own resources, edits land where they should, and SSM
 * variables are read at every plan with SecureString values never printed.
 */

const endpoint = inject("motoEndpoint");

type Outcome = { key: string; outcome: string };
const changedKeys = (json: string) =>
  (JSON.parse(json) as { actions: { key: string; type: string }[] }).actions
    .filter((a) => a.type !== "noop")
    .map((a) => a.key)
    .sort();

describe("environments: base + staging + prod of examples/environments", () => {
  let account: CliAccount;
  let root: string;
  let ecs: ECSClient;
  let events: EventBridgeClient;
  let ssm: SSMClient;
  const aws = () => ["--endpoint-url", endpoint, "--aws-rate-limit", "off"];
  const service = async (name: string) =>
    (await ecs.send(new DescribeServicesCommand({ cluster: "shop", services: [name] }))).services?.[0];
  const container = async (family: string) =>
    (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: family }))).taskDefinition?.containerDefinitions?.[0];

  beforeAll(async () => {
    account = await cliAccount(endpoint, { IMAGE_TAG: "1.4.2" });
    ({ ecs, events } = account);
    ssm = new SSMClient({ endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS });
    applyMotoAccountHeader(ssm.middlewareStack, account.accountId);
    root = path.join(account.dir, "environments");
  });
  afterAll(() => {
    ssm.destroy();
    account.close();
  });

  it("renders, validates and applies each environment to its own resources; a second apply writes nothing", async () => {
    expect(await cli("validate", root)).toMatchObject({ code: 0, out: "ok: 6 resources in 4 files\n" });
    const rendered = await cli("render", root, "--env", "staging");
    expect(rendered.code).toBe(0);
    expect(rendered.out).toMatch(/^# from: .*base\/web\/service\.yaml, .*envs\/staging\/ecs-gitops\.yaml$/m);
    expect(rendered.out).not.toContain("nightly-report");

    // moto drops some CreateService fields: converge once
    for (const env of ["staging", "prod", "staging", "prod"]) expect((await cli("apply", root, "--env", env, ...aws())).code).toBe(0);

    expect(await service("web-staging")).toMatchObject({
      desiredCount: 1,
      taskDefinition: expect.stringMatching(/task-definition\/web-staging:1$/),
    });
    expect(await service("web-prod")).toMatchObject({
      desiredCount: 4,
      taskDefinition: expect.stringMatching(/task-definition\/web-prod:1$/),
    });
    const staging = await container("web-staging");
    const prod = await container("web-prod");
    expect(staging?.image).toMatch(/shop\/web:1\.5\.0-rc\.1$/);
    expect(prod?.image).toMatch(/shop\/web:1\.4\.2$/);
    expect(staging?.environment).toEqual(
      expect.arrayContaining([
        { name: "LOG_LEVEL", value: "debug" },
        { name: "PORT", value: "8080" },
      ]),
    );
    expect(prod?.environment).toEqual(
      expect.arrayContaining([
        { name: "LOG_LEVEL", value: "info" },
        { name: "FEATURE_CHECKOUT_V2", value: "on" },
      ]),
    );
    expect((await events.send(new DescribeRuleCommand({ Name: "nightly-report-prod" }))).ScheduleExpression).toBe("cron(30 2 * * ? *)");
    await expect(events.send(new DescribeRuleCommand({ Name: "nightly-report-staging" }))).rejects.toThrow(/does not exist/);

    for (const env of ["staging", "prod"]) {
      const again = await cli("apply", root, "--env", env, ...aws(), "-o", "json", "--stats");
      expect(again.code).toBe(0);
      expect((JSON.parse(again.out) as { outcomes: Outcome[] }).outcomes.filter((o) => o.outcome !== "unchanged")).toEqual([]);
      expect(again.err).toMatch(/^\s+writes\s+0\s/m);
    }
  });

  it("a base edit shows in both environments, an overlay edit only in its own", async () => {
    await editFile(root, "base/web/service.yaml", (t) =>
      t.replace("healthCheckGracePeriodSeconds: 60", "healthCheckGracePeriodSeconds: 90"),
    );
    expect(changedKeys((await cli("diff", root, "--env", "staging", ...aws(), "-o", "json")).out)).toEqual(["Service/shop/web-staging"]);
    expect(changedKeys((await cli("diff", root, "--env", "prod", ...aws(), "-o", "json")).out)).toEqual(["Service/shop/web-prod"]);
    await editFile(root, "base/web/service.yaml", (t) =>
      t.replace("healthCheckGracePeriodSeconds: 90", "healthCheckGracePeriodSeconds: 60"),
    );

    await editFile(root, "envs/staging/ecs-gitops.yaml", (t) => t.replace("desiredCount: 1", "desiredCount: 2"));
    const staging = await cli("diff", root, "--env", "staging", ...aws(), "-o", "json");
    const prod = await cli("diff", root, "--env", "prod", ...aws(), "-o", "json");
    expect([staging.code, prod.code]).toEqual([1, 0]);
    expect(changedKeys(staging.out)).toEqual(["Service/shop/web-staging"]);
    await editFile(root, "envs/staging/ecs-gitops.yaml", (t) => t.replace("desiredCount: 2", "desiredCount: 1"));
  });

  it("reads SSM variables at every plan, and never prints a SecureString value", async () => {
    const secret = "Zq9-upstream-credential-4417";
    await ssm.send(new PutParameterCommand({ Name: "/shop/prod/image-tag", Value: "1.4.2", Type: "String" }));
    await ssm.send(new PutParameterCommand({ Name: "/shop/prod/upstream-header", Value: secret, Type: "SecureString" }));
    await editFile(root, "envs/prod/ecs-gitops.yaml", (t) =>
      t
        .replace(
          "IMAGE_TAG: {fromEnv: IMAGE_TAG}",
          "IMAGE_TAG: {fromSsm: /shop/prod/image-tag}\n  UPSTREAM: {fromSsm: /shop/prod/upstream-header}",
        )
        // A name that does not look secret: only the SecureString flag can mask it.
        .replace(
          '- {name: FEATURE_CHECKOUT_V2, value: "on"}',
          '- {name: FEATURE_CHECKOUT_V2, value: "on"}\n              - {name: UPSTREAM_HEADER, value: "Bearer ${UPSTREAM}"}',
        ),
    );
    // Offline, the SSM variables stay as written.
    const rendered = await cli("render", root, "--env", "prod");
    expect(rendered.out).toContain("Bearer ${UPSTREAM}");

    const diff = await cli("diff", root, "--env", "prod", ...aws());
    const json = await cli("diff", root, "--env", "prod", ...aws(), "-o", "json");
    const applied = await cli("apply", root, "--env", "prod", ...aws());
    for (const result of [diff, json, applied]) {
      expect(result.code === 0 || result.code === 1, result.err).toBe(true);
      expect(result.out + result.err).not.toContain(secret);
    }
    expect(diff.out).toContain("UPSTREAM_HEADER");
    expect(applied.code).toBe(0);
    expect((await container("web-prod"))?.environment).toContainEqual({ name: "UPSTREAM_HEADER", value: `Bearer ${secret}` });

    // The next plan reads the parameter again.
    await ssm.send(new PutParameterCommand({ Name: "/shop/prod/image-tag", Value: "1.4.3", Type: "String", Overwrite: true }));
    const next = await cli("diff", root, "--env", "prod", ...aws());
    expect(next.code).toBe(1);
    expect(next.out).toContain("shop/web:1.4.3");
    expect(next.out).not.toContain(secret);
  });
});
