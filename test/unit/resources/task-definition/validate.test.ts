import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../../../src/json.js";
import { isFargateSize } from "../../../../src/resources/task-definition/validate.js";
import { copy, ec2TaskDefinition, fargateTaskDefinition, rulesOf, validateDocs } from "../validate-fixtures.js";
import type { Doc } from "../validate-fixtures.js";

const containers = (spec: JsonObject) => spec["containerDefinitions"] as JsonObject[];
const first = (spec: JsonObject) => containers(spec)[0]!;
const variant = (base: Doc, mutate: (spec: JsonObject) => void): Doc => {
  const doc = copy(base);
  mutate(doc.spec);
  return doc;
};
const fargate = (mutate: (spec: JsonObject) => void) => variant(fargateTaskDefinition(), mutate);
const ec2 = (mutate: (spec: JsonObject) => void) => variant(ec2TaskDefinition(), mutate);
const sidecar = (extra: JsonObject = {}): JsonObject => ({ name: "sidecar", image: "busybox", essential: false, memory: 64, ...extra });

describe("validateTaskDefinition", () => {
  it("accepts the minimal Fargate and EC2 task definitions", () => {
    expect(validateDocs([fargateTaskDefinition()]).problems).toEqual([]);
    expect(validateDocs([ec2TaskDefinition()]).problems).toEqual([]);
  });

  // Each variant breaks one documented constraint; removing the rule makes its row fail.
  const failing: { name: string; doc: Doc; rules: string[]; code?: "Semantic" | "UnresolvedReference" }[] = [
    { name: "unparseable task cpu", doc: fargate((s) => (s["cpu"] = "lots")), rules: ["task-cpu-memory-format"] },
    { name: "unparseable task memory", doc: ec2((s) => (s["memory"] = "2 TB")), rules: ["task-cpu-memory-format"] },
    { name: "Fargate with bridge networking", doc: fargate((s) => (s["networkMode"] = "bridge")), rules: ["fargate-network-mode"] },
    { name: "Fargate without networkMode", doc: fargate((s) => delete s["networkMode"]), rules: ["fargate-network-mode"] },
    { name: "Fargate without task cpu", doc: fargate((s) => delete s["cpu"]), rules: ["fargate-cpu-memory"] },
    { name: "Fargate without task memory", doc: fargate((s) => delete s["memory"]), rules: ["fargate-cpu-memory"] },
    { name: "Fargate 256 cpu with 4 GB", doc: fargate((s) => (s["memory"] = "4 GB")), rules: ["fargate-cpu-memory"] },
    {
      name: "Fargate 1 vCPU with 1 GB",
      doc: fargate((s) => Object.assign(s, { cpu: "1 vCPU", memory: "1 GB" })),
      rules: ["fargate-cpu-memory"],
    },
    {
      name: "Fargate cpu 384 (not a size)",
      doc: fargate((s) => Object.assign(s, { cpu: 384, memory: 1024 })),
      rules: ["fargate-cpu-memory"],
    },
    {
      name: "Fargate host volume",
      doc: fargate((s) => (s["volumes"] = [{ name: "data", host: { sourcePath: "/data" } }])),
      rules: ["fargate-host-volume"],
    },
    {
      name: "Fargate Docker volume",
      doc: fargate((s) => (s["volumes"] = [{ name: "data", dockerVolumeConfiguration: { scope: "task" } }])),
      rules: ["fargate-host-volume"],
    },
    { name: "Fargate links", doc: fargate((s) => containers(s).push(sidecar({ links: ["app"] }))), rules: ["fargate-links"] },
    { name: "Fargate privileged", doc: fargate((s) => (first(s)["privileged"] = true)), rules: ["fargate-privileged"] },
    { name: "no essential container", doc: ec2((s) => (first(s)["essential"] = false)), rules: ["essential-container"] },
    { name: "no containers at all", doc: ec2((s) => (s["containerDefinitions"] = [])), rules: ["essential-container"] },
    {
      name: "11 containers",
      doc: ec2((s) => containers(s).push(...Array.from({ length: 10 }, (_, i) => sidecar({ name: `c${i}` })))),
      rules: ["container-count"],
    },
    {
      name: "two containers with one name",
      doc: ec2((s) => containers(s).push(sidecar({ name: "app" }))),
      rules: ["container-name-unique"],
    },
    { name: "a container without image", doc: ec2((s) => delete first(s)["image"]), rules: ["container-name-image"] },
    { name: "a container name with a space", doc: ec2((s) => (first(s)["name"] = "my app")), rules: ["container-name-image"] },
    {
      name: "dependsOn an unknown container",
      doc: ec2((s) => (first(s)["dependsOn"] = [{ containerName: "db", condition: "START" }])),
      rules: ["container-depends-on"],
      code: "UnresolvedReference",
    },
    {
      name: "dependsOn itself",
      doc: ec2((s) => (first(s)["dependsOn"] = [{ containerName: "app", condition: "START" }])),
      rules: ["container-depends-on"],
      code: "UnresolvedReference",
    },
    {
      name: "volumesFrom an unknown container",
      doc: ec2((s) => (first(s)["volumesFrom"] = [{ sourceContainer: "data" }])),
      rules: ["container-volumes-from"],
      code: "UnresolvedReference",
    },
    {
      name: "a link to an unknown container",
      doc: ec2((s) => (first(s)["links"] = ["db:database"])),
      rules: ["container-links"],
      code: "UnresolvedReference",
    },
    {
      name: "links with host networking",
      doc: ec2((s) => {
        s["networkMode"] = "host";
        containers(s).push(sidecar({ links: ["app"] }));
        delete first(s)["portMappings"];
      }),
      rules: ["links-network-mode"],
    },
    {
      name: "a mount point of an undeclared volume",
      doc: ec2((s) => (first(s)["mountPoints"] = [{ sourceVolume: "data", containerPath: "/data" }])),
      rules: ["mount-point-volume"],
      code: "UnresolvedReference",
    },
    {
      name: "two volumes with one name",
      doc: ec2((s) => (s["volumes"] = [{ name: "data" }, { name: "data" }])),
      rules: ["volume-name-unique"],
    },
    {
      name: "awsvpc hostPort differs from containerPort",
      doc: fargate((s) => (first(s)["portMappings"] = [{ containerPort: 80, hostPort: 8080 }])),
      rules: ["awsvpc-host-port"],
    },
    {
      name: "host networking hostPort differs",
      doc: ec2((s) => Object.assign(s, { networkMode: "host" }) && (first(s)["portMappings"] = [{ containerPort: 80, hostPort: 81 }])),
      rules: ["awsvpc-host-port"],
    },
    { name: "EC2 container without any memory", doc: ec2((s) => delete first(s)["memory"]), rules: ["container-memory"] },
    {
      name: "memoryReservation above memory",
      doc: ec2((s) => (first(s)["memoryReservation"] = 512)),
      rules: ["container-memory-reservation"],
    },
    {
      name: "a container memory above the task memory",
      doc: ec2((s) => Object.assign(s, { memory: "128" })),
      rules: ["container-memory-total"],
    },
    {
      name: "memoryReservation values adding up above the task memory",
      doc: ec2((s) => {
        s["memory"] = "300";
        first(s)["memoryReservation"] = 200;
        containers(s).push(sidecar({ memory: 150, memoryReservation: 120 }));
      }),
      rules: ["container-memory-total"],
    },
    { name: "a Fargate stopTimeout of 300 s", doc: fargate((s) => (first(s)["stopTimeout"] = 300)), rules: ["fargate-container-timeout"] },
    { name: "EC2 task cpu below 128 units", doc: ec2((s) => (s["cpu"] = "64")), rules: ["task-cpu-range"] },
    { name: "EC2 task cpu above 192 vCPU", doc: ec2((s) => (s["cpu"] = "200 vCPU")), rules: ["task-cpu-range"] },
    { name: "a hostname with awsvpc", doc: fargate((s) => (first(s)["hostname"] = "api.internal")), rules: ["awsvpc-unsupported"] },
    {
      name: "extraHosts with awsvpc on EC2",
      doc: ec2((s) => {
        s["networkMode"] = "awsvpc";
        first(s)["portMappings"] = [{ containerPort: 8080 }];
        first(s)["extraHosts"] = [{ hostname: "db", ipAddress: "10.0.0.5" }];
      }),
      rules: ["awsvpc-unsupported"],
    },
    { name: "an empty image", doc: ec2((s) => (first(s)["image"] = "")), rules: ["container-name-image"] },
    { name: "an empty container name", doc: fargate((s) => (first(s)["name"] = "")), rules: ["container-name-image"] },
    {
      name: "a Fargate host volume with a source path",
      doc: fargate((s) => (s["volumes"] = [{ name: "data", host: { sourcePath: "/srv" } }])),
      rules: ["fargate-host-volume"],
    },
    {
      name: "an empty Docker volume configuration on Fargate (a Docker volume with defaults)",
      doc: fargate((s) => (s["volumes"] = [{ name: "data", dockerVolumeConfiguration: {} }])),
      rules: ["fargate-host-volume"],
    },
    {
      name: "containers reserving more than the task cpu",
      doc: ec2((s) => {
        s["cpu"] = "256";
        first(s)["cpu"] = 512;
      }),
      rules: ["container-cpu-total"],
    },
    {
      name: "a task definition over 64 KiB",
      doc: ec2(
        (s) => (first(s)["environment"] = Array.from({ length: 700 }, (_, i) => ({ name: `VARIABLE_${i}`, value: "x".repeat(80) }))),
      ),
      rules: ["task-definition-size"],
    },
  ];

  it.each(failing)("reports $rules for $name", ({ doc, rules, code }) => {
    const result = validateDocs([doc]);
    expect(rulesOf(result)).toEqual(rules);
    for (const p of result.problems)
      expect(p).toMatchObject({ code: code ?? "Semantic", key: `TaskDefinition/${doc.name}`, severity: "error" });
    expect(result.manifests).toEqual([]);
  });

  const passing: { name: string; doc: Doc }[] = [
    { name: "Fargate sizes written in units", doc: fargate((s) => Object.assign(s, { cpu: "1 vCPU", memory: "2 GB" })) },
    { name: "Fargate quarter vCPU as integers", doc: fargate((s) => Object.assign(s, { cpu: "0.25 vcpu", memory: 2048 })) },
    { name: "the largest Fargate size", doc: fargate((s) => Object.assign(s, { cpu: 16384, memory: 122880 })) },
    {
      name: "a bind mount without host path on Fargate",
      doc: fargate((s) => {
        s["volumes"] = [{ name: "scratch" }];
        first(s)["mountPoints"] = [{ sourceVolume: "scratch", containerPath: "/tmp" }];
      }),
    },
    {
      name: "awsvpc hostPort equal to containerPort",
      doc: fargate((s) => (first(s)["portMappings"] = [{ containerPort: 80, hostPort: 80 }])),
    },
    {
      name: "bridge links by alias and dependsOn",
      doc: ec2((s) => {
        containers(s).push(sidecar());
        first(s)["links"] = ["sidecar:side"];
        first(s)["dependsOn"] = [{ containerName: "sidecar", condition: "START" }];
      }),
    },
    {
      name: "EC2 containers relying on task memory",
      doc: ec2((s) => {
        s["memory"] = "512";
        delete first(s)["memory"];
      }),
    },
    { name: "essential unset means essential", doc: ec2((s) => delete first(s)["essential"]) },
    // Empty lists and mappings of fields Fargate does not support are no-ops on AWS.
    { name: "an EC2 stopTimeout of 300 s (the agent allows it)", doc: ec2((s) => (first(s)["stopTimeout"] = 300)) },
    { name: "Fargate stopTimeout at its bound", doc: fargate((s) => Object.assign(first(s), { stopTimeout: 120, startTimeout: 300 })) },
    { name: "EC2 task cpu at its bounds", doc: ec2((s) => (s["cpu"] = "0.125 vcpu")) },
    { name: "a hostname with bridge networking", doc: ec2((s) => (first(s)["hostname"] = "worker-1")) },
    { name: "empty hostname and extraHosts with awsvpc", doc: fargate((s) => Object.assign(first(s), { hostname: "", extraHosts: [] })) },
    { name: "links: [] on Fargate", doc: fargate((s) => (first(s)["links"] = [])) },
    {
      name: "host: {} on a Fargate volume",
      doc: fargate((s) => {
        s["volumes"] = [{ name: "scratch", host: {} }];
        first(s)["mountPoints"] = [{ sourceVolume: "scratch", containerPath: "/scratch" }];
      }),
    },
    {
      name: "links: [] with awsvpc on EC2",
      doc: ec2((s) => {
        s["networkMode"] = "awsvpc";
        first(s)["links"] = [];
        first(s)["portMappings"] = [{ containerPort: 8080 }];
      }),
    },
    // Only memoryReservation values are summed; a hard limit counts against the task memory alone.
    {
      name: "an init container's hard limit beside a reservation filling the task",
      doc: ec2((s) => {
        s["memory"] = "512";
        first(s)["memoryReservation"] = 512;
        delete first(s)["memory"];
        containers(s).unshift({ name: "init", image: "busybox", essential: false, memory: 512 });
      }),
    },
    {
      name: "hard limits that add up above the task memory",
      doc: fargate((s) => {
        s["memory"] = "1024";
        s["cpu"] = "512";
        first(s)["memory"] = 1024;
        containers(s).push(sidecar({ memory: 1024 }));
      }),
    },
  ];

  it.each(passing)("accepts $name", ({ doc }) => {
    expect(validateDocs([doc]).problems).toEqual([]);
  });

  it("points at the offending field", () => {
    const result = validateDocs([fargate((s) => (s["memory"] = "4096"))]);
    // yamlOf writes spec fields in insertion order: requiresCompatibilities (2 lines), networkMode, cpu, memory.
    expect(result.problems).toMatchObject([{ rule: "fargate-cpu-memory", file: "TaskDefinition-web.yaml", line: 10, column: 11 }]);
  });

  it.each([
    [256, 512, true],
    [256, 1024, true],
    [256, 2048, true],
    [256, 1536, false],
    [256, 4096, false],
    [512, 1024, true],
    [512, 4096, true],
    [512, 5120, false],
    [1024, 2048, true],
    [1024, 8192, true],
    [1024, 9216, false],
    [2048, 16384, true],
    [2048, 3072, false],
    [4096, 30720, true],
    [4096, 31744, false],
    [8192, 16384, true],
    [8192, 20480, true],
    [8192, 18432, false],
    [8192, 61440, true],
    [16384, 32768, true],
    [16384, 40960, true],
    [16384, 36864, false],
    [16384, 131072, false],
    [128, 512, false],
  ])("knows whether Fargate offers cpu %i with %i MiB (%s)", (cpu, memory, ok) => {
    expect(isFargateSize(cpu, memory)).toBe(ok);
  });
});
