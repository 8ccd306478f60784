import {
  CreateClusterCommand,
  DescribeServicesCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  TagResourceCommand,
} from "@aws-sdk/client-ecs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { applyMotoAccountHeader } from "../../src/aws/account-header.js";
import { SOURCE_TAG } from "../../src/resources/types.js";
import { copyExamples, editFile } from "./desired-repo.js";
import { git } from "./git.js";
import { defaultNetwork, MOTO_CREDENTIALS, MOTO_REGION, newAccountId } from "./moto.js";
import { syncOnce } from "../support/sync-once.js";

process.env["AWS_ACCESS_KEY_ID"] ??= MOTO_CREDENTIALS.accessKeyId;
process.env["AWS_SECRET_ACCESS_KEY"] ??= MOTO_CREDENTIALS.secretAccessKey;

const endpoint = inject("motoEndpoint");

/**
 * Two repositories with the same owner define the same family, service and rule. The source tag
 * names the repository that wrote each resource: the second one is told the resources are owned
 * by the first and writes nothing, instead of redeploying its own version on every resync.
 */
describe("two repositories, one owner", () => {
  let accountId: string;
  let ecs: ECSClient;
  const repos: Record<"first" | "second", string> = { first: "", second: "" };

  beforeAll(async () => {
    accountId = newAccountId();
    const network = await defaultNetwork(endpoint, accountId);
    ecs = new ECSClient({ endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS });
    applyMotoAccountHeader(ecs.middlewareStack, accountId);
    await ecs.send(new CreateClusterCommand({ clusterName: "shop" }));
    for (const [name, remote] of [
      ["first", "https://deploy-bot:ghp_secret@github.com/acme/shop-deploy.git"],
      ["second", "git@github.com:acme/platform-deploy.git"],
    ] as const) {
      const dir = await copyExamples(network);
      await git(dir, "init", "-q");
      await git(dir, "remote", "add", "origin", remote);
      repos[name] = dir;
    }
  });

  afterAll(() => ecs?.destroy());

  /** One apply of `dir`; `writes`: the write operations it called. */
  async function sync(dir: string) {
    const run = await syncOnce({
      path: dir,
      region: MOTO_REGION,
      endpoint,
      accountIdHeader: accountId,
      owner: "ecs-gitops",
      rateLimit: false,
    });
    return { outcomes: run.outcomes, writes: Object.keys(run.writes) };
  }

  it("the first repository's resources carry its identity, without credentials", async () => {
    const first = await sync(repos.first);
    expect(first.outcomes.filter((o) => o.outcome !== "applied")).toEqual([]);
    const { services } = await ecs.send(new DescribeServicesCommand({ cluster: "shop", services: ["web"], include: ["TAGS"] }));
    const source = services?.[0]?.tags?.find((t) => t.key === SOURCE_TAG)?.value;
    expect(source).toBe("github.com/acme/shop-deploy//web/service.yaml");
    await sync(repos.first); // moto drops some CreateService fields: converge once
  });

  it("the second repository is blocked as owned by the first, writes nothing, also with a different spec", async () => {
    await editFile(repos.second, "web/task-definition.yaml", (t) => t.replace(/shop\/web:[\d.]+/, "shop/web:9.9.9"));
    await editFile(repos.second, "worker/service.yaml", (t) => t.replace(/desiredCount: \d+/, "desiredCount: 7"));
    const before = (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: "web" }))).taskDefinitionArns;
    for (let round = 0; round < 2; round += 1) {
      const second = await sync(repos.second);
      expect(second.writes).toEqual([]);
      const blocked = second.outcomes.filter((o) => o.outcome === "blocked");
      expect(blocked.map((o) => o.key).sort()).toEqual([
        "ScheduledRule/default/nightly-report",
        "Service/shop/web",
        "Service/shop/worker",
        "TaskDefinition/nightly-report",
        "TaskDefinition/web",
        "TaskDefinition/worker",
      ]);
      for (const outcome of blocked)
        if (outcome.outcome === "blocked") expect(outcome.reason).toContain("owned by github.com/acme/shop-deploy");
    }
    expect((await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: "web" }))).taskDefinitionArns).toEqual(before);
    const { services } = await ecs.send(new DescribeServicesCommand({ cluster: "shop", services: ["worker"] }));
    expect(services?.[0]?.desiredCount).toBe(3);
    // And the first repository, still in charge, has nothing to do.
    expect((await sync(repos.first)).writes).toEqual([]);
  });

  it("the adopt annotation (which export writes on every manifest) does not take a resource from the other repository", async () => {
    for (const file of ["web/service.yaml", "web/task-definition.yaml"]) {
      await editFile(repos.second, file, (t) => t.replace("metadata:\n", 'metadata:\n  annotations: {ecs-gitops/adopt: "true"}\n'));
    }
    for (let round = 0; round < 2; round += 1) {
      const second = await sync(repos.second);
      expect(second.writes).toEqual([]);
      for (const key of ["Service/shop/web", "TaskDefinition/web"])
        expect(second.outcomes.find((o) => o.key === key)).toMatchObject({ outcome: "blocked" });
    }
    const { services } = await ecs.send(new DescribeServicesCommand({ cluster: "shop", services: ["web"], include: ["TAGS"] }));
    expect(services?.[0]?.tags?.find((t) => t.key === SOURCE_TAG)?.value).toBe("github.com/acme/shop-deploy//web/service.yaml");
  });

  it("a resource tagged in the older form (path only) stays the first repository's, and is rewritten with its next tag write", async () => {
    const tagsOf = async () =>
      (await ecs.send(new DescribeServicesCommand({ cluster: "shop", services: ["worker"], include: ["TAGS"] }))).services?.[0];
    const worker = await tagsOf();
    await ecs.send(new TagResourceCommand({ resourceArn: worker?.serviceArn, tags: [{ key: SOURCE_TAG, value: "worker/service.yaml" }] }));
    // Ours, and the older form alone is no reason to write.
    expect((await sync(repos.first)).writes).toEqual([]);
    await editFile(repos.first, "worker/service.yaml", (t) => t.replace(/team: \S+/, "team: shop-ops"));
    expect((await sync(repos.first)).writes).toEqual(["ecs:TagResource"]);
    expect((await tagsOf())?.tags).toEqual(
      expect.arrayContaining([
        { key: SOURCE_TAG, value: "github.com/acme/shop-deploy//worker/service.yaml" },
        { key: "team", value: "shop-ops" },
      ]),
    );
  });
});
