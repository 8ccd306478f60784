import { cp, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ECSClient } from "@aws-sdk/client-ecs";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { cli } from "../support/cli.js";
import { cliAccount } from "../support/cli-account.js";
import type { CliAccount } from "../support/cli-account.js";
import { editFile } from "./desired-repo.js";
import { git } from "./git.js";

const endpoint = inject("motoEndpoint");

describe("diff and apply on a subfolder or a single file of a repository", () => {
  let account: CliAccount;
  let repo: string;
  let ecs: ECSClient;
  beforeAll(async () => {
    account = await cliAccount(endpoint);
    ecs = account.ecs;
    // The manifests live in a folder of the repository, not at its root.
    repo = await mkdtemp(path.join(tmpdir(), "ecs-gitops-paths-"));
    await cp(account.dir, path.join(repo, "deploy", "prod"), { recursive: true });
    await git(repo, "init", "-q");
    await git(repo, "add", ".");
    await git(repo, "commit", "-qm", "manifests");
  });
  afterAll(() => account.close());

  it("tags the source relative to the repository root and shows no change from a subfolder or a file", async () => {
    const manifests = path.join(repo, "deploy", "prod");
    expect((await cli("apply", manifests, "--endpoint-url", endpoint, "--aws-rate-limit", "off")).code).toBe(0);
    // moto drops some CreateService fields: converge once.
    expect((await cli("apply", manifests, "--endpoint-url", endpoint, "--aws-rate-limit", "off")).code).toBe(0);
    const live = await ecs.send(new DescribeServicesCommand({ cluster: "shop", services: ["web"], include: ["TAGS"] }));
    // `<repository>//<path from its root>`: this checkout has no origin remote, so its root path names it.
    const source = live.services?.[0]?.tags?.find((t) => t.key === "ecs-gitops:source")?.value;
    expect(source?.split("//")[1]).toBe("deploy/prod/web/service.yaml");

    for (const target of [
      path.join(manifests, "web"),
      path.join(manifests, "web", "service.yaml"),
      path.join(manifests, "worker", "task-definition.yaml"),
    ]) {
      const diff = await cli("diff", target, "--endpoint-url", endpoint, "--aws-rate-limit", "off");
      expect({ target, code: diff.code, err: diff.err, out: diff.out }).toEqual({
        target,
        code: 0,
        err: "",
        out: expect.stringMatching(/^Plan: 0 to create, 0 to change, 0 to delete, 0 blocked, \d unchanged\.\n$/),
      });
    }
  });

  it("applies a single service file together with the registration it waits for, and nothing else", async () => {
    const manifests = path.join(repo, "deploy", "prod");
    await editFile(manifests, "web/task-definition.yaml", (t) => t.replace("shop/web:1.4.2", "shop/web:1.5.0"));
    await editFile(manifests, "worker/service.yaml", (t) => t.replace("desiredCount: 3", "desiredCount: 4"));
    const plan = await cli(
      "diff",
      path.join(manifests, "web", "service.yaml"),
      "--endpoint-url",
      endpoint,
      "--aws-rate-limit",
      "off",
      "-o",
      "json",
    );
    expect(plan.code).toBe(1);
    const keys = (JSON.parse(plan.out) as { actions: { key: string; type: string }[] }).actions
      .filter((a) => a.type !== "noop")
      .map((a) => a.key);
    expect(keys.sort()).toEqual(["Service/shop/web", "TaskDefinition/web"]);
    expect(
      (await cli("apply", path.join(manifests, "web", "service.yaml"), "--endpoint-url", endpoint, "--aws-rate-limit", "off")).code,
    ).toBe(0);
    const live = await ecs.send(new DescribeServicesCommand({ cluster: "shop", services: ["web", "worker"] }));
    expect(live.services?.find((s) => s.serviceName === "web")?.taskDefinition).toMatch(/task-definition\/web:2$/);
    expect(live.services?.find((s) => s.serviceName === "worker")?.desiredCount).toBe(3);
  });

  it("locates a problem in a single file at that file, not below it", async () => {
    const file = path.join(repo, "deploy", "prod", "web", "broken.yaml");
    await writeFile(
      file,
      "apiVersion: ecs-gitops/v1\nkind: Service\nmetadata: {name: broken}\nspec:\n  taskDefinition: web\n  desiredCount: many\n",
    );
    const result = await cli("diff", file, "--endpoint-url", endpoint);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/web\/broken\.yaml:6:\d+ +error/);
    expect(result.err).not.toContain("broken.yaml/broken.yaml");
  });
});
