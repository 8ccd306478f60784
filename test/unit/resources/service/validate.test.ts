import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../../../src/json.js";
import {
  copy,
  ec2Service,
  ec2TaskDefinition,
  fargateService,
  fargateTaskDefinition,
  rulesOf,
  SUBNETS,
  validateDocs,
  yamlOf,
} from "../validate-fixtures.js";
import type { Doc } from "../validate-fixtures.js";

const variant = (base: Doc, mutate: (spec: JsonObject) => void): Doc => {
  const doc = copy(base);
  mutate(doc.spec);
  return doc;
};
const web = (mutate: (spec: JsonObject) => void) => [fargateTaskDefinition(), variant(fargateService(), mutate)];
const worker = (mutate: (spec: JsonObject) => void) => [ec2TaskDefinition(), variant(ec2Service(), mutate)];
const awsvpc = (spec: JsonObject) => (spec["networkConfiguration"] as JsonObject)["awsvpcConfiguration"] as JsonObject;
const balancer = (spec: JsonObject) => (spec["loadBalancers"] as JsonObject[])[0]!;

describe("validateService", () => {
  it("accepts a Fargate service behind a load balancer and an EC2 service", () => {
    expect(validateDocs(web(() => {})).problems).toEqual([]);
    expect(validateDocs(worker(() => {})).problems).toEqual([]);
  });

  const failing: { name: string; docs: Doc[]; rules: string[]; code?: "Semantic" | "UnresolvedReference" }[] = [
    {
      name: "a family the repo does not define",
      docs: web((s) => (s["taskDefinition"] = "api")),
      rules: ["service-task-definition"],
      code: "UnresolvedReference",
    },
    {
      name: "a revision 0",
      docs: web((s) => (s["taskDefinition"] = "web:0")),
      rules: ["service-task-definition"],
      code: "UnresolvedReference",
    },
    { name: "no taskDefinition", docs: web((s) => delete s["taskDefinition"]), rules: ["service-task-definition"] },
    {
      name: "both launchType and capacityProviderStrategy",
      docs: worker((s) => (s["capacityProviderStrategy"] = [{ capacityProvider: "shop-asg", weight: 1 }])),
      rules: ["service-launch-type-capacity-provider"],
    },
    {
      name: "an awsvpc task without networkConfiguration",
      docs: web((s) => delete s["networkConfiguration"]),
      rules: ["service-network-configuration"],
    },
    {
      name: "a bridge task with networkConfiguration",
      docs: worker((s) => (s["networkConfiguration"] = { awsvpcConfiguration: { subnets: [...SUBNETS] } })),
      rules: ["service-network-configuration"],
    },
    { name: "no subnets", docs: web((s) => (awsvpc(s)["subnets"] = [])), rules: ["service-subnets"] },
    {
      name: "17 subnets",
      docs: web((s) => (awsvpc(s)["subnets"] = Array.from({ length: 17 }, (_, i) => `subnet-${i}`))),
      rules: ["service-subnets"],
    },
    {
      name: "6 security groups",
      docs: web((s) => (awsvpc(s)["securityGroups"] = Array.from({ length: 6 }, (_, i) => `sg-${i}`))),
      rules: ["service-security-groups"],
    },
    { name: "a role with an awsvpc task", docs: web((s) => (s["role"] = "ecsServiceRole")), rules: ["service-role"] },
    {
      name: "a load balancer on an unknown container",
      docs: web((s) => (balancer(s)["containerName"] = "nginx")),
      rules: ["service-lb-container"],
      code: "UnresolvedReference",
    },
    {
      name: "a load balancer without containerName",
      docs: web((s) => delete balancer(s)["containerName"]),
      rules: ["service-lb-container"],
    },
    {
      name: "a load balancer on an unmapped port",
      docs: web((s) => (balancer(s)["containerPort"] = 8080)),
      rules: ["service-lb-port"],
      code: "UnresolvedReference",
    },
    { name: "a load balancer without containerPort", docs: web((s) => delete balancer(s)["containerPort"]), rules: ["service-lb-port"] },
    {
      name: "6 target groups",
      docs: web((s) => (s["loadBalancers"] = Array.from({ length: 6 }, () => ({ ...balancer(s) })))),
      rules: ["service-lb-count"],
    },
    { name: "a DAEMON service with desiredCount", docs: worker((s) => (s["schedulingStrategy"] = "DAEMON")), rules: ["service-daemon"] },
    {
      name: "a DAEMON service on Fargate",
      docs: web((s) => {
        s["schedulingStrategy"] = "DAEMON";
        delete s["desiredCount"];
      }),
      rules: ["service-daemon"],
    },
    {
      name: "a DAEMON service with placementStrategy",
      docs: worker((s) => {
        s["schedulingStrategy"] = "DAEMON";
        delete s["desiredCount"];
        s["placementStrategy"] = [{ type: "binpack", field: "memory" }];
      }),
      rules: ["service-daemon"],
    },
    {
      name: "a DAEMON service with maximumPercent 200",
      docs: worker((s) => {
        s["schedulingStrategy"] = "DAEMON";
        delete s["desiredCount"];
        s["deploymentConfiguration"] = { maximumPercent: 200 };
      }),
      rules: ["service-daemon"],
    },
    {
      name: "minimumHealthyPercent above 100",
      docs: worker((s) => (s["deploymentConfiguration"] = { minimumHealthyPercent: 150, maximumPercent: 200 })),
      rules: ["service-deployment-percent"],
    },
    {
      name: "maximumPercent below minimumHealthyPercent",
      docs: worker((s) => (s["deploymentConfiguration"] = { minimumHealthyPercent: 100, maximumPercent: 50 })),
      rules: ["service-deployment-percent"],
    },
    {
      name: "a circuit breaker with CODE_DEPLOY",
      docs: worker((s) => {
        s["deploymentController"] = { type: "CODE_DEPLOY" };
        s["deploymentConfiguration"] = { deploymentCircuitBreaker: { enable: true, rollback: true } };
      }),
      rules: ["service-circuit-breaker"],
    },
    {
      name: "placementStrategy on Fargate",
      docs: web((s) => (s["placementStrategy"] = [{ type: "spread", field: "attribute:ecs.availability-zone" }])),
      rules: ["service-fargate-placement"],
    },
  ];

  it.each(failing)("reports $rules for $name", ({ docs, rules, code }) => {
    const result = validateDocs(docs);
    expect(rulesOf(result)).toEqual(rules);
    expect(result.problems[0]).toMatchObject({ code: code ?? "Semantic", key: expect.stringMatching(/^Service\/shop\//) });
    expect(result.manifests.map((m) => m.kind)).toEqual(["TaskDefinition"]);
  });

  const passing: { name: string; docs: Doc[] }[] = [
    {
      name: "a pinned family:revision the repo does not define",
      docs: [variant(fargateService(), (s) => (s["taskDefinition"] = "api:12"))],
    },
    {
      name: "a pinned task definition ARN",
      docs: [variant(fargateService(), (s) => (s["taskDefinition"] = "arn:aws:ecs:eu-west-1:123456789012:task-definition/api:3"))],
    },
    {
      name: "a capacity provider strategy without launchType",
      docs: worker((s) => {
        delete s["launchType"];
        s["capacityProviderStrategy"] = [{ capacityProvider: "shop-asg", weight: 1 }];
      }),
    },
    {
      name: "a DAEMON service done right",
      docs: worker((s) => {
        s["schedulingStrategy"] = "DAEMON";
        delete s["desiredCount"];
        s["deploymentConfiguration"] = { maximumPercent: 100, minimumHealthyPercent: 0 };
      }),
    },
    {
      name: "an EXTERNAL controller without taskDefinition",
      docs: worker((s) => {
        delete s["taskDefinition"];
        s["deploymentController"] = { type: "EXTERNAL" };
      }),
    },
    {
      name: "empty placement lists on Fargate (as ecspresso init dumps them)",
      docs: web((s) => Object.assign(s, { placementConstraints: [], placementStrategy: [] })),
    },
    { name: "an empty capacityProviderStrategy beside launchType", docs: worker((s) => (s["capacityProviderStrategy"] = [])) },
    {
      name: "a DAEMON service with an empty placementStrategy",
      docs: worker((s) => {
        s["schedulingStrategy"] = "DAEMON";
        delete s["desiredCount"];
        s["placementStrategy"] = [];
      }),
    },
    {
      name: "bridge with dynamic host ports behind a load balancer",
      docs: worker(
        (s) =>
          (s["loadBalancers"] = [
            {
              targetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/w/1",
              containerName: "app",
              containerPort: 8080,
            },
          ]),
      ),
    },
  ];

  it.each(passing)("accepts $name", ({ docs }) => {
    expect(validateDocs(docs).problems).toEqual([]);
  });

  it("needs networkConfiguration for a pinned task definition launched on Fargate", () => {
    const doc = variant(fargateService(), (s) => {
      s["taskDefinition"] = "api:12";
      delete s["networkConfiguration"];
      delete s["loadBalancers"];
    });
    expect(rulesOf(validateDocs([doc]))).toEqual(["service-network-configuration"]);
  });

  it("refuses a service whose task definition has errors, and says so", () => {
    const broken = variant(fargateTaskDefinition(), (s) => (s["memory"] = "8 GB"));
    const result = validateDocs([broken, fargateService()]);
    expect(rulesOf(result)).toEqual(["service-task-definition", "fargate-cpu-memory"]);
    expect(result.problems[0]).toMatchObject({ code: "UnresolvedReference", file: "Service-web.yaml" });
    expect(result.manifests).toEqual([]);
  });

  it("refuses a service whose task definition failed the schema check", () => {
    const broken = variant(fargateTaskDefinition(), (s) => (s["memroy"] = "512"));
    const result = validateDocs([broken, fargateService()]);
    expect(rulesOf(result)).toEqual(["service-task-definition", "UnknownField"]);
  });

  it("points at the load balancer's containerName", () => {
    const docs = web((s) => (balancer(s)["containerName"] = "nginx"));
    const lines = yamlOf(docs[1]!).split("\n");
    const line = lines.findIndex((l) => l.includes("containerName: nginx")) + 1;
    const column = lines[line - 1]!.indexOf("nginx") + 1;
    expect(validateDocs(docs).problems).toMatchObject([{ rule: "service-lb-container", file: "Service-web.yaml", line, column }]);
    expect(line).toBeGreaterThan(1);
  });
});
