import { describe, expect, it } from "vitest";
import type { JsonObject, JsonValue } from "../../../src/json.js";
import { checkSpecSchema } from "../../../src/manifests/schema-check.js";
import type { Kind } from "../../../src/manifests/types.js";

// One container the schema accepts; each row sets one field on it (or on the spec) and expects
// exactly one finding at that field.
const taskDefinition = (container: JsonObject = {}, spec: JsonObject = {}): JsonObject => ({
  containerDefinitions: [{ name: "api", image: "registry.example/api:7", ...container }],
  ...spec,
});
const service = (spec: JsonObject): JsonObject => ({ cluster: "blue", taskDefinition: "api", ...spec });
const rule = (target: JsonObject): JsonObject => ({
  scheduleExpression: "rate(1 hour)",
  targets: [{ id: "t", taskDefinition: "api", ...target }],
});
const at = (...path: (string | number)[]) => path.map(String);

type Row = { name: string; kind?: Kind; spec: JsonValue; path: string[]; code: string };

describe("checkSpecSchema: empty strings, bounds and nulls AWS rejects", () => {
  const rows: Row[] = [
    {
      name: "an empty repositoryCredentials.credentialsParameter",
      spec: taskDefinition({ repositoryCredentials: { credentialsParameter: "" } }),
      path: at("containerDefinitions", 0, "repositoryCredentials", "credentialsParameter"),
      code: "InvalidValue",
    },
    {
      name: "an empty secret valueFrom",
      spec: taskDefinition({ secrets: [{ name: "TOKEN", valueFrom: "" }] }),
      path: at("containerDefinitions", 0, "secrets", 0, "valueFrom"),
      code: "InvalidValue",
    },
    {
      name: "an empty EFS fileSystemId",
      spec: taskDefinition({}, { volumes: [{ name: "files", efsVolumeConfiguration: { fileSystemId: "" } }] }),
      path: at("volumes", 0, "efsVolumeConfiguration", "fileSystemId"),
      code: "InvalidValue",
    },
    {
      name: "an empty dependsOn containerName",
      spec: taskDefinition({ dependsOn: [{ containerName: "", condition: "START" }] }),
      path: at("containerDefinitions", 0, "dependsOn", 0, "containerName"),
      code: "InvalidValue",
    },
    {
      name: "an empty capacity provider name",
      kind: "Service",
      spec: service({ capacityProviderStrategy: [{ capacityProvider: "" }] }),
      path: at("capacityProviderStrategy", 0, "capacityProvider"),
      code: "InvalidValue",
    },
    { name: "desiredCount -1", kind: "Service", spec: service({ desiredCount: -1 }), path: at("desiredCount"), code: "InvalidValue" },
    {
      name: "a negative health check grace period",
      kind: "Service",
      spec: service({ healthCheckGracePeriodSeconds: -5 }),
      path: at("healthCheckGracePeriodSeconds"),
      code: "InvalidValue",
    },
    {
      name: "containerPort 70000",
      spec: taskDefinition({ portMappings: [{ containerPort: 70000 }] }),
      path: at("containerDefinitions", 0, "portMappings", 0, "containerPort"),
      code: "InvalidValue",
    },
    {
      name: "a negative hostPort",
      spec: taskDefinition({ portMappings: [{ containerPort: 80, hostPort: -1 }] }),
      path: at("containerDefinitions", 0, "portMappings", 0, "hostPort"),
      code: "InvalidValue",
    },
    {
      name: "a load balancer containerPort 65536",
      kind: "Service",
      spec: service({ loadBalancers: [{ containerName: "api", containerPort: 65536 }] }),
      path: at("loadBalancers", 0, "containerPort"),
      code: "InvalidValue",
    },
    {
      name: "a health check every 2 s",
      spec: taskDefinition({ healthCheck: { command: ["CMD", "true"], interval: 2 } }),
      path: at("containerDefinitions", 0, "healthCheck", "interval"),
      code: "InvalidValue",
    },
    {
      name: "a health check interval of 301 s",
      spec: taskDefinition({ healthCheck: { command: ["CMD", "true"], interval: 301 } }),
      path: at("containerDefinitions", 0, "healthCheck", "interval"),
      code: "InvalidValue",
    },
    {
      name: "a health check timeout of 1 s",
      spec: taskDefinition({ healthCheck: { command: ["CMD", "true"], timeout: 1 } }),
      path: at("containerDefinitions", 0, "healthCheck", "timeout"),
      code: "InvalidValue",
    },
    {
      name: "a health check timeout of 121 s",
      spec: taskDefinition({ healthCheck: { command: ["CMD", "true"], timeout: 121 } }),
      path: at("containerDefinitions", 0, "healthCheck", "timeout"),
      code: "InvalidValue",
    },
    {
      name: "0 health check retries",
      spec: taskDefinition({ healthCheck: { command: ["CMD", "true"], retries: 0 } }),
      path: at("containerDefinitions", 0, "healthCheck", "retries"),
      code: "InvalidValue",
    },
    {
      name: "11 health check retries",
      spec: taskDefinition({ healthCheck: { command: ["CMD", "true"], retries: 11 } }),
      path: at("containerDefinitions", 0, "healthCheck", "retries"),
      code: "InvalidValue",
    },
    {
      name: "a health check start period of 400 s",
      spec: taskDefinition({ healthCheck: { command: ["CMD", "true"], startPeriod: 400 } }),
      path: at("containerDefinitions", 0, "healthCheck", "startPeriod"),
      code: "InvalidValue",
    },
    {
      name: "a negative ulimit",
      spec: taskDefinition({ ulimits: [{ name: "nofile", softLimit: -1, hardLimit: 1024 }] }),
      path: at("containerDefinitions", 0, "ulimits", 0, "softLimit"),
      code: "InvalidValue",
    },
    {
      name: "a container memory of 2 MiB",
      spec: taskDefinition({ memory: 2 }),
      path: at("containerDefinitions", 0, "memory"),
      code: "InvalidValue",
    },
    {
      name: "a negative container cpu",
      spec: taskDefinition({ cpu: -128 }),
      path: at("containerDefinitions", 0, "cpu"),
      code: "InvalidValue",
    },
    {
      name: "a negative stopTimeout",
      spec: taskDefinition({ stopTimeout: -1 }),
      path: at("containerDefinitions", 0, "stopTimeout"),
      code: "InvalidValue",
    },
    {
      name: "swappiness 150",
      spec: taskDefinition({ linuxParameters: { swappiness: 150 } }),
      path: at("containerDefinitions", 0, "linuxParameters", "swappiness"),
      code: "InvalidValue",
    },
    {
      name: "20 GiB of ephemeral storage",
      spec: taskDefinition({}, { ephemeralStorage: { sizeInGiB: 20 } }),
      path: at("ephemeralStorage", "sizeInGiB"),
      code: "InvalidValue",
    },
    { name: "taskCount 0", kind: "ScheduledRule", spec: rule({ taskCount: 0 }), path: at("targets", 0, "taskCount"), code: "InvalidValue" },
    {
      name: "an explicit null integer",
      spec: taskDefinition({ cpu: null }),
      path: at("containerDefinitions", 0, "cpu"),
      code: "WrongType",
    },
    { name: "an explicit null enum", spec: taskDefinition({}, { networkMode: null }), path: at("networkMode"), code: "WrongType" },
    {
      name: "an explicit null list",
      kind: "Service",
      spec: service({ placementConstraints: null }),
      path: at("placementConstraints"),
      code: "WrongType",
    },
    { name: "an empty enum", spec: taskDefinition({}, { ipcMode: "" }), path: at("ipcMode"), code: "InvalidValue" },
  ];

  it.each(rows)("reports $name once, at the field", ({ kind, spec, path, code }) => {
    const findings = checkSpecSchema(kind ?? "TaskDefinition", spec);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ path, code });
  });

  it.each([
    {
      name: "the bounds themselves",
      spec: taskDefinition({
        healthCheck: { command: ["CMD", "true"], interval: 5, timeout: 120, retries: 10, startPeriod: 0 },
        portMappings: [{ containerPort: 65535, hostPort: 0 }],
      }),
    },
    { name: "an empty environment value (a real, optional value)", spec: taskDefinition({ environment: [{ name: "SUFFIX", value: "" }] }) },
    { name: "desiredCount 0", kind: "Service" as const, spec: service({ desiredCount: 0 }) },
  ])("accepts $name", ({ kind, spec }) => {
    expect(checkSpecSchema(kind ?? "TaskDefinition", spec)).toEqual([]);
  });
});

describe("checkSpecSchema messages", () => {
  const message = (spec: JsonValue, kind: Kind = "TaskDefinition") =>
    checkSpecSchema(kind, spec)
      .map((f) => f.message)
      .join("\n");

  it("never suggests a value for an empty enum: it says to remove the field", () => {
    for (const field of ["ipcMode", "pidMode", "networkMode"]) {
      const text = message(taskDefinition({}, { [field]: "" }));
      expect(text).not.toMatch(/did you mean/);
      expect(text).toMatch(/remove the field/);
    }
  });

  it("still suggests the closest value for a typo", () => {
    expect(message(taskDefinition({}, { networkMode: "AWSVPC" }))).toMatch(/did you mean "awsvpc"/);
  });

  it("says an empty required string is required, and an empty optional one can go", () => {
    expect(message(taskDefinition({ secrets: [{ name: "TOKEN", valueFrom: "" }] }))).toMatch(/required/);
    expect(message(rule({ id: "" }), "ScheduledRule")).toMatch(/required/);
    expect(message(rule({ roleArn: "" }), "ScheduledRule")).toMatch(/remove the field/);
  });

  it("says a null is not accepted and how to leave the field unset", () => {
    const text = message(taskDefinition({ memoryReservation: null }));
    expect(text).toMatch(/null/);
    expect(text).toMatch(/remove the field/);
  });

  it("writes every message in plain grammar", () => {
    const specs: [Kind, JsonValue][] = [
      ["TaskDefinition", taskDefinition({ cpu: "two", memory: true, essential: "yes", command: "run", portMappings: {} })],
      [
        "TaskDefinition",
        taskDefinition(
          { healthCheck: { command: ["CMD"], interval: 1, retries: 50 }, secrets: [{ name: "", valueFrom: "" }] },
          { ipcMode: "", networkMode: null, pidMode: "tsk" },
        ),
      ],
      [
        "Service",
        service({
          desiredCount: -3,
          capacityProviderStrategy: [{ capacityProvider: "x", weight: 5000 }],
          networkConfiguration: { awsvpcConfiguration: {} },
        }),
      ],
      ["ScheduledRule", rule({ id: "", taskCount: 0, launchType: "fargate" })],
    ];
    for (const [kind, spec] of specs) {
      const findings = checkSpecSchema(kind, spec);
      expect(findings.length).toBeGreaterThan(2);
      for (const { message: text } of findings) {
        expect(text).not.toMatch(/\ba [aeiou]/i);
        expect(text).not.toMatch(/NOT|>=|<=/);
        expect(text).not.toMatch(/\b1 \w+s\b/);
      }
    }
  });
});
