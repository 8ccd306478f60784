import { describeServices, listServiceArns } from "../../aws/index.js";
import { serviceNameOfArn } from "../../aws/arn.js";
import { EcsGitopsError } from "../../errors.js";
import { isJsonObject } from "../../json.js";
import type { JsonObject } from "../../json.js";
import type { ResourceKey } from "../../manifests/types.js";
import { isNotOurs, ownershipOf, tagListToMap } from "../common/tags.js";
import type { TagMap } from "../common/tags.js";
import type { DeleteAction, PruneDeleteIo, PruneLive, PruneReadIo } from "../kind-prune.js";
import type { PrunePlaces } from "../kind-prune.js";
import { OWNER_TAG, PRUNE_TAG } from "../types.js";
import type { ServicePruneDetail } from "./prune.js";

/**
 * Every service of the clusters in scope, whoever owns it (docs/prune.md#read-budget): per
 * cluster ListServices, then DescribeServices (10 a call) of those the reconcile did not read
 * lately (`io.seen`), since the revisions any of them runs stay. A fleet without orphans lists only.
 */
export async function readClusterServices(clusters: PrunePlaces, io: PruneReadIo): Promise<PruneLive<ServicePruneDetail>[]> {
  const all = await Promise.all(clusters.map((cluster) => servicesOf(cluster, io)));
  return all.flat();
}

/**
 * What the prune pass reads of a service the reconcile described (servicesOf below): its name,
 * ARN, status, tags and the revisions it runs. A sighting is kept for up to two resync periods,
 * so the rest of the description (events, network, load balancers) is not kept with it.
 */
export function pruneSighting(service: JsonObject): JsonObject {
  const sighting: JsonObject = {};
  for (const field of ["serviceName", "serviceArn", "status", "tags", "taskDefinition"] as const) {
    const value = service[field];
    if (value !== undefined) sighting[field] = value;
  }
  const deployments = Array.isArray(service["deployments"]) ? service["deployments"].filter(isJsonObject) : [];
  sighting["deployments"] = deployments.flatMap((d) =>
    typeof d["taskDefinition"] === "string" ? [{ taskDefinition: d["taskDefinition"] }] : [],
  );
  return sighting;
}

async function servicesOf(cluster: string, io: PruneReadIo): Promise<PruneLive<ServicePruneDetail>[]> {
  const names = (await listServiceArns(io.aws, cluster)).map(serviceNameOfArn);
  const reused: JsonObject[] = [];
  const unread: string[] = [];
  for (const name of names) {
    const key = `Service/${cluster}/${name}`;
    const seen = io.named.has(key) ? io.seen?.(key) : undefined;
    // Listed now and ACTIVE when the reconcile read it: what it runs is that read's (a newer
    // deployment is ours, and a pass that deletes reads everything afresh first).
    if (seen !== undefined && seen["serviceName"] === name && seen["status"] === "ACTIVE") reused.push(seen);
    else unread.push(name);
  }
  const described = unread.length === 0 ? [] : [...(await describeServices(io.aws, cluster, unread)).services.values()];
  return [...reused, ...described].flatMap((s) => {
    const name = s["serviceName"];
    const arn = s["serviceArn"];
    if (typeof name !== "string" || typeof arn !== "string") return [];
    const deployments = Array.isArray(s["deployments"]) ? s["deployments"].filter(isJsonObject) : [];
    const runs = [s["taskDefinition"], ...deployments.map((d) => d["taskDefinition"])].filter((t): t is string => typeof t === "string");
    const status = typeof s["status"] === "string" ? s["status"] : "ACTIVE";
    return [
      {
        key: `Service/${cluster}/${name}`,
        name,
        arn,
        tags: tagListToMap(s["tags"]),
        state: status === "ACTIVE" ? "live" : status === "INACTIVE" ? "gone" : "draining",
        runs: [...new Set(runs)],
        detail: { cluster, name },
      },
    ];
  });
}

/** Scale to 0, delete (with `force` only when the resource's prune tag asks), wait until it drains. */
export async function removeService(action: DeleteAction, io: PruneDeleteIo): Promise<"deleted" | "gone"> {
  const [scale, remove] = action.calls;
  const cluster = String(remove?.input["cluster"]);
  const name = String(remove?.input["service"]);
  const live = await describeServices(io.aws, cluster, [name]);
  const service = live.services.get(name);
  if (service === undefined || service["status"] !== "ACTIVE") return "gone";
  refuseUnlessOurs(action.key, tagListToMap(service["tags"]), io.claim);
  if (scale) await io.write(scale);
  try {
    await io.write(remove!);
  } catch (error) {
    // `force` only when the resource asked for it: without it, a service that will not scale down stays.
    if (tagListToMap(service["tags"])[PRUNE_TAG] !== "force") throw error;
    await io.write({ operation: "ecs:DeleteService", input: { ...remove!.input, force: true } });
  }
  await waitDraining(cluster, name, io);
  return "deleted";
}

function refuseUnlessOurs(key: ResourceKey, tags: TagMap, claim: PruneDeleteIo["claim"]): void {
  if (!isNotOurs(ownershipOf(tags, claim))) return;
  throw new EcsGitopsError(
    "NotOwned",
    `${key}: its tag ${OWNER_TAG} is "${tags[OWNER_TAG] ?? ""}" now, not "${claim.owner}" ` +
      `(or another repository wrote it), so prune did not touch it`,
    { where: key },
  );
}

/** ECS reports a deleted service DRAINING until its tasks stop, then INACTIVE: either means the delete took. */
async function waitDraining(cluster: string, name: string, io: PruneDeleteIo): Promise<void> {
  const deadline = Date.now() + io.drainTimeoutMs;
  for (;;) {
    const live = await describeServices(io.aws, cluster, [name]);
    const status = live.services.get(name)?.["status"];
    if (status === undefined || status === "DRAINING" || status === "INACTIVE") return;
    if (Date.now() > deadline)
      throw new EcsGitopsError(
        "DependencyNotReady",
        `Service/${cluster}/${name}: still ${String(status)} after DeleteService; looked at again later`,
        {
          where: `Service/${cluster}/${name}`,
        },
      );
    await new Promise((resolve) => setTimeout(resolve, io.pollMs));
  }
}
