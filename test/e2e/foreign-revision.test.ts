import { DescribeServicesCommand, DescribeTaskDefinitionCommand, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import type { RegisterTaskDefinitionCommandInput, ECSClient } from "@aws-sdk/client-ecs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { editFile } from "./desired-repo.js";
import { MOTO_CREDENTIALS, MOTO_REGION } from "./moto.js";
import { examplesAccount } from "../support/examples-account.js";
import type { ExamplesAccount } from "../support/examples-account.js";
import { syncOnce } from "../support/sync-once.js";

process.env["AWS_ACCESS_KEY_ID"] ??= MOTO_CREDENTIALS.accessKeyId;
process.env["AWS_SECRET_ACCESS_KEY"] ??= MOTO_CREDENTIALS.secretAccessKey;

const endpoint = inject("motoEndpoint");
const IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:3.1.0";

/**
 * Another team registers a revision of our family by hand, with their tags, whose content happens
 * to equal what git is about to ask for. It is theirs: never retagged, never run by our service.
 */
describe("a hand-registered revision with git's content", () => {
  let account: ExamplesAccount;
  let accountId: string;
  let ecs: ECSClient;
  let dir: string;

  beforeAll(async () => {
    account = await examplesAccount(endpoint);
    ({ accountId, ecs, dir } = account);
  });

  afterAll(() => account?.destroy());

  const sync = () =>
    syncOnce({ path: dir, region: MOTO_REGION, endpoint, accountIdHeader: accountId, owner: "ecs-gitops", rateLimit: false });

  it("is left alone: ours is registered and the service moves onto it", async () => {
    await sync();
    await sync(); // moto drops some CreateService fields: converge once
    const ours = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "web" }))).taskDefinition!;
    const {
      taskDefinitionArn: _arn,
      revision: _revision,
      status: _status,
      compatibilities: _c,
      requiresAttributes: _r,
      registeredAt: _at,
      registeredBy: _by,
      ...content
    } = ours;
    const containers = content.containerDefinitions?.map((c) => ({ ...c, image: IMAGE }));
    const theirTags = [
      { key: "team", value: "payments" },
      { key: "created-by", value: "console" },
    ];
    const theirs = await ecs.send(
      new RegisterTaskDefinitionCommand({
        ...(content as RegisterTaskDefinitionCommandInput),
        containerDefinitions: containers,
        tags: theirTags,
      }),
    );
    const theirArn = theirs.taskDefinition?.taskDefinitionArn;

    await editFile(dir, "web/task-definition.yaml", (t) => t.replace(/shop\/web:[\d.]+/, "shop/web:3.1.0"));
    const run = await sync();
    expect(run.outcomes.filter((o) => o.outcome !== "applied" && o.outcome !== "unchanged")).toEqual([]);
    expect(run.writes).toEqual({ "ecs:RegisterTaskDefinition": 1, "ecs:UpdateService": 1 });

    const after = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: theirArn, include: ["TAGS"] }));
    expect(after.tags).toEqual(expect.arrayContaining(theirTags));
    expect(after.tags?.map((t) => t.key)).not.toContain("ecs-gitops:owner");
    const { services } = await ecs.send(new DescribeServicesCommand({ cluster: "shop", services: ["web"] }));
    expect(services?.[0]?.taskDefinition).not.toBe(theirArn);
    expect(services?.[0]?.taskDefinition).toMatch(/task-definition\/web:3$/);
  });
});
