import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { diffValues } from "../../../../src/diff/structural.js";
import type { JsonObject } from "../../../../src/json.js";
import { normalizeService, readLiveService, serviceNormalizeOptions } from "../../../../src/resources/service/normalize.js";
import { merge } from "../builders.js";
import type { Overrides } from "../builders.js";

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../../fixtures/aws/${name}`, import.meta.url), "utf8"));

/** Differences between a desired spec and a live service after normalizing both the same way. */
function diff(desired: JsonObject, live: JsonObject) {
  const opts = serviceNormalizeOptions(desired, live);
  return diffValues(normalizeService(desired, opts), normalizeService(live, opts));
}

/** A minimal live service as DescribeServices returns it today (2024-25 field set). */
function liveService(overrides: Overrides = {}): JsonObject {
  return merge(
    {
      serviceArn: "arn:aws:ecs:us-east-1:123456789012:service/prod/web",
      serviceName: "web",
      clusterArn: "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
      status: "ACTIVE",
      loadBalancers: [],
      serviceRegistries: [],
      desiredCount: 2,
      runningCount: 2,
      pendingCount: 0,
      launchType: "FARGATE",
      platformVersion: "LATEST",
      taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
      deploymentConfiguration: {
        deploymentCircuitBreaker: { enable: false, rollback: false },
        maximumPercent: 200,
        minimumHealthyPercent: 100,
        alarms: { alarmNames: [], rollback: false, enable: false },
      },
      deployments: [
        {
          id: "ecs-svc/1",
          status: "PRIMARY",
          taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
          desiredCount: 2,
          runningCount: 2,
        },
      ],
      roleArn: "arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
      events: [],
      createdAt: 1557119253.821,
      placementConstraints: [],
      placementStrategy: [],
      networkConfiguration: {
        awsvpcConfiguration: { subnets: ["subnet-b", "subnet-a"], securityGroups: ["sg-2", "sg-1"], assignPublicIp: "DISABLED" },
      },
      healthCheckGracePeriodSeconds: 0,
      schedulingStrategy: "REPLICA",
      deploymentController: { type: "ECS" },
      enableECSManagedTags: false,
      propagateTags: "NONE",
      enableExecuteCommand: false,
      availabilityZoneRebalancing: "ENABLED",
    },
    overrides,
  );
}

/** The spec a user writes for `liveService()`: no server defaults. */
function spec(overrides: Overrides = {}): JsonObject {
  return merge(
    {
      cluster: "prod",
      taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
      desiredCount: 2,
      launchType: "FARGATE",
      networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-a", "subnet-b"], securityGroups: ["sg-1", "sg-2"] } },
    },
    overrides,
  );
}

describe("readLiveService", () => {
  it("accepts {services: […]}, {service: …} and a bare service", () => {
    const services = readLiveService(fixture("svc-describe-fargate-tutorial.json"));
    const single = readLiveService(fixture("svc-update-capacity-provider-2024.json"));
    expect(services?.["serviceName"]).toBe("fargate-service");
    expect(single?.["serviceName"]).toBe("my-http-service");
    expect(readLiveService(single)).toEqual(single);
  });

  it("turns SDK Dates into ISO strings and drops nulls and undefined", () => {
    const live = readLiveService({
      $metadata: {},
      services: [{ serviceName: "web", createdAt: new Date("2024-12-03T21:24:25.225Z"), role: null, tags: undefined }],
    });
    expect(live).toEqual({ serviceName: "web", createdAt: "2024-12-03T21:24:25.225Z" });
  });

  it("treats an empty answer, a failure and an INACTIVE service as missing", () => {
    expect(
      readLiveService({ services: [], failures: [{ arn: "arn:aws:ecs:us-east-1:123456789012:service/prod/web", reason: "MISSING" }] }),
    ).toBeUndefined();
    expect(readLiveService({ services: [liveService({ status: "INACTIVE" })] })).toBeUndefined();
    expect(readLiveService(null)).toBeUndefined();
    expect(readLiveService("web")).toBeUndefined();
  });
});

describe("normalizeService rules", () => {
  it("equals a live service written the way a user would (defaults, order, status fields)", () => {
    expect(diff(spec(), liveService())).toEqual([]);
  });

  // Each row removes one rule's effect: the pair differs only by what that rule makes equal.
  const equivalent: [string, JsonObject, JsonObject][] = [
    [
      "SV-2 status and response-only fields",
      spec(),
      liveService({
        runningCount: 0,
        status: "DRAINING",
        events: [{ id: "e", message: "x" }],
        platformFamily: "Linux",
        createdBy: "arn:aws:iam::1:role/x",
        resourceManagementType: "CUSTOMER",
      }),
    ],
    ["SV-3 desiredCount unset is unmanaged", spec({ desiredCount: undefined }), liveService({ desiredCount: 7 })],
    ["SV-4 task definition ARN vs family:revision", spec({ taskDefinition: "web:3" }), liveService()],
    ["SV-5 Fargate platformVersion unset ≡ LATEST", spec(), liveService({ platformVersion: "LATEST" })],
    [
      "SV-6 REPLICA deployment defaults, pre-2020 output",
      spec(),
      liveService({ deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100 } }),
    ],
    [
      "SV-6 explicit defaults in the spec",
      spec({
        deploymentConfiguration: {
          maximumPercent: 200,
          minimumHealthyPercent: 100,
          strategy: "ROLLING",
          bakeTimeInMinutes: 0,
          deploymentCircuitBreaker: { enable: false, rollback: false },
          alarms: { alarmNames: [], enable: false, rollback: false },
        },
      }),
      liveService(),
    ],
    [
      "SV-6 alarm names are a set",
      spec({ deploymentConfiguration: { alarms: { alarmNames: ["a", "b"], enable: true, rollback: true } } }),
      liveService({
        deploymentConfiguration: {
          maximumPercent: 200,
          minimumHealthyPercent: 100,
          alarms: { alarmNames: ["b", "a"], enable: true, rollback: true },
        },
      }),
    ],
    ["SV-7 assignPublicIp unset ≡ DISABLED and sorted lists", spec(), liveService()],
    [
      "SV-8 propagateTags/bools/grace period unset",
      spec({ propagateTags: undefined }),
      liveService({ propagateTags: "NONE", enableECSManagedTags: false, enableExecuteCommand: false, healthCheckGracePeriodSeconds: 0 }),
    ],
    [
      "SV-9 deploymentController absent ≡ ECS",
      spec({ deploymentController: { type: "ECS" } }),
      liveService({ deploymentController: undefined }),
    ],
    ["SV-10 availabilityZoneRebalancing unset is unmanaged", spec(), liveService({ availabilityZoneRebalancing: "DISABLED" })],
    [
      "SV-11 capacityProviderStrategy unset is unmanaged",
      spec(),
      liveService({ capacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1, base: 0 }] }),
    ],
    [
      "SV-11 launchType unset is unmanaged",
      spec({ launchType: undefined, capacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1 }] }),
      liveService({ launchType: undefined, capacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1, base: 0 }] }),
    ],
    [
      "SV-12 placement field case and host ≡ instanceId",
      spec({
        placementStrategy: [
          { type: "spread", field: "host" },
          { type: "binpack", field: "MEMORY" },
        ],
      }),
      liveService({
        placementStrategy: [
          { type: "spread", field: "instanceId" },
          { type: "binpack", field: "memory" },
        ],
      }),
    ],
    [
      "SV-13 placementConstraints and serviceRegistries are sets",
      spec({
        placementConstraints: [{ type: "distinctInstance" }, { type: "memberOf", expression: "attribute:ecs.instance-type =~ t2.*" }],
        serviceRegistries: [{ registryArn: "arn:r/1" }, { registryArn: "arn:r/2" }],
      }),
      liveService({
        placementConstraints: [{ type: "memberOf", expression: "attribute:ecs.instance-type =~ t2.*" }, { type: "distinctInstance" }],
        serviceRegistries: [{ registryArn: "arn:r/2" }, { registryArn: "arn:r/1" }],
      }),
    ],
    [
      "SV-13 capacity provider strategy is a set with base/weight 0",
      spec({
        launchType: undefined,
        capacityProviderStrategy: [
          { capacityProvider: "FARGATE_SPOT", weight: 3 },
          { capacityProvider: "FARGATE", base: 1 },
        ],
      }),
      liveService({
        launchType: undefined,
        capacityProviderStrategy: [
          { capacityProvider: "FARGATE", weight: 0, base: 1 },
          { capacityProvider: "FARGATE_SPOT", weight: 3, base: 0 },
        ],
      }),
    ],
    [
      "SV-14 CODE_DEPLOY ignores targetGroupArn and the revision",
      spec({
        deploymentController: { type: "CODE_DEPLOY" },
        loadBalancers: [{ targetGroupArn: "arn:tg/blue", containerName: "web", containerPort: 80 }],
      }),
      liveService({
        deploymentController: { type: "CODE_DEPLOY" },
        taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:9",
        loadBalancers: [{ targetGroupArn: "arn:tg/green", containerName: "web", containerPort: 80 }],
      }),
    ],
    ["role: the service-linked role ≡ no role", spec(), liveService()],
    [
      "role: a name ≡ its ARN",
      spec({ role: "/ecs/ecsServiceRole" }),
      liveService({ roleArn: "arn:aws:iam::123456789012:role/ecs/ecsServiceRole" }),
    ],
    ["Service Connect {enabled:false} ≡ none", spec(), primaryWith({ serviceConnectConfiguration: { enabled: false } })],
    [
      "SV-13 Service Connect services by portName, client aliases as a set",
      spec({
        serviceConnectConfiguration: {
          enabled: true,
          namespace: "shop",
          services: [{ portName: "a", clientAliases: [{ port: 1 }, { port: 2 }] }, { portName: "b" }],
        },
      }),
      primaryWith({
        serviceConnectConfiguration: {
          enabled: true,
          namespace: "shop",
          services: [{ portName: "b" }, { portName: "a", clientAliases: [{ port: 2 }, { port: 1 }] }],
        },
      }),
    ],
    [
      "SV-13 EBS volume configurations by name, VPC Lattice by portName",
      spec({
        volumeConfigurations: [
          { name: "a", managedEBSVolume: { roleArn: "r" } },
          { name: "b", managedEBSVolume: { roleArn: "r" } },
        ],
        vpcLatticeConfigurations: [
          { portName: "a", roleArn: "r", targetGroupArn: "t2" },
          { portName: "b", roleArn: "r", targetGroupArn: "t1" },
        ],
      }),
      primaryWith({
        volumeConfigurations: [
          { name: "b", managedEBSVolume: { roleArn: "r" } },
          { name: "a", managedEBSVolume: { roleArn: "r" } },
        ],
        vpcLatticeConfigurations: [
          { portName: "b", roleArn: "r", targetGroupArn: "t1" },
          { portName: "a", roleArn: "r", targetGroupArn: "t2" },
        ],
      }),
    ],
    [
      "SV-5 launch left to the cluster: Fargate-ness from the live service",
      spec({ launchType: undefined }),
      liveService({
        launchType: undefined,
        capacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1, base: 0 }],
        platformVersion: "LATEST",
      }),
    ],
    [
      "schema projection drops fields newer than the schema",
      spec({ deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } } }),
      liveService({
        deploymentConfiguration: {
          maximumPercent: 200,
          minimumHealthyPercent: 100,
          deploymentCircuitBreaker: {
            enable: true,
            rollback: true,
            resetOnHealthyTask: true,
            thresholdConfiguration: { type: "BOUNDED_PERCENT", value: 50 },
          },
        },
      }),
    ],
  ];
  it.each(equivalent)("%s", (_rule, desired, live) => {
    expect(diff(desired, live)).toEqual([]);
  });

  it("SV-6 DAEMON defaults are 100/0 and desiredCount is ECS's", () => {
    const daemon = { schedulingStrategy: "DAEMON", launchType: "EC2", networkConfiguration: undefined, desiredCount: 1 };
    expect(
      diff(
        spec(daemon),
        liveService({
          ...daemon,
          platformVersion: undefined,
          networkConfiguration: undefined,
          desiredCount: 3,
          deploymentConfiguration: { maximumPercent: 100, minimumHealthyPercent: 0 },
        }),
      ),
    ).toEqual([]);
    expect(
      diff(
        spec(daemon),
        liveService({
          ...daemon,
          platformVersion: undefined,
          networkConfiguration: undefined,
          deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100 },
        }),
      ),
    ).not.toEqual([]);
  });

  it("SV-15 reads Service Connect, EBS volumes and VPC Lattice from the PRIMARY deployment", () => {
    const sc = {
      enabled: true,
      namespace: "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-abc",
      services: [{ portName: "http", clientAliases: [{ port: 80, dnsName: "web" }] }],
    };
    const volumes = [{ name: "data", managedEBSVolume: { roleArn: "arn:aws:iam::123456789012:role/ebs", sizeInGiB: 20 } }];
    const lattice = [{ portName: "http", roleArn: "arn:aws:iam::123456789012:role/lattice", targetGroupArn: "arn:aws:vpc-lattice:tg/1" }];
    const live = liveService({
      deployments: [
        { id: "ecs-svc/2", status: "ACTIVE", serviceConnectConfiguration: { enabled: true, namespace: "other" } },
        {
          id: "ecs-svc/1",
          status: "PRIMARY",
          serviceConnectConfiguration: sc,
          volumeConfigurations: volumes,
          vpcLatticeConfigurations: lattice,
        },
      ],
    });
    expect(diff(spec({ serviceConnectConfiguration: sc, volumeConfigurations: volumes, vpcLatticeConfigurations: lattice }), live)).toEqual(
      [],
    );
    expect(diff(spec(), live).map((c) => c.path)).toEqual([
      "/serviceConnectConfiguration",
      "/volumeConfigurations",
      "/vpcLatticeConfigurations",
    ]);
  });

  it("does not compare a Service Connect namespace written as a name with the ARN AWS reports", () => {
    const live = primaryWith({
      serviceConnectConfiguration: {
        enabled: true,
        namespace: "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-abc",
        services: [{ portName: "http" }],
      },
    });
    expect(
      diff(spec({ serviceConnectConfiguration: { enabled: true, namespace: "shop", services: [{ portName: "http" }] } }), live),
    ).toEqual([]);
    expect(
      diff(
        spec({
          serviceConnectConfiguration: {
            enabled: true,
            namespace: "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-xyz",
            services: [{ portName: "http" }],
          },
        }),
        live,
      ),
    ).not.toEqual([]);
  });

  const different: [string, JsonObject, JsonObject, string][] = [
    ["desiredCount set is managed", spec({ desiredCount: 3 }), liveService(), "/desiredCount"],
    ["platformVersion pinned on live", spec(), liveService({ platformVersion: "1.3.0" }), "/platformVersion"],
    [
      "assignPublicIp ENABLED",
      spec(),
      liveService({
        networkConfiguration: {
          awsvpcConfiguration: { subnets: ["subnet-a", "subnet-b"], securityGroups: ["sg-1", "sg-2"], assignPublicIp: "ENABLED" },
        },
      }),
      "/networkConfiguration/awsvpcConfiguration/assignPublicIp",
    ],
    ["propagateTags SERVICE", spec(), liveService({ propagateTags: "SERVICE" }), "/propagateTags"],
    ["grace period", spec(), liveService({ healthCheckGracePeriodSeconds: 30 }), "/healthCheckGracePeriodSeconds"],
    [
      "availabilityZoneRebalancing set is managed",
      spec({ availabilityZoneRebalancing: "DISABLED" }),
      liveService(),
      "/availabilityZoneRebalancing",
    ],
    [
      "placementStrategy order",
      spec({
        placementStrategy: [
          { type: "spread", field: "attribute:ecs.availability-zone" },
          { type: "binpack", field: "memory" },
        ],
      }),
      liveService({
        placementStrategy: [
          { type: "binpack", field: "memory" },
          { type: "spread", field: "attribute:ecs.availability-zone" },
        ],
      }),
      "/placementStrategy/0/field",
    ],
    [
      "custom placement attribute keeps its case",
      spec({ placementStrategy: [{ type: "spread", field: "attribute:Rack" }] }),
      liveService({ placementStrategy: [{ type: "spread", field: "attribute:rack" }] }),
      "/placementStrategy/0/field",
    ],
    [
      "ECS controller compares target groups",
      spec({ loadBalancers: [{ targetGroupArn: "arn:tg/blue", containerName: "web", containerPort: 80 }] }),
      liveService({ loadBalancers: [{ targetGroupArn: "arn:tg/green", containerName: "web", containerPort: 80 }] }),
      "/loadBalancers/0/targetGroupArn",
    ],
    ["a custom role differs from the service-linked one", spec({ role: "ecsServiceRole" }), liveService(), "/role"],
    ["task definition revision", spec({ taskDefinition: "web:4" }), liveService(), "/taskDefinition"],
  ];
  it.each(different)("reports %s", (_what, desired, live, path) => {
    expect(diff(desired, live).map((c) => c.path)).toContain(path);
  });
});

function primaryWith(fields: JsonObject): JsonObject {
  return liveService({ deployments: [{ id: "ecs-svc/1", status: "PRIMARY", ...fields }] });
}
