import { toPlainJson } from "../../aws/plain-json.js";
import { isJsonObject, parseJsonOrUndefined } from "../../json.js";
import type { JsonObject, JsonValue } from "../../json.js";
import { kindSpecSchemas } from "../../manifests/schema/aws-schema.generated.js";
import { compact, fillDefault, objectCopy, sortByField, sortList } from "../common/normalize-util.js";
import { tagListToMap } from "../common/tags.js";
import type { TagMap } from "../common/tags.js";
import { parseTaskCpu, parseTaskMemory } from "../common/units.js";
import { projectBySchema } from "../common/schema-util.js";
import type { SchemaNode } from "../common/schema-util.js";

/*
 * Canonical comparable form of a task definition (docs/normalization.md#task-definitions). Applied to BOTH
 * the desired spec and the live description, so a difference that survives is a real one. The
 * result is for comparing and hashing only: it is never sent to AWS (docs/normalization.md#principles, 5).
 *
 * Decisions where AWS's behaviour is not a plain default:
 * - TD-17 `networkMode` unset is NOT filled. AWS stores and returns it unset (the aws-cli
 *   hello_world DescribeTaskDefinition output, 2024, has no networkMode), so leaving it alone never
 *   causes a spurious diff, and the effective mode depends on the OS (bridge on Linux, NAT on
 *   Windows): "unset ≡ bridge" would hide a real change.
 * - TD-18 `versionConsistency` unset ≡ "enabled": the API reference says "By default, the value is
 *   enabled", so the two mean the same; tools that render it explicitly drifted against revisions
 *   registered without it (terraform-aws-modules/terraform-aws-ecs #356; T test
 *   `containerDefinitionVersionConsistency_nullToEnabled`, PR #40216).
 * - `runtimePlatform`, `ephemeralStorage`, `stopTimeout`, EFS `transitEncryption`, mount
 *   `readOnly`: no default is filled. No evidence that AWS returns one it was not sent, and
 *   "operatingSystemFamily unset ≡ LINUX" would be wrong for Windows on EC2.
 */

const TASK_DEFINITION_SCHEMA = kindSpecSchemas.TaskDefinition as unknown as SchemaNode;

/** Canonicalize a RegisterTaskDefinition-shaped object (desired spec or live description). Pure. */
export function normalizeTaskDefinition(input: JsonObject): JsonObject {
  // TD-1/TD-2/TD-4: keep only what RegisterTaskDefinition takes, at every depth (botocore schema),
  // so response-only fields (revision, status, requiresAttributes, registeredAt …) and fields newer
  // than our schema never differ. `family` is the identity and `tags` are diffed separately (TD-3).
  // TD-5/TD-12/TD-13: then nulls, empty lists and empty entries mean "not set".
  const td = objectCopy(compact(projectBySchema(input, TASK_DEFINITION_SCHEMA)));
  const networkMode = typeof td["networkMode"] === "string" ? td["networkMode"] : undefined;

  // xref: docs/normalization.md#td-6 — ecspresso toNumberCPU/toNumberMemory, ecspresso PR #123; AWS
  // accepts "1 vCPU"/"1 GB" and stores integer strings.
  setIfPresent(td, "cpu", unitString(td["cpu"], parseTaskCpu));
  setIfPresent(td, "memory", unitString(td["memory"], parseTaskMemory));
  // xref: docs/normalization.md#td-16 — enableFaultInjection false in newer describe output; T Computed.
  fillDefault(td, "enableFaultInjection", false);

  mapList(td, "containerDefinitions", (c) => normalizeContainer(c, networkMode), "name"); // TD-19
  mapList(td, "volumes", normalizeVolume, "name"); // TD-21
  sortList(td, "placementConstraints"); // TD-21
  sortList(td, "requiresCompatibilities"); // TD-21
  sortList(td, "inferenceAccelerators", "deviceName");
  const proxy = td["proxyConfiguration"];
  if (isJsonObject(proxy)) sortList(proxy, "properties", "name"); // TD-21
  return td;
}

function normalizeContainer(container: JsonObject, networkMode: string | undefined): JsonObject {
  const c = { ...container };
  // xref: docs/normalization.md#td-7 — ecspresso (int32 zero), T v1 equivalency; AWS returns `cpu: 0`.
  fillDefault(c, "cpu", 0);
  // xref: docs/normalization.md#td-8 — T containerDefinitions.reduce; ansible #22547.
  fillDefault(c, "essential", true);
  // xref: docs/normalization.md#td-18 — API reference "By default, the value is enabled"; see header.
  fillDefault(c, "versionConsistency", "enabled");

  mapList(c, "portMappings", (p) => normalizePortMapping(p, networkMode), undefined);
  sortList(c, "portMappings"); // TD-21, after filling so both sides sort alike
  const health = c["healthCheck"];
  if (isJsonObject(health)) {
    // xref: docs/normalization.md#td-11 — T reduce; terraform-aws-modules/terraform-aws-ecs #148/#149.
    // No default for startPeriod. healthCheck.command keeps its order (TD-22).
    c["healthCheck"] = { interval: 30, timeout: 5, retries: 3, ...health };
  }

  // TD-20: AWS reorders environment (TF #3035, ACK #2878); secrets are name-keyed the same way.
  sortList(c, "environment", "name");
  sortList(c, "secrets", "name");
  // TD-21: sets. Docker sorts mounts by path itself, so list order carries no meaning.
  sortList(c, "mountPoints");
  sortList(c, "volumesFrom");
  sortList(c, "ulimits", "name");
  sortList(c, "systemControls", "namespace");
  sortList(c, "resourceRequirements", "type");
  sortList(c, "extraHosts");
  sortList(c, "credentialSpecs");
  sortList(c, "dockerSecurityOptions"); // docker --security-opt values: a set of independent options
  // dependsOn: a set of conditions on other containers. The agent waits for all of them and reverses
  // the graph (not the list) for shutdown, so the order has no meaning: sorted by containerName.
  sortList(c, "dependsOn", "containerName");
  // NOT sorted (TD-22), order is behaviour: command, entryPoint, links, dnsServers,
  // dnsSearchDomains, healthCheck.command, linuxParameters.tmpfs[].mountOptions, and
  // environmentFiles ("If multiple environment files are specified that contain the same variable,
  // they're processed from the top down": ContainerDefinition.environmentFiles API reference).

  const log = c["logConfiguration"];
  if (isJsonObject(log)) {
    // options is a user map: keys kept verbatim (TD-23). secretOptions is name→valueFrom, like secrets.
    const sorted = { ...log };
    sortList(sorted, "secretOptions", "name");
    c["logConfiguration"] = sorted;
  }
  const linux = c["linuxParameters"];
  if (isJsonObject(linux)) c["linuxParameters"] = normalizeLinuxParameters(linux);
  const restart = c["restartPolicy"];
  if (isJsonObject(restart)) {
    const sorted = { ...restart };
    sortList(sorted, "ignoredExitCodes"); // a set of exit codes
    c["restartPolicy"] = sorted;
  }
  return c;
}

function normalizePortMapping(mapping: JsonObject, networkMode: string | undefined): JsonObject {
  const p = { ...mapping };
  // xref: docs/normalization.md#td-9 — T `_portMappings` test; ansible #22547.
  fillDefault(p, "protocol", "tcp");
  // xref: docs/normalization.md#td-10 — T reduce (hostPort 0 ≡ nil; awsvpc nil ≡ containerPort);
  // ecspresso; techservicesillinois #33 (AWS fills hostPort = containerPort in host mode too).
  if (p["hostPort"] === 0) delete p["hostPort"];
  if ((networkMode === "awsvpc" || networkMode === "host") && p["hostPort"] === undefined && typeof p["containerPort"] === "number") {
    p["hostPort"] = p["containerPort"];
  }
  return p;
}

function normalizeVolume(volume: JsonObject): JsonObject {
  const v = { ...volume };
  // xref: docs/normalization.md#td-14 — T PR #46132 (API returns configuredAtLaunch false).
  fillDefault(v, "configuredAtLaunch", false);
  const efs = v["efsVolumeConfiguration"];
  // xref: docs/normalization.md#td-15 — TF #26793/#18010, PR #26880 (T test EFSVolume_transitEncryptionMinimal
  // reads "/" back); CircleCI aws-ecs-orb #105.
  if (isJsonObject(efs)) v["efsVolumeConfiguration"] = { rootDirectory: "/", ...efs };
  const docker = v["dockerVolumeConfiguration"];
  // xref: "The default for ECS is Task Scoped" (aws/amazon-ecs-cli #607, an ECS engineer); T marks
  // docker_volume_configuration.scope Computed. driverOpts/labels are user maps (TD-23).
  if (isJsonObject(docker)) v["dockerVolumeConfiguration"] = { scope: "task", ...docker };
  return v;
}

function normalizeLinuxParameters(params: JsonObject): JsonObject {
  const l = { ...params };
  const caps = l["capabilities"];
  if (isJsonObject(caps)) {
    const sorted = { ...caps };
    sortList(sorted, "add"); // docker --cap-add/--cap-drop: sets
    sortList(sorted, "drop");
    l["capabilities"] = sorted;
  }
  mapList(
    l,
    "devices",
    (d) => {
      const device = { ...d };
      sortList(device, "permissions"); // read/write/mknod: a set
      return device;
    },
    undefined,
  );
  sortList(l, "devices");
  sortList(l, "tmpfs", "containerPath");
  return l;
}

// ---------------------------------------------------------------------------------------------
// Reading what AWS / the CLI / the console return.

export type LiveTaskDefinitionRead = {
  taskDefinition: JsonObject;
  tags: TagMap;
  arn?: string;
  revision?: number;
  status?: string;
};

/** An ACTIVE revision of the family as read from AWS (see `readLiveTaskDefinition`); here so that history.ts imports no plan. */
export type LiveTaskDefinition = { arn: string; revision: number; taskDefinition: JsonObject; tags: Record<string, string> };

/**
 * Accepts every shape AWS and its tools produce (test/fixtures/aws/README.md): the
 * DescribeTaskDefinition / RegisterTaskDefinition response `{taskDefinition, tags}` (tags outside,
 * TD-3), a bare task definition, a console JSON export with `tags` inside, SDK output with `Date`
 * timestamps and `$metadata`, CLI text, epoch or ISO timestamps, explicit nulls. `taskDefinition`
 * is returned as described (minus tags): normalize it to compare, never send it back (principle 5).
 * Not a task definition → undefined.
 */
export function readLiveTaskDefinition(response: unknown): LiveTaskDefinitionRead | undefined {
  const root = toPlainJson(typeof response === "string" ? parseJsonOrUndefined(response) : response);
  if (!isJsonObject(root)) return undefined;
  const wrapped = root["taskDefinition"];
  const td = isJsonObject(wrapped) ? wrapped : isTaskDefinitionLike(root) ? root : undefined;
  if (!td) return undefined;
  const outerTags = isJsonObject(wrapped) ? root["tags"] : undefined;
  const { tags: innerTags, ...taskDefinition } = td;
  const result: LiveTaskDefinitionRead = { taskDefinition, tags: tagListToMap(Array.isArray(outerTags) ? outerTags : innerTags) };
  const arn = td["taskDefinitionArn"];
  if (typeof arn === "string" && arn !== "") result.arn = arn;
  const revision = td["revision"];
  if (typeof revision === "number" && Number.isInteger(revision)) result.revision = revision;
  const status = td["status"];
  if (typeof status === "string") result.status = status;
  return result;
}

function isTaskDefinitionLike(value: JsonObject): boolean {
  return Array.isArray(value["containerDefinitions"]) || typeof value["taskDefinitionArn"] === "string";
}

// ---------------------------------------------------------------------------------------------
// Helpers.

function setIfPresent(target: JsonObject, key: string, value: JsonValue | undefined): void {
  if (value !== undefined) target[key] = value;
}

function unitString(value: JsonValue | undefined, parse: (v: JsonValue | undefined) => number | undefined): JsonValue | undefined {
  if (value === undefined) return undefined;
  const parsed = parse(value);
  // An unparseable value stays as written, so it still differs from anything valid.
  return parsed === undefined ? value : String(parsed);
}

/** Normalize each mapping of a list in place; sort by `field` (or canonically) when given. */
function mapList(target: JsonObject, key: string, fn: (item: JsonObject) => JsonObject, sortField: string | undefined): void {
  const list = target[key];
  if (!Array.isArray(list)) return;
  const mapped = list.map((item) => (isJsonObject(item) ? fn(item) : item));
  target[key] = sortField === undefined ? mapped : sortByField(mapped, sortField);
}
