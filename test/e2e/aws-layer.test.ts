import { CreateClusterCommand } from "@aws-sdk/client-ecs";
import { CreateEventBusCommand } from "@aws-sdk/client-eventbridge";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { accountIdFromArn } from "../../src/aws/arn.js";
import { createAwsClients, destroyAwsClients } from "../../src/aws/clients.js";
import type { AwsClients } from "../../src/aws/clients.js";
import {
  describeCluster,
  describeServices,
  describeTaskDefinition,
  listServiceArns,
  listTaskDefinitionArns,
  listTaskDefinitionFamilies,
} from "../../src/aws/ecs-read.js";
import { describeRule, listRules, listTagsForResource, listTargetsByRule } from "../../src/aws/events-read.js";
import { putEvents } from "../../src/aws/put-events.js";
import { executeCall } from "../../src/aws/write.js";
import { isJsonObject } from "../../src/json.js";
import type { JsonObject, JsonValue } from "../../src/json.js";
import { defaultNetwork, MOTO_CREDENTIALS, MOTO_REGION, newAccountId } from "./moto.js";
import type { DefaultNetwork } from "./moto.js";

const CLUSTER = "prod";
const FAMILY = "web";
const SERVICE_COUNT = 23;

function member(value: JsonValue | undefined, key: string): JsonValue | undefined {
  return isJsonObject(value) ? value[key] : undefined;
}

function clientsFor(accountId: string): AwsClients {
  return createAwsClients({
    endpoint: inject("motoEndpoint"),
    region: MOTO_REGION,
    credentials: MOTO_CREDENTIALS,
    accountIdHeader: accountId,
  });
}

describe("the AWS layer against moto_server", () => {
  const accountId = newAccountId();
  let clients: AwsClients;
  let network: DefaultNetwork;
  let clusterArn: string;
  let taskDefinitionArn: string;
  const serviceNames = Array.from({ length: SERVICE_COUNT }, (_, i) => `svc-${String(i).padStart(2, "0")}`);

  beforeAll(async () => {
    clients = clientsFor(accountId);
    network = await defaultNetwork(inject("motoEndpoint"), accountId);
    const cluster = await clients.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
    clusterArn = cluster.cluster?.clusterArn ?? "";
    clients.calls.reset();
  });

  afterAll(() => destroyAwsClients(clients));

  it("keeps accounts apart and learns the account id from the cluster ARN", async () => {
    const cluster = await describeCluster(clients, CLUSTER);
    expect(accountIdFromArn(String(member(cluster, "clusterArn")))).toBe(accountId);
    const other = clientsFor(newAccountId());
    await expect(describeCluster(other, CLUSTER)).resolves.toBeUndefined();
    destroyAwsClients(other);
  });

  it("registers a task definition with executeCall and describes it back with its tags", async () => {
    const registered = await executeCall(clients, {
      operation: "ecs:RegisterTaskDefinition",
      input: {
        family: FAMILY,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: "256",
        memory: "512",
        containerDefinitions: [{ name: "web", image: "public.ecr.aws/nginx/nginx:1.27", portMappings: [{ containerPort: 80 }] }],
        tags: [{ key: "ecs-gitops:owner", value: "ecs-gitops" }],
      },
    });
    taskDefinitionArn = String(member(registered["taskDefinition"], "taskDefinitionArn"));
    expect(taskDefinitionArn).toMatch(new RegExp(`^arn:aws:ecs:${MOTO_REGION}:${accountId}:task-definition/${FAMILY}:1$`));

    const described = await describeTaskDefinition(clients, taskDefinitionArn);
    expect(member(described?.["taskDefinition"], "family")).toBe(FAMILY);
    expect(described?.["tags"]).toEqual([{ key: "ecs-gitops:owner", value: "ecs-gitops" }]);
    await expect(describeTaskDefinition(clients, "no-such-family")).resolves.toBeUndefined();

    await expect(listTaskDefinitionArns(clients, FAMILY)).resolves.toEqual([taskDefinitionArn]);
    await expect(listTaskDefinitionFamilies(clients, "we")).resolves.toEqual([FAMILY]);
  });

  it(`creates ${SERVICE_COUNT} services and describes them in batches of 10`, async () => {
    for (const serviceName of serviceNames) {
      await executeCall(clients, {
        operation: "ecs:CreateService",
        input: {
          cluster: CLUSTER,
          serviceName,
          taskDefinition: taskDefinitionArn,
          desiredCount: 1,
          launchType: "FARGATE",
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: network.subnets.slice(0, 2),
              securityGroups: network.securityGroups,
              assignPublicIp: "DISABLED",
            },
          },
          tags: [{ key: "ecs-gitops:owner", value: "ecs-gitops" }],
        },
      });
    }
    clients.calls.reset();
    const { services, missing, clusterMissing } = await describeServices(clients, CLUSTER, serviceNames);
    expect(services.size).toBe(SERVICE_COUNT);
    expect([missing, clusterMissing]).toEqual([[], false]);
    expect(member(services.get("svc-07"), "tags")).toEqual([{ key: "ecs-gitops:owner", value: "ecs-gitops" }]);
    expect(member(member(services.get("svc-07"), "networkConfiguration"), "awsvpcConfiguration")).toMatchObject({
      subnets: network.subnets.slice(0, 2),
    });
    expect(clients.calls.calls("ecs:DescribeServices")).toBe(3);
    expect(clients.calls.writes()).toBe(0);

    const arns = await listServiceArns(clients, CLUSTER);
    expect(arns).toHaveLength(SERVICE_COUNT);
  });

  it("updates, tags, untags and deletes services, reading each change back", async () => {
    await executeCall(clients, { operation: "ecs:UpdateService", input: { cluster: CLUSTER, service: "svc-00", desiredCount: 3 } });
    await executeCall(clients, {
      operation: "ecs:TagResource",
      input: { resourceArn: `arn:aws:ecs:${MOTO_REGION}:${accountId}:service/${CLUSTER}/svc-01`, tags: [{ key: "team", value: "shop" }] },
    });
    await executeCall(clients, {
      operation: "ecs:UntagResource",
      input: { resourceArn: `arn:aws:ecs:${MOTO_REGION}:${accountId}:service/${CLUSTER}/svc-02`, tagKeys: ["ecs-gitops:owner"] },
    });
    await executeCall(clients, { operation: "ecs:DeleteService", input: { cluster: CLUSTER, service: "svc-03", force: true } });

    const { services, missing } = await describeServices(clients, CLUSTER, ["svc-00", "svc-01", "svc-02", "svc-03", "never-created"]);
    expect(member(services.get("svc-00"), "desiredCount")).toBe(3);
    expect(member(services.get("svc-01"), "tags")).toEqual(
      expect.arrayContaining([
        { key: "ecs-gitops:owner", value: "ecs-gitops" },
        { key: "team", value: "shop" },
      ]),
    );
    expect(member(services.get("svc-02"), "tags") ?? []).toEqual([]);
    expect(missing.sort()).toEqual(["never-created", "svc-03"]);
  });

  it("reports every service missing when the cluster does not exist", async () => {
    const result = await describeServices(clients, "no-such-cluster", ["a", "b"]);
    expect(result).toMatchObject({ clusterMissing: true, missing: ["a", "b"] });
  });

  it("puts a rule with targets, lists and tags it, then removes it", async () => {
    const bus = "default"; // schedule expressions work only on the default bus (on AWS too)
    const ruleInput: JsonObject = {
      Name: "nightly-report",
      EventBusName: bus,
      ScheduleExpression: "rate(1 day)",
      State: "ENABLED",
      Description: "nightly report",
      Tags: [{ Key: "ecs-gitops:owner", Value: "ecs-gitops" }],
    };
    const put = await executeCall(clients, { operation: "events:PutRule", input: ruleInput });
    const ruleArn = String(put["RuleArn"]);
    await executeCall(clients, { operation: "events:PutRule", input: { ...ruleInput, Name: "nightly-cleanup", Tags: [] } });
    await executeCall(clients, {
      operation: "events:PutTargets",
      input: {
        Rule: "nightly-report",
        EventBusName: bus,
        Targets: [
          {
            Id: "report",
            Arn: clusterArn,
            RoleArn: `arn:aws:iam::${accountId}:role/ecsEventsRole`,
            EcsParameters: { TaskDefinitionArn: taskDefinitionArn, TaskCount: 1, LaunchType: "FARGATE" },
          },
        ],
      },
    });

    expect((await listRules(clients, bus, "nightly-")).map((rule) => rule["Name"]).sort()).toEqual(["nightly-cleanup", "nightly-report"]);
    expect(await describeRule(clients, bus, "nightly-report")).toMatchObject({
      Name: "nightly-report",
      State: "ENABLED",
      Description: "nightly report",
    });
    const targets = await listTargetsByRule(clients, bus, "nightly-report");
    expect(targets).toEqual([
      expect.objectContaining({ Id: "report", Arn: clusterArn, EcsParameters: expect.objectContaining({ TaskCount: 1 }) }),
    ]);

    await executeCall(clients, { operation: "events:TagResource", input: { ResourceARN: ruleArn, Tags: [{ Key: "team", Value: "ops" }] } });
    await executeCall(clients, { operation: "events:UntagResource", input: { ResourceARN: ruleArn, TagKeys: ["ecs-gitops:owner"] } });
    await expect(listTagsForResource(clients, ruleArn)).resolves.toEqual([{ Key: "team", Value: "ops" }]);

    await executeCall(clients, {
      operation: "events:RemoveTargets",
      input: { Rule: "nightly-report", EventBusName: bus, Ids: ["report"] },
    });
    await executeCall(clients, { operation: "events:DeleteRule", input: { Name: "nightly-report", EventBusName: bus } });
    await expect(describeRule(clients, bus, "nightly-report")).resolves.toBeUndefined();
  });

  it("puts events to a bus and deregisters the task definition", async () => {
    const bus = "alerts";
    await clients.events.send(new CreateEventBusCommand({ Name: bus }));
    const ids = await putEvents(clients, bus, [{ source: "ecs-gitops", detailType: "Drift", detail: { key: "Service/prod/web" } }]);
    expect(ids).toHaveLength(1);

    await executeCall(clients, { operation: "ecs:DeregisterTaskDefinition", input: { taskDefinition: taskDefinitionArn } });
    await expect(listTaskDefinitionArns(clients, FAMILY, "INACTIVE")).resolves.toEqual([taskDefinitionArn]);
  });

  it("makes zero write calls for a pure read pass", async () => {
    clients.calls.reset();
    await describeServices(clients, CLUSTER, serviceNames);
    await listRules(clients, "default");
    await describeTaskDefinition(clients, taskDefinitionArn);
    expect(clients.calls.writes()).toBe(0);
    expect(clients.calls.reads()).toBe(5);
    expect(clients.calls.snapshot()).toMatchObject({ reads: 5, writes: 0, attempts: 5, errors: 0 });
  });
});
