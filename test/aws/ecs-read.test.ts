import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { describeCluster, describeServices, describeTaskDefinition, listServiceArns } from "../../src/aws/ecs-read.js";
import { assertAllCalled, aws, fakeClients, isolateNetwork, replyError, replyJson, restoreNetwork } from "./aws-nock.js";
import type { RequestBody } from "./aws-nock.js";

beforeAll(isolateNetwork);
afterEach(assertAllCalled);
afterAll(restoreNetwork);

const ARN = "arn:aws:ecs:us-east-1:111122223333";

function service(name: string, status = "ACTIVE") {
  return {
    serviceArn: `${ARN}:service/prod/${name}`,
    serviceName: name,
    status,
    createdAt: 1_700_000_000.5,
    tags: [{ key: "team", value: "shop" }],
  };
}

describe("describeServices", () => {
  it("reports failures[] MISSING as missing, not as an exception, and INACTIVE services as missing too", async () => {
    replyJson(aws("ecs", "DescribeServices"), {
      services: [service("web"), service("old", "INACTIVE")],
      failures: [{ arn: `${ARN}:service/prod/gone`, reason: "MISSING" }],
    });
    const result = await describeServices(fakeClients(), "prod", ["web", "old", "gone"]);
    expect([...result.services.keys()]).toEqual(["web"]);
    expect(result.missing.sort()).toEqual(["gone", "old"]);
    expect(result.failures).toEqual([]);
    expect(result.clusterMissing).toBe(false);
  });

  it("returns plain JSON with tags and ISO dates", async () => {
    replyJson(aws("ecs", "DescribeServices"), { services: [service("web")], failures: [] });
    const { services } = await describeServices(fakeClients(), "prod", ["web"]);
    expect(services.get("web")).toMatchObject({ createdAt: "2023-11-14T22:13:20.500Z", tags: [{ key: "team", value: "shop" }] });
    expect(services.get("web")).not.toHaveProperty("$metadata");
  });

  it("asks for at most 10 services per call, with include TAGS", async () => {
    const names = Array.from({ length: 23 }, (_, i) => `svc-${i}`);
    const batches: string[][] = [];
    replyJson(
      aws("ecs", "DescribeServices", (body: RequestBody) => {
        const asked = body["services"] as string[];
        batches.push(asked);
        return body["cluster"] === "prod" && JSON.stringify(body["include"]) === '["TAGS"]' && asked.length <= 10;
      }).times(3),
      { services: [], failures: [] },
    );
    const clients = fakeClients();
    const result = await describeServices(clients, "prod", names);
    expect(batches.map((batch) => batch.length)).toEqual([10, 10, 3]);
    expect(clients.calls.calls("ecs:DescribeServices")).toBe(3);
    // Neither described nor reported: counted as absent rather than silently dropped.
    expect(result.missing).toHaveLength(23);
  });

  it("treats a missing cluster as every service missing, without describing further batches", async () => {
    replyError(aws("ecs", "DescribeServices"), 400, "ClusterNotFoundException", "Cluster not found.");
    const clients = fakeClients();
    const names = Array.from({ length: 12 }, (_, i) => `svc-${i}`);
    const result = await describeServices(clients, "nope", names);
    expect(result.clusterMissing).toBe(true);
    expect(result.missing).toEqual(names);
    expect(clients.calls.calls("ecs:DescribeServices")).toBe(1);
  });

  it("keeps failures with other reasons as data", async () => {
    replyJson(aws("ecs", "DescribeServices"), {
      services: [],
      failures: [{ arn: `${ARN}:service/prod/web`, reason: "ACCESS_DENIED", detail: "x" }],
    });
    const result = await describeServices(fakeClients(), "prod", ["web"]);
    expect(result.failures).toEqual([{ arn: `${ARN}:service/prod/web`, reason: "ACCESS_DENIED", detail: "x" }]);
    expect(result.missing).toEqual([]);
  });
});

describe("describeTaskDefinition and its cache", () => {
  const taskDefinitionArn = `${ARN}:task-definition/web:3`;
  const described = {
    taskDefinition: { taskDefinitionArn, family: "web", revision: 3, registeredAt: 1_700_000_000 },
    tags: [{ key: "ecs-gitops:owner", value: "ecs-gitops" }],
  };

  it("returns the whole answer as plain JSON with ISO dates", async () => {
    replyJson(
      aws("ecs", "DescribeTaskDefinition", (body) => body["taskDefinition"] === "web" && JSON.stringify(body["include"]) === '["TAGS"]'),
      described,
    );
    await expect(describeTaskDefinition(fakeClients(), "web")).resolves.toEqual({
      taskDefinition: { taskDefinitionArn, family: "web", revision: 3, registeredAt: "2023-11-14T22:13:20.000Z" },
      tags: [{ key: "ecs-gitops:owner", value: "ecs-gitops" }],
    });
  });
});

describe("clusters", () => {
  it("describeCluster gives undefined for a MISSING cluster", async () => {
    replyJson(aws("ecs", "DescribeClusters"), { clusters: [], failures: [{ arn: `${ARN}:cluster/nope`, reason: "MISSING" }] });
    await expect(describeCluster(fakeClients(), "nope")).resolves.toBeUndefined();
  });

  it("listServiceArns gives [] for a cluster that does not exist", async () => {
    replyError(aws("ecs", "ListServices"), 400, "ClusterNotFoundException", "Cluster not found.");
    await expect(listServiceArns(fakeClients(), "nope")).resolves.toEqual([]);
  });
});
