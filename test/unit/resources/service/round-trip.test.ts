import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../../../src/json.js";
import { readLiveService } from "../../../../src/resources/service/normalize.js";
import { planService } from "../../../../src/resources/service/plan.js";
import { manifestSpecHash } from "../../../../src/resources/common/spec-hash.js";
import { OWNER_TAG, SOURCE_TAG, SPEC_HASH_TAG } from "../../../../src/resources/types.js";
import { manifestOf, planContext, resolverOf } from "../builders.js";

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../../fixtures/aws/${name}`, import.meta.url), "utf8"));

type Case = {
  fixture: string;
  name: string;
  /** The manifest a user would write for this service: no server defaults. */
  spec: JsonObject;
  labels?: Record<string, string>;
  file?: string;
  /** What `taskDefinition` resolves to (the revision the repository manages). */
  known: Record<string, string>;
};

const cases: Case[] = [
  {
    fixture: "svc-describe-fargate-tutorial.json",
    name: "fargate-service",
    spec: {
      cluster: "fargate-cluster",
      taskDefinition: "sample-fargate",
      desiredCount: 2,
      launchType: "FARGATE",
      networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-abcd1234"], securityGroups: ["sg-abcd1234"] } },
    },
    known: { "sample-fargate": "arn:aws:ecs:region:aws_account_id:task-definition/sample-fargate:1" },
  },
  {
    fixture: "svc-update-capacity-provider-2024.json",
    name: "my-http-service",
    spec: {
      cluster: "MyCluster",
      taskDefinition: "MyTaskDefinition",
      desiredCount: 2,
      capacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1 }],
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ["subnet-0db5010045995c2d5", "subnet-0d0eab1bb38d5ca64"],
          securityGroups: ["sg-02556bf85a191f59a"],
          assignPublicIp: "ENABLED",
        },
      },
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      enableECSManagedTags: true,
    },
    known: { MyTaskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/MyTaskDefinition" },
  },
  {
    fixture: "svc-create-fargate-tags-2019.json",
    name: "MyService",
    labels: { key1: "value1", key2: "value2", key3: "value3" },
    spec: {
      cluster: "MyCluster",
      taskDefinition: "sample-fargate:1",
      desiredCount: 2,
      launchType: "FARGATE",
      platformVersion: "LATEST",
      networkConfiguration: {
        awsvpcConfiguration: { subnets: ["subnet-12344321"], securityGroups: ["sg-12344321"], assignPublicIp: "ENABLED" },
      },
    },
    known: { "sample-fargate:1": "arn:aws:ecs:us-west-2:123456789012:task-definition/sample-fargate:1" },
  },
  {
    fixture: "svc-describe-daemon-ec2-2020.json",
    name: "avc-backend-service",
    spec: { cluster: "avc", taskDefinition: "avc-backtask", schedulingStrategy: "DAEMON", launchType: "EC2" },
    known: { "avc-backtask": "arn:aws:ecs:eu-west-2:123456789012:task-definition/avc-backtask:7" },
  },
  {
    fixture: "svc-reconstructed-alb-circuit-breaker-alarms.json",
    name: "web",
    labels: { team: "shop" },
    file: "services/web.yaml",
    spec: {
      cluster: "prod",
      taskDefinition: "web",
      desiredCount: 3,
      launchType: "FARGATE",
      loadBalancers: [
        {
          targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/209a844cd01825a4",
          containerName: "web",
          containerPort: 8080,
        },
      ],
      healthCheckGracePeriodSeconds: 60,
      deploymentConfiguration: {
        minimumHealthyPercent: 50,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        alarms: { alarmNames: ["HighResponseLatencyAlarm", "web-5xx-rate"], enable: true, rollback: true },
      },
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ["subnet-0d0eab1bb38d5ca64", "subnet-0db5010045995c2d5"],
          securityGroups: ["sg-02556bf85a191f59a"],
        },
      },
      propagateTags: "SERVICE",
      enableECSManagedTags: true,
      enableExecuteCommand: true,
    },
    known: { web: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:12" },
  },
  {
    // The tutorial's own service-bluegreen.json input; CodeDeploy has since moved the service to
    // bluegreentarget2 and revision 2 (SV-14).
    fixture: "svc-reconstructed-codedeploy.json",
    name: "service-bluegreen",
    spec: {
      cluster: "tutorial-bluegreen-cluster",
      taskDefinition: "tutorial-task-def",
      loadBalancers: [
        {
          targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/bluegreentarget1/209a844cd01825a4",
          containerName: "sample-app",
          containerPort: 80,
        },
      ],
      launchType: "FARGATE",
      schedulingStrategy: "REPLICA",
      deploymentController: { type: "CODE_DEPLOY" },
      platformVersion: "LATEST",
      networkConfiguration: {
        awsvpcConfiguration: {
          assignPublicIp: "ENABLED",
          securityGroups: ["sg-abcd1234"],
          subnets: ["subnet-abcd1234", "subnet-abcd5678"],
        },
      },
      desiredCount: 1,
    },
    known: { "tutorial-task-def": "arn:aws:ecs:us-east-1:123456789012:task-definition/tutorial-task-def:1" },
  },
];

describe("service round trip against real DescribeServices shapes", () => {
  it.each(cases)("$fixture: the manifest a user writes plans no change", (c) => {
    const manifest = manifestOf("Service", c.name, c.spec, { labels: c.labels ?? {}, file: c.file ?? `${c.name}.yaml` });
    const live = readLiveService(fixture(c.fixture));
    expect(live).toBeDefined();
    if (!live) return;
    // Owned by us, as after the first apply (the fixtures' own tags are kept as the user's labels).
    const tags = Array.isArray(live["tags"]) ? live["tags"] : [];
    const ours = [
      { key: OWNER_TAG, value: "ecs-gitops" },
      { key: SOURCE_TAG, value: manifest.file },
      { key: SPEC_HASH_TAG, value: manifestSpecHash(manifest) },
    ];
    const owned: JsonObject = { ...live, tags: [...tags, ...ours] };
    const action = planService(manifest, owned, planContext({ resolveTaskDefinition: resolverOf(c.known) }));
    expect(action.changes).toEqual([]);
    expect(action.type).toBe("noop");
  });

  it("covers every service fixture shape", () => {
    expect(cases.map((c) => c.fixture)).toHaveLength(6);
  });
});
