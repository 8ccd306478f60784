import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../../../src/json.js";
import { planService } from "../../../../src/resources/service/plan.js";
import { manifestSpecHash } from "../../../../src/resources/common/spec-hash.js";
import { OWNER_TAG, SOURCE_TAG, SPEC_HASH_TAG } from "../../../../src/resources/types.js";
import { manifestOf, planContext, resolverOf } from "../builders.js";
import { getAt, leafPaths, mutated, setAt } from "../../../support/json-mutation.js";
import type { Path } from "../../../support/json-mutation.js";

/*
 * A service with every compared field set (more than AWS would accept together: launchType and a
 * strategy, a role with awsvpc; the normalizer treats each field on its own). Every leaf of this
 * spec is mutated on the live side, and each mutation must show as a change.
 */
const TD_ARN = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:12";
const NAMESPACE = "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-4ihbl3xw3nujcjjk";

const richSpec: JsonObject = {
  cluster: "prod",
  taskDefinition: "web",
  desiredCount: 3,
  launchType: "FARGATE",
  capacityProviderStrategy: [
    { capacityProvider: "FARGATE", base: 1, weight: 1 },
    { capacityProvider: "FARGATE_SPOT", base: 0, weight: 4 },
  ],
  platformVersion: "1.4.0",
  role: "ecsServiceRole",
  availabilityZoneRebalancing: "ENABLED",
  loadBalancers: [
    { targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1", containerName: "web", containerPort: 8080 },
    {
      targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/admin/2",
      containerName: "web",
      containerPort: 9090,
    },
  ],
  serviceRegistries: [
    { registryArn: "arn:aws:servicediscovery:us-east-1:123456789012:service/srv-1", containerName: "web", containerPort: 8080 },
  ],
  deploymentConfiguration: {
    maximumPercent: 150,
    minimumHealthyPercent: 50,
    deploymentCircuitBreaker: { enable: true, rollback: true },
    alarms: { alarmNames: ["web-5xx", "web-latency"], enable: true, rollback: false },
    strategy: "ROLLING",
    bakeTimeInMinutes: 5,
  },
  placementConstraints: [{ type: "memberOf", expression: "attribute:ecs.instance-type =~ m5.*" }],
  placementStrategy: [
    { type: "spread", field: "attribute:ecs.availability-zone" },
    { type: "binpack", field: "memory" },
  ],
  networkConfiguration: {
    awsvpcConfiguration: { subnets: ["subnet-a", "subnet-b"], securityGroups: ["sg-1", "sg-2"], assignPublicIp: "ENABLED" },
  },
  healthCheckGracePeriodSeconds: 60,
  schedulingStrategy: "REPLICA",
  deploymentController: { type: "ECS" },
  enableECSManagedTags: true,
  propagateTags: "SERVICE",
  enableExecuteCommand: true,
  serviceConnectConfiguration: {
    enabled: true,
    namespace: NAMESPACE,
    services: [{ portName: "http", discoveryName: "web", clientAliases: [{ port: 80, dnsName: "web.shop" }] }],
    logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/ecs/sc", "awslogs-region": "us-east-1" } },
  },
  volumeConfigurations: [
    {
      name: "data",
      managedEBSVolume: {
        roleArn: "arn:aws:iam::123456789012:role/ebs",
        sizeInGiB: 20,
        volumeType: "gp3",
        encrypted: true,
        filesystemType: "xfs",
      },
    },
  ],
  vpcLatticeConfigurations: [
    {
      roleArn: "arn:aws:iam::123456789012:role/lattice",
      targetGroupArn: "arn:aws:vpc-lattice:us-east-1:123456789012:targetgroup/tg-1",
      portName: "http",
    },
  ],
};

const PRIMARY_FIELDS = ["serviceConnectConfiguration", "volumeConfigurations", "vpcLatticeConfigurations"];

const manifest = manifestOf("Service", "web", richSpec, { labels: { team: "shop", tier: "front" } });
const ctx = planContext({ resolveTaskDefinition: resolverOf({ web: TD_ARN }) });

/** The DescribeServices object AWS would return after ecs-gitops applied `manifest`. */
function richLive(): JsonObject {
  const live: JsonObject = {
    serviceArn: "arn:aws:ecs:us-east-1:123456789012:service/prod/web",
    serviceName: "web",
    clusterArn: "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
    status: "ACTIVE",
    runningCount: 3,
    pendingCount: 0,
    createdAt: "2025-01-20T14:02:11.908000+00:00",
    createdBy: "arn:aws:iam::123456789012:role/deployer",
    platformFamily: "Linux",
    events: [{ id: "e1", createdAt: "2025-03-11T09:16:02.510000+00:00", message: "(service web) has reached a steady state." }],
    roleArn: "arn:aws:iam::123456789012:role/ecsServiceRole",
    taskDefinition: TD_ARN,
    tags: [
      { key: OWNER_TAG, value: "ecs-gitops" },
      { key: SOURCE_TAG, value: "web.yaml" },
      { key: SPEC_HASH_TAG, value: manifestSpecHash(manifest) },
      { key: "team", value: "shop" },
      { key: "tier", value: "front" },
    ],
  };
  const primary: JsonObject = {
    id: "ecs-svc/1",
    status: "PRIMARY",
    taskDefinition: TD_ARN,
    desiredCount: 3,
    runningCount: 3,
    platformVersion: "1.4.0",
    rolloutState: "COMPLETED",
  };
  for (const [field, value] of Object.entries(richSpec)) {
    if (field === "cluster" || field === "taskDefinition" || field === "role") continue;
    if (PRIMARY_FIELDS.includes(field)) primary[field] = structuredClone(value);
    else live[field] = structuredClone(value);
  }
  primary["networkConfiguration"] = structuredClone(richSpec["networkConfiguration"] ?? null);
  live["deployments"] = [
    primary,
    { id: "ecs-svc/0", status: "ACTIVE", taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:11" },
  ];
  return live;
}

/** Where a spec path lives in the DescribeServices object. */
function livePath(path: Path): Path {
  const [head, ...rest] = path;
  if (typeof head === "string" && PRIMARY_FIELDS.includes(head)) return ["deployments", 0, head, ...rest];
  if (head === "role") return ["roleArn"];
  return path;
}

const specLeaves = leafPaths(richSpec).filter((p) => p[0] !== "cluster"); // cluster is the identity (resource key)

describe("service mutation coverage", () => {
  it("starts from a live service that matches the rich spec", () => {
    const action = planService(manifest, richLive(), ctx);
    expect(action.changes).toEqual([]);
    expect(action.type).toBe("noop");
  });

  it("covers every leaf of the rich spec", () => {
    expect(specLeaves.length).toBeGreaterThanOrEqual(60);
  });

  it.each(specLeaves.map((p) => [p.join("."), p] as const))("detects a live change at %s", (_name, path) => {
    const live = richLive();
    const at = livePath(path);
    setAt(live, at, mutated(getAt(live, at)));
    expect(planService(manifest, live, ctx).changes).not.toEqual([]);
  });

  it.each([["team"], ["tier"], [OWNER_TAG], [SPEC_HASH_TAG]])("detects a changed tag %s", (key) => {
    const live = richLive();
    live["tags"] = (live["tags"] as JsonObject[]).map((t) => (t["key"] === key ? { ...t, value: "other" } : t));
    expect(planService(manifest, live, ctx).changes.map((c) => c.path)).toEqual([`/tags/${key}`]);
  });

  const responseOnly: Path[] = [
    ["runningCount"],
    ["pendingCount"],
    ["status"],
    ["createdAt"],
    ["createdBy"],
    ["platformFamily"],
    ["events", 0, "message"],
    ["deployments", 0, "runningCount"],
    ["deployments", 0, "platformVersion"],
    ["deployments", 0, "taskDefinition"],
    ["deployments", 0, "networkConfiguration", "awsvpcConfiguration", "assignPublicIp"],
    ["deployments", 1, "taskDefinition"],
  ];
  it.each(responseOnly.map((p) => [p.join("."), p] as const))("ignores the response-only field %s", (_name, path) => {
    const live = richLive();
    setAt(live, path, mutated(getAt(live, path)));
    expect(planService(manifest, live, ctx).changes).toEqual([]);
  });
});

describe("service order", () => {
  const reverse = (live: JsonObject, path: Path) => {
    const list = getAt(live, path);
    if (!Array.isArray(list) || list.length < 2) throw new Error(`need a list of two at ${path.join(".")}`);
    setAt(live, path, [...list].reverse());
  };
  const setLike: Path[] = [
    ["networkConfiguration", "awsvpcConfiguration", "subnets"],
    ["networkConfiguration", "awsvpcConfiguration", "securityGroups"],
    ["tags"],
    ["loadBalancers"],
    ["capacityProviderStrategy"],
    ["deploymentConfiguration", "alarms", "alarmNames"],
  ];
  it.each(setLike.map((p) => [p.join("."), p] as const))("permuting %s on the live side is no change", (_name, path) => {
    const live = richLive();
    reverse(live, path);
    expect(planService(manifest, live, ctx).changes).toEqual([]);
  });

  it("permuting placementStrategy on the live side is a change", () => {
    const live = richLive();
    reverse(live, ["placementStrategy"]);
    expect(planService(manifest, live, ctx).changes.map((c) => c.path)).toEqual([
      "/placementStrategy/0/field",
      "/placementStrategy/0/type",
      "/placementStrategy/1/field",
      "/placementStrategy/1/type",
    ]);
  });
});
