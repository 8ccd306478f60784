import { DESCRIBE_SERVICES_BATCH, describeServices } from "../../aws/index.js";
import type { DescribedServices } from "../../aws/index.js";
import type { JsonObject } from "../../json.js";
import { effectiveCluster } from "../../manifests/identity.js";
import type { Manifest, ResourceKey } from "../../manifests/types.js";
import type { KindReadIo } from "../kind-plugin.js";

/** Services 10 per DescribeServices (tags included), grouped by cluster; clusters in parallel. */
export async function readServices(manifests: readonly Manifest[], io: KindReadIo): Promise<Map<ResourceKey, JsonObject | undefined>> {
  const byCluster = new Map<string, Manifest[]>();
  for (const m of manifests) {
    const cluster = effectiveCluster(m.spec, io.defaultCluster);
    byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), m]);
  }
  const out = new Map<ResourceKey, JsonObject | undefined>();
  const described = await Promise.all(
    [...byCluster].map(
      async ([cluster, group]) =>
        [
          group,
          await describeCluster(
            io,
            cluster,
            group.map((m) => m.name),
          ),
        ] as const,
    ),
  );
  for (const [group, services] of described) for (const m of group) out.set(m.key, services.get(m.name));
  return out;
}

/** One cluster's services: the first batch alone (a missing cluster costs one call), the rest in parallel. */
async function describeCluster(io: KindReadIo, cluster: string, names: readonly string[]): Promise<Map<string, JsonObject>> {
  const batches: string[][] = [];
  for (let i = 0; i < names.length; i += DESCRIBE_SERVICES_BATCH) batches.push(names.slice(i, i + DESCRIBE_SERVICES_BATCH));
  const [first, ...rest] = batches;
  if (first === undefined) return new Map();
  const head = await io.read(() => describeServices(io.aws, cluster, first));
  if (head.clusterMissing) return new Map();
  const tail: DescribedServices[] = await Promise.all(rest.map((batch) => io.read(() => describeServices(io.aws, cluster, batch))));
  return new Map([head, ...tail].flatMap((d) => [...d.services]));
}
