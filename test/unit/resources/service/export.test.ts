import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderManifest } from "../../../../src/cli/commands/export.js";
import { isJsonObject } from "../../../../src/json.js";
import type { JsonObject } from "../../../../src/json.js";
import { loadManifestFiles } from "../../../../src/manifests/load.js";
import type { LoadResult } from "../../../../src/manifests/types.js";
import { finishDesiredState } from "../../../../src/resources/load.js";
import { exportService } from "../../../../src/resources/service/export.js";
import type { ExportedManifest, TaskDefinitionReference } from "../../../../src/resources/service/export.js";
import { readLiveService } from "../../../../src/resources/service/normalize.js";
import { planService } from "../../../../src/resources/service/plan.js";
import { OWNER_TAG, SOURCE_TAG, SPEC_HASH_TAG } from "../../../../src/resources/types.js";
import { planContext, resolverOf } from "../builders.js";
import { yamlOf } from "../validate-fixtures.js";

const fixture = (name: string): JsonObject =>
  JSON.parse(readFileSync(new URL(`../../../fixtures/aws/${name}`, import.meta.url), "utf8")) as JsonObject;

const FIXTURES = [
  "svc-describe-fargate-tutorial.json",
  "svc-update-capacity-provider-2024.json",
  "svc-create-fargate-tags-2019.json",
  "svc-describe-daemon-ec2-2020.json",
  "svc-reconstructed-alb-circuit-breaker-alarms.json",
  "svc-reconstructed-codedeploy.json",
];
const OWNERSHIP_CHANGES = [OWNER_TAG, SOURCE_TAG, SPEC_HASH_TAG].map((tag) => `/tags/${tag}`).sort();

/** What `export` writes when it exports the revision too: the family; a family-only ARN stays whole. */
function asExportDoes(arn: string): TaskDefinitionReference {
  const match = /task-definition\/([^:]+):\d+$/.exec(arn);
  return { ref: match?.[1] ?? arn };
}

function exported(response: unknown, reference = asExportDoes): ExportedManifest {
  const result = exportService(response, { taskDefinition: reference });
  if (!result) throw new Error("not exported");
  return result;
}

/** A minimal task definition of the family the service names, shaped as the service needs it. */
function stubTaskDefinition(family: string, spec: JsonObject): string {
  const balancers = Array.isArray(spec["loadBalancers"]) ? spec["loadBalancers"].filter(isJsonObject) : [];
  const containers =
    balancers.length > 0
      ? balancers.map((lb) => ({
          name: String(lb["containerName"]),
          image: "nginx",
          memory: 128,
          portMappings: [{ containerPort: Number(lb["containerPort"]) }],
        }))
      : [{ name: "app", image: "nginx", memory: 128 }];
  const awsvpc = spec["networkConfiguration"] !== undefined;
  const taskSpec: JsonObject = awsvpc
    ? { requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: 256, memory: 512, containerDefinitions: containers }
    : { requiresCompatibilities: ["EC2"], networkMode: "bridge", containerDefinitions: containers };
  return yamlOf({ kind: "TaskDefinition", name: family, spec: taskSpec });
}

/** The exported service plus the task definition it names, read back as `validate` reads a repository. */
function loadExported(result: ExportedManifest): LoadResult {
  const spec = result.document["spec"] as JsonObject;
  const ref = String(spec["taskDefinition"]);
  const family = /task-definition\/([^:]+)$/.exec(ref)?.[1] ?? ref.split(":")[0] ?? ref;
  const encode = (text: string) => new TextEncoder().encode(text);
  const files = [{ file: "svc/service.yaml", bytes: encode(renderManifest(result, "Exported from a test fixture")) }];
  if (!/:\d+$/.test(ref)) files.push({ file: "svc/task-definition.yaml", bytes: encode(stubTaskDefinition(family, spec)) });
  return finishDesiredState(loadManifestFiles(files));
}

/** The fixture as DescribeServices returns it for a hand-made service: no ecs-gitops tags. */
function handMade(name: string): JsonObject {
  const live = readLiveService(fixture(name));
  if (!live) throw new Error(`${name} is not a service`);
  const tags = Array.isArray(live["tags"])
    ? live["tags"].filter((t) => isJsonObject(t) && !String(t["key"]).startsWith("ecs-gitops:"))
    : [];
  return { ...live, tags };
}

describe("exportService round trip on real DescribeServices shapes", () => {
  it.each(FIXTURES)("%s: validates and plans no change but the ownership tags", (name) => {
    const live = handMade(name);
    const result = exported(fixture(name));
    const loaded = loadExported(result);
    expect(loaded.problems.filter((p) => p.severity === "error")).toEqual([]);
    const manifest = loaded.manifests.find((m) => m.kind === "Service");
    expect(manifest?.annotations).toEqual({ "ecs-gitops/adopt": "true" });
    if (!manifest) return;

    const arn = String(live["taskDefinition"]);
    const ctx = planContext({ resolveTaskDefinition: resolverOf({ [asExportDoes(arn).ref]: arn }) });
    const action = planService(manifest, live, ctx);
    expect(action.changes.map((c) => c.path).sort()).toEqual(OWNERSHIP_CHANGES);
    if (action.type === "blocked") {
      // Only services in the old short ARN format, which ECS cannot tag; the export says so.
      expect(action.reason).toMatch(/old short format/);
      expect(result.reviews.map((r) => r.path)).toContainEqual(["metadata", "name"]);
    } else {
      expect(action.type).toBe("update");
      expect(action.calls.map((c) => c.operation)).toEqual(["ecs:TagResource"]);
    }
  });

  it("covers every service fixture", () => {
    expect(FIXTURES).toHaveLength(6);
  });
});

describe("exportService writes what a user would write", () => {
  const specOf = (name: string, reference = asExportDoes): JsonObject => exported(fixture(name), reference).document["spec"] as JsonObject;

  it("drops the values DescribeServices reports for 'not set' and keeps desiredCount", () => {
    expect(specOf("svc-describe-fargate-tutorial.json")).toEqual({
      cluster: "fargate-cluster",
      taskDefinition: "sample-fargate",
      desiredCount: 2,
      launchType: "FARGATE",
      networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-abcd1234"], securityGroups: ["sg-abcd1234"] } },
    });
  });

  it("keeps set values: circuit breaker and alarms whole, non-default percent, grace period, tags propagation", () => {
    const spec = specOf("svc-reconstructed-alb-circuit-breaker-alarms.json");
    expect(spec["deploymentConfiguration"]).toEqual({
      deploymentCircuitBreaker: { enable: true, rollback: true },
      minimumHealthyPercent: 50,
      alarms: { alarmNames: ["web-5xx-rate", "HighResponseLatencyAlarm"], rollback: true, enable: true },
    });
    expect(spec).toMatchObject({
      healthCheckGracePeriodSeconds: 60,
      propagateTags: "SERVICE",
      enableECSManagedTags: true,
      enableExecuteCommand: true,
      desiredCount: 3,
    });
    expect(spec["platformVersion"]).toBeUndefined();
  });

  it("leaves out desiredCount and the 100/0 percents of a DAEMON service", () => {
    expect(specOf("svc-describe-daemon-ec2-2020.json")).toEqual({
      cluster: "avc",
      taskDefinition: "avc-backtask",
      launchType: "EC2",
      schedulingStrategy: "DAEMON",
    });
  });

  it("writes a capacity provider strategy without base 0, and keeps a family-only task definition ARN whole", () => {
    const spec = specOf("svc-update-capacity-provider-2024.json");
    expect(spec["capacityProviderStrategy"]).toEqual([{ capacityProvider: "FARGATE", weight: 1 }]);
    expect(spec["launchType"]).toBeUndefined();
    expect(spec["taskDefinition"]).toBe("arn:aws:ecs:us-east-1:123456789012:task-definition/MyTaskDefinition");
  });

  it("pins family:revision by default (a revision the repository does not manage)", () => {
    const result = exportService(fixture("svc-reconstructed-alb-circuit-breaker-alarms.json"));
    expect((result?.document["spec"] as JsonObject)["taskDefinition"]).toBe("web:12");
    expect(loadExported(result as ExportedManifest).problems).toEqual([]);
  });

  it("flags a CODE_DEPLOY service for review: the controller owns its revision and target groups", () => {
    const result = exported(fixture("svc-reconstructed-codedeploy.json"));
    expect(result.reviews).toEqual([
      { path: ["spec", "deploymentController"], message: expect.stringMatching(/CODE_DEPLOY deployment controller/) },
    ]);
    expect(renderManifest(result)).toMatch(/deploymentController:\n {4}# review: the CODE_DEPLOY/);
  });

  it("turns tags into labels without ownership or aws: tags, and annotates adoption", () => {
    const response = fixture("svc-reconstructed-alb-circuit-breaker-alarms.json");
    const service = (response["services"] as JsonObject[])[0]!;
    service["tags"] = [...(service["tags"] as JsonObject[]), { key: "aws:cloudformation:stack-name", value: "shop" }];
    expect(exported(response).document["metadata"]).toEqual({
      name: "web",
      labels: { team: "shop" },
      annotations: { "ecs-gitops/adopt": "true" },
    });
  });

  it("exports a custom service role but not the service-linked one, and Service Connect from the PRIMARY deployment", () => {
    const response = fixture("svc-describe-daemon-ec2-2020.json");
    const service = (response["services"] as JsonObject[])[0]!;
    expect(specOf("svc-describe-daemon-ec2-2020.json")["role"]).toBeUndefined();
    service["roleArn"] = "arn:aws:iam::123456789012:role/ecsServiceRole";
    const connect = {
      enabled: true,
      namespace: "arn:aws:servicediscovery:eu-west-2:123456789012:namespace/ns-1",
      services: [{ portName: "http", clientAliases: [{ port: 80 }] }],
    };
    service["deployments"] = [{ id: "ecs-svc/1", status: "PRIMARY", serviceConnectConfiguration: connect }];
    const spec = exported(response).document["spec"] as JsonObject;
    expect(spec["role"]).toBe("arn:aws:iam::123456789012:role/ecsServiceRole");
    expect(spec["serviceConnectConfiguration"]).toEqual(connect);
  });

  it("renders YAML that reads back as the document (review comments are comments)", () => {
    for (const name of FIXTURES) {
      const result = exported(fixture(name));
      expect(parse(renderManifest(result, "header"))).toEqual(result.document);
    }
  });

  it("is undefined for a missing or INACTIVE service", () => {
    expect(exportService({ services: [], failures: [{ reason: "MISSING" }] })).toBeUndefined();
    expect(exportService({ service: { serviceName: "old", status: "INACTIVE" } })).toBeUndefined();
  });
});

describe("export output always passes validate", () => {
  const strategy = [
    { capacityProvider: "FARGATE_SPOT", weight: 3 },
    { capacityProvider: "FARGATE", weight: 1, base: 1 },
  ];
  // Live shapes that DescribeServices reports but CreateService refuses as given.
  const SHAPES: [string, string, (live: JsonObject) => JsonObject][] = [
    [
      "launchType beside a capacity provider strategy",
      "svc-describe-fargate-tutorial.json",
      (live) => ({ ...live, capacityProviderStrategy: strategy }),
    ],
    [
      "a strategy service that also reports launchType",
      "svc-update-capacity-provider-2024.json",
      (live) => ({ ...live, launchType: "FARGATE" }),
    ],
    [
      "EC2 launchType beside an EC2 capacity provider",
      "svc-describe-daemon-ec2-2020.json",
      (live) => ({
        ...live,
        schedulingStrategy: "REPLICA",
        desiredCount: 2,
        capacityProviderStrategy: [{ capacityProvider: "asg-provider", weight: 1 }],
      }),
    ],
  ];

  it.each(SHAPES)("%s", (_how, name, edit) => {
    const response = fixture(name);
    const services = response["services"] as JsonObject[] | undefined;
    const live = edit(readLiveService(response)!);
    const result = exported(services ? { ...response, services: [live] } : { ...response, service: live });
    const loaded = loadExported(result);
    expect(loaded.problems.filter((p) => p.severity === "error")).toEqual([]);
    const spec = result.document["spec"] as JsonObject;
    expect(spec["launchType"]).toBeUndefined();
    expect(spec["capacityProviderStrategy"]).toBeDefined();
    expect(result.reviews.map((r) => r.path)).toContainEqual(["spec", "capacityProviderStrategy"]);
    expect(renderManifest(result)).toMatch(/# review: launchType "(FARGATE|EC2)" \(live\) not exported/);
  });
});
