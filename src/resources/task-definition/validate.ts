import { isJsonObject } from "../../json.js";
import type { JsonObject, JsonPath, JsonValue } from "../../json.js";
import type { Manifest, Problem } from "../../manifests/types.js";
import { parseTaskCpu, parseTaskMemory } from "../common/units.js";
import { containerNames, isSet, listOf, numberOf, objectsOf, collectProblems, requiresFargate, stringOf } from "../common/validation.js";
import type { Report } from "../common/validation.js";

// xref: docs/normalization.md#ecs-service-quotas: 10 containers per task definition, 64 KiB per task definition.
export const MAX_CONTAINERS = 10;
export const MAX_TASK_DEFINITION_BYTES = 64 * 1024;

// xref: "Task CPU and memory" in the ECS developer guide (Fargate task sizes): memory per cpu.
const FARGATE_SIZES: readonly { cpu: number; minMiB: number; maxMiB: number; stepMiB: number; only?: readonly number[] }[] = [
  { cpu: 256, minMiB: 512, maxMiB: 2048, stepMiB: 512, only: [512, 1024, 2048] },
  { cpu: 512, minMiB: 1024, maxMiB: 4096, stepMiB: 1024 },
  { cpu: 1024, minMiB: 2048, maxMiB: 8192, stepMiB: 1024 },
  { cpu: 2048, minMiB: 4096, maxMiB: 16384, stepMiB: 1024 },
  { cpu: 4096, minMiB: 8192, maxMiB: 30720, stepMiB: 1024 },
  { cpu: 8192, minMiB: 16384, maxMiB: 61440, stepMiB: 4096 },
  { cpu: 16384, minMiB: 32768, maxMiB: 122880, stepMiB: 8192 },
];

// xref: RegisterTaskDefinition.cpu: "If you're using the EC2 launch type or external launch type
// ... Supported values are between 128 CPU units (0.125 vCPUs) and 196608 CPU units (192 vCPUs)."
const EC2_TASK_CPU = { min: 128, max: 196608 } as const;

// xref: ContainerDefinition.stopTimeout "For tasks that use the Fargate launch type, the max stop
// timeout value is 120 seconds"; on EC2 the agent's ECS_CONTAINER_STOP_TIMEOUT allows longer.
const FARGATE_TIMEOUTS_S: Readonly<Record<string, readonly [number, number]>> = { stopTimeout: [0, 120] };

/** Is `cpu` units with `memoryMiB` a task size Fargate offers? */
export function isFargateSize(cpu: number, memoryMiB: number): boolean {
  const size = FARGATE_SIZES.find((s) => s.cpu === cpu);
  if (!size) return false;
  if (size.only) return size.only.includes(memoryMiB);
  return memoryMiB >= size.minMiB && memoryMiB <= size.maxMiB && (memoryMiB - size.minMiB) % size.stepMiB === 0;
}

/** ECS's documented offline-checkable constraints on one RegisterTaskDefinition input. Pure. */
export function validateTaskDefinition(manifest: Manifest): Problem[] {
  return collectProblems(manifest, (report) => {
    const spec = manifest.spec;
    const fargate = requiresFargate(spec);
    const cpu = readSize(spec, "cpu", parseTaskCpu, report);
    const memory = readSize(spec, "memory", parseTaskMemory, report);
    if (fargate) checkFargate(spec, cpu, memory, report);
    else if (typeof cpu === "number" && (cpu < EC2_TASK_CPU.min || cpu > EC2_TASK_CPU.max)) {
      report(
        ["cpu"],
        "task-cpu-range",
        `task cpu ${cpu} is outside what ECS supports off Fargate: ${EC2_TASK_CPU.min}-${EC2_TASK_CPU.max} CPU units (0.125-192 vCPU)`,
      );
    }
    checkContainers(spec, fargate, cpu, memory, report);
    checkSize(manifest, report);
  });
}

function readSize(
  spec: JsonObject,
  field: "cpu" | "memory",
  parse: (value: JsonValue) => number | undefined,
  report: Report,
): number | undefined | "invalid" {
  const value = spec[field];
  if (value === undefined || value === null) return undefined;
  const parsed = parse(value);
  if (parsed !== undefined) return parsed;
  const forms = field === "cpu" ? `CPU units (1024) or vCPUs ("1 vCPU", "0.25 vcpu")` : `MiB (2048) or GB ("2 GB")`;
  report([field], "task-cpu-memory-format", `task ${field} ${JSON.stringify(value)} is not a valid amount: write ${forms}`);
  return "invalid";
}

function checkFargate(spec: JsonObject, cpu: number | undefined | "invalid", memory: number | undefined | "invalid", report: Report): void {
  if (spec["networkMode"] !== "awsvpc") {
    report(
      ["networkMode"],
      "fargate-network-mode",
      `Fargate tasks need networkMode awsvpc${spec["networkMode"] === undefined ? "" : `, not ${JSON.stringify(spec["networkMode"])}`}`,
    );
  }
  if (cpu === undefined || memory === undefined) {
    report(
      [cpu === undefined ? "cpu" : "memory"],
      "fargate-cpu-memory",
      "Fargate tasks need task-level cpu and memory (for example cpu: 256, memory: 512)",
    );
  } else if (cpu !== "invalid" && memory !== "invalid" && !isFargateSize(cpu, memory)) {
    report(["memory"], "fargate-cpu-memory", `cpu ${cpu} with memory ${memory} MiB is not a Fargate task size${describeSizes(cpu)}`);
  }
  objectsOf(spec["volumes"]).forEach(({ item, index }) => {
    // xref: HostVolumeProperties.sourcePath: Fargate forbids only the host path; `host: {}` (as
    // describe-task-definition prints for CDK-registered task definitions) is a plain bind mount.
    const host = item["host"];
    if (isJsonObject(host) && isSet(host["sourcePath"]))
      report(
        ["volumes", index, "host", "sourcePath"],
        "fargate-host-volume",
        "Fargate tasks cannot mount a host path: drop `host.sourcePath` (a bind mount without a host path) or use EFS",
      );
    // An empty dockerVolumeConfiguration is not a no-op: it asks for a Docker volume with defaults.
    if (item["dockerVolumeConfiguration"] !== undefined && item["dockerVolumeConfiguration"] !== null)
      report(
        ["volumes", index, "dockerVolumeConfiguration"],
        "fargate-host-volume",
        "Fargate tasks cannot use Docker volumes: use EFS or a bind mount",
      );
  });
  objectsOf(spec["containerDefinitions"]).forEach(({ item, index }) => {
    if (isSet(item["links"]))
      report(
        ["containerDefinitions", index, "links"],
        "fargate-links",
        "Fargate tasks cannot use links (awsvpc containers reach each other on localhost): remove `links`",
      );
    if (item["privileged"] === true)
      report(["containerDefinitions", index, "privileged"], "fargate-privileged", "Fargate tasks cannot run privileged containers");
    for (const [field, [minS, maxS]] of Object.entries(FARGATE_TIMEOUTS_S)) {
      const seconds = numberOf(item[field]);
      if (seconds !== undefined && (seconds < minS || seconds > maxS))
        report(
          ["containerDefinitions", index, field],
          "fargate-container-timeout",
          `${field} ${seconds} s: on Fargate it must be ${minS}-${maxS} seconds`,
        );
    }
  });
}

function describeSizes(cpu: number): string {
  const size = FARGATE_SIZES.find((s) => s.cpu === cpu);
  if (!size) return `: Fargate cpu is one of ${FARGATE_SIZES.map((s) => s.cpu).join(", ")}`;
  return size.only
    ? `: with cpu ${cpu} use memory ${size.only.join(", ")}`
    : `: with cpu ${cpu} use memory ${size.minMiB}-${size.maxMiB} in steps of ${size.stepMiB}`;
}

function checkContainers(
  spec: JsonObject,
  fargate: boolean,
  cpu: number | undefined | "invalid",
  memory: number | undefined | "invalid",
  report: Report,
): void {
  const containers = objectsOf(spec["containerDefinitions"]);
  const names = new Set(containerNames(spec));
  const volumes = new Set(objectsOf(spec["volumes"]).flatMap(({ item }) => stringOf(item["name"]) ?? []));
  const networkMode = stringOf(spec["networkMode"]);
  if (containers.length > MAX_CONTAINERS)
    report(
      ["containerDefinitions", MAX_CONTAINERS],
      "container-count",
      `${containers.length} containers: a task definition holds at most ${MAX_CONTAINERS}`,
    );
  // `essential` unset means true (RegisterTaskDefinition ContainerDefinition.essential).
  if (!containers.some(({ item }) => item["essential"] !== false))
    report(
      ["containerDefinitions"],
      "essential-container",
      "a task definition needs at least one essential container (essential is true unless set to false)",
    );
  checkUnique(spec, report);
  let reservedMiB = 0;
  let reservedCpu = 0;
  for (const { item: c, index } of containers) {
    const at = ["containerDefinitions", index];
    const name = stringOf(c["name"]);
    // xref: RegisterTaskDefinition answers "Container.image should not be null or empty" (and the same for name).
    const missing = (["name", "image"] as const).filter((field) => !stringOf(c[field]));
    if (missing.length > 0)
      report(
        missing.length === 1 && c[missing[0]!] === "" ? [...at, missing[0]!] : at,
        "container-name-image",
        `every container needs a non-empty name and image${missing.length === 1 ? `: set ${missing[0]!}` : ""}`,
      );
    else if (name !== undefined && !/^[A-Za-z0-9_-]{1,255}$/.test(name))
      report(
        [...at, "name"],
        "container-name-image",
        `container name "${name}" may hold only 1-255 letters, digits, hyphens and underscores`,
      );
    checkReferences(c, at, name, { containers: names, volumes }, report);
    // xref: ContainerDefinition.links: "only supported if the network mode of a task definition is bridge".
    if (!fargate && isSet(c["links"]) && networkMode !== undefined && networkMode !== "bridge")
      report([...at, "links"], "links-network-mode", `links only work with networkMode bridge, not ${networkMode}`);
    // xref: ContainerDefinition.hostname / extraHosts: not supported with awsvpc; ECS answers
    // "hostname is not supported on container when networkMode=awsvpc" (labd/ecs-deplojo#26).
    if (networkMode === "awsvpc") {
      for (const field of ["hostname", "extraHosts"] as const) {
        if (isSet(c[field]) && c[field] !== "")
          report(
            [...at, field],
            "awsvpc-unsupported",
            `${field} is not supported with networkMode awsvpc (containers share the task's network interface): remove it`,
          );
      }
    }
    // xref: PortMapping.hostPort: with awsvpc or host networking "hostPort can either be left blank
    // or set to the same value as containerPort".
    if (networkMode === "awsvpc" || networkMode === "host") {
      objectsOf(c["portMappings"]).forEach(({ item, index: i }) => {
        if (item["hostPort"] !== undefined && item["containerPort"] !== undefined && item["hostPort"] !== item["containerPort"])
          report(
            [...at, "portMappings", i, "hostPort"],
            "awsvpc-host-port",
            `with networkMode ${networkMode} hostPort must be omitted or equal containerPort (${String(item["containerPort"])})`,
          );
      });
    }
    const hardMiB = numberOf(c["memory"]);
    const softMiB = numberOf(c["memoryReservation"]);
    // xref: ContainerDefinition.memory: on EC2 "you must specify either a task-level memory value or
    // a container-level memory value" (memory or memoryReservation).
    if (!fargate && memory === undefined && hardMiB === undefined && softMiB === undefined)
      report(at, "container-memory", "without task-level memory every container needs memory or memoryReservation (MiB)");
    if (hardMiB !== undefined && softMiB !== undefined && softMiB > hardMiB)
      report(
        [...at, "memoryReservation"],
        "container-memory-reservation",
        `memoryReservation ${softMiB} is above the hard limit memory ${hardMiB}`,
      );
    // ECS checks two things against task memory (docs/validation.md): each container's hard limit
    // on its own, and the sum of the memoryReservation values that are set. A hard limit is not a
    // reservation: an init container with only `memory` does not count towards the sum.
    if (typeof memory === "number" && hardMiB !== undefined && hardMiB > memory) {
      report(
        [...at, "memory"],
        "container-memory-total",
        `container memory ${hardMiB} MiB is above the task memory ${memory} MiB: lower it or raise the task memory`,
      );
    }
    reservedMiB += softMiB ?? 0;
    reservedCpu += numberOf(c["cpu"]) ?? 0;
  }
  if (typeof memory === "number" && reservedMiB > memory)
    report(
      ["memory"],
      "container-memory-total",
      `the containers' memoryReservation values add up to ${reservedMiB} MiB, ` +
        `above the task memory ${memory} MiB: lower them or raise the task memory`,
    );
  if (typeof cpu === "number" && reservedCpu > cpu)
    report(["cpu"], "container-cpu-total", `containers reserve ${reservedCpu} CPU units in all, above the task cpu ${cpu}`);
}

/** Lists of a container whose items name another container of the task definition: [list, member, rule id]. */
const CONTAINER_NAME_LISTS = [
  ["dependsOn", "containerName", "container-depends-on"],
  ["volumesFrom", "sourceContainer", "container-volumes-from"],
] as const;

/** Names inside a container that must name another container or a declared volume. */
function checkReferences(
  c: JsonObject,
  at: JsonPath,
  name: string | undefined,
  known: { containers: ReadonlySet<string>; volumes: ReadonlySet<string> },
  report: Report,
): void {
  const { containers: names, volumes } = known;
  for (const [list, member, rule] of CONTAINER_NAME_LISTS) {
    objectsOf(c[list]).forEach(({ item, index: i }) => {
      const target = stringOf(item[member]);
      if (target === undefined || !names.has(target) || target === name)
        report(
          [...at, list, i, member],
          rule,
          `${list} names ${target === name ? "the container itself" : `"${target}", which is not a container of this task definition`}`,
          "UnresolvedReference",
        );
    });
  }
  listOf(c["links"]).forEach((link, i) => {
    const linked = String(link).split(":")[0] ?? "";
    if (!names.has(linked) || linked === name)
      report(
        [...at, "links", i],
        "container-links",
        `link "${String(link)}" does not name another container of this task definition (name or name:alias)`,
        "UnresolvedReference",
      );
  });
  objectsOf(c["mountPoints"]).forEach(({ item, index: i }) => {
    const volume = stringOf(item["sourceVolume"]);
    if (volume === undefined || !volumes.has(volume))
      report(
        [...at, "mountPoints", i, "sourceVolume"],
        "mount-point-volume",
        `mountPoints names volume "${volume}", which is not in volumes[]`,
        "UnresolvedReference",
      );
  });
}

function checkUnique(spec: JsonObject, report: Report): void {
  for (const [list, rule, what] of [
    ["containerDefinitions", "container-name-unique", "container"],
    ["volumes", "volume-name-unique", "volume"],
  ] as const) {
    const seen = new Set<string>();
    const reported = new Set<string>();
    for (const { item, index } of objectsOf(spec[list])) {
      const name = stringOf(item["name"]);
      if (name === undefined) continue;
      // Once per name: ten thousand copies of one container are one mistake.
      if (seen.has(name) && !reported.has(name)) {
        report([list, index, "name"], rule, `${what} name "${name}" is used more than once in this task definition`);
        reported.add(name);
      }
      seen.add(name);
    }
  }
}

/** The RegisterTaskDefinition request must fit AWS's 64 KiB task definition quota. */
function checkSize(manifest: Manifest, report: Report): void {
  const tags = Object.entries(manifest.labels).map(([key, value]) => ({ key, value }));
  const input = { family: manifest.name, ...manifest.spec, ...(tags.length ? { tags } : {}) };
  const bytes = new TextEncoder().encode(JSON.stringify(input)).byteLength;
  if (bytes > MAX_TASK_DEFINITION_BYTES)
    report(
      [],
      "task-definition-size",
      `the task definition is ${bytes} bytes as JSON: AWS allows ${MAX_TASK_DEFINITION_BYTES} ` +
        `(move large values such as environment into secrets or files)`,
    );
}
