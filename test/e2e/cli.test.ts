import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { cli } from "../support/cli.js";
import { cliAccount } from "../support/cli-account.js";
import type { CliAccount } from "../support/cli-account.js";
import { editFile } from "./desired-repo.js";

const endpoint = inject("motoEndpoint");

describe("ecs-gitops diff and apply against moto_server", () => {
  let account: CliAccount;
  let dir: string;
  beforeAll(async () => {
    account = await cliAccount(endpoint);
    dir = account.dir;
  });
  afterAll(() => account.close());

  it("exits 1 with a readable plan while changes are pending, 0 once applied", async () => {
    const before = await cli("diff", dir, "--endpoint-url", endpoint);
    expect(before.code).toBe(1);
    expect(before.out).toContain("+ Service shop/web  (create)");
    expect(before.out).toContain("Plan: 6 to create, 0 to change, 0 to delete, 0 blocked, 0 unchanged.");

    const applied = await cli("apply", dir, "--endpoint-url", endpoint, "--stats");
    expect(applied.code).toBe(0);
    expect(applied.out).toContain("Apply: 6 applied");
    expect(applied.err).toMatch(/ecs:RegisterTaskDefinition\s+3/);

    await cli("apply", dir, "--endpoint-url", endpoint); // moto drops some CreateService fields: converge once
    const after = await cli("diff", dir, "--endpoint-url", endpoint, "--output", "json");
    expect(after.code).toBe(0);
    const plan = JSON.parse(after.out) as { kind: string; summary: Record<string, number> };
    expect(plan.kind).toBe("Plan");
    expect(plan.summary).toEqual({ create: 0, update: 0, delete: 0, noop: 6, blocked: 0 });
  });

  it("reports a changed image as an update of the task definition and of its service", async () => {
    await editFile(dir, "web/task-definition.yaml", (t) => t.replace("shop/web:1.4.2", "shop/web:1.5.0"));
    const { code, out } = await cli("diff", dir, "--endpoint-url", endpoint);
    expect(code).toBe(1);
    expect(out).toContain("~ TaskDefinition web  (update)");
    expect(out).toContain('shop/web:1.4.2" → "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:1.5.0"');
    expect(out).toContain("~ Service shop/web  (update)");
  });

  it("exits 2 and makes no AWS call when a manifest is invalid", async () => {
    await editFile(dir, "worker/service.yaml", (t) => t.replace("desiredCount: 3", "desiredcount: 3"));
    const { code, err } = await cli("diff", dir, "--endpoint-url", "http://127.0.0.1:9");
    expect(code).toBe(2);
    expect(err).toMatch(/worker\/service\.yaml:\d+:\d+ {2}error {2}unknown field "desiredcount".*did you mean "desiredCount"/);
  });

  it("exits 2 with the AWS error named when the endpoint is unreachable", async () => {
    await editFile(dir, "worker/service.yaml", (t) => t.replace("desiredcount: 3", "desiredCount: 3"));
    const { code, err } = await cli("diff", dir, "--endpoint-url", "http://127.0.0.1:9");
    expect(code).toBe(2);
    expect(err).toMatch(/^error \[AwsUnavailable\]/);
  });
});
