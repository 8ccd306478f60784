import { describeScalableTargets, describeScalingPolicies } from "../../aws/autoscaling-read.js";
import { describeServices } from "../../aws/index.js";
import type { JsonObject } from "../../json.js";
import type { Manifest, ResourceKey } from "../../manifests/types.js";
import type { TagMap } from "../common/tags.js";
import { tagListToMap } from "../common/tags.js";
import type { KindReadIo } from "../kind-plugin.js";
import { ecsServiceOf } from "./normalize.js";
import type { LiveScalableTarget } from "./normalize.js";

/**
 * Scalable targets in as few calls as the API allows (docs/kinds.md#read-budget): one
 * DescribeScalableTargets per 50, one DescribeScalingPolicies per target (the API has no batch
 * over targets and no change date), and the scaled service's tags from the same snapshot's
 * DescribeServices (or one more per 10 when the set has no such Service).
 */
export async function readScalableTargets(
  manifests: readonly Manifest[],
  io: KindReadIo,
): Promise<Map<ResourceKey, LiveScalableTarget | undefined>> {
  const ids = [...new Set(manifests.map((m) => String(m.spec["resourceId"] ?? "")))];
  const services = (await io.readsOf("Service")).services ?? new Map<ResourceKey, JsonObject | undefined>();
  const [found, tags] = await Promise.all([
    io.read(() => describeScalableTargets(io.aws, "ecs", ids)),
    serviceTags(io, manifests, services),
  ]);
  const out = new Map<ResourceKey, LiveScalableTarget | undefined>();
  await Promise.all(
    manifests.map(async (m) => {
      const id = m.spec["resourceId"];
      const dimension = String(m.spec["scalableDimension"] ?? "");
      const target = found.find((t) => t["ResourceId"] === id && t["ScalableDimension"] === dimension);
      const policies = target === undefined ? [] : await io.read(() => describeScalingPolicies(io.aws, "ecs", String(id), dimension));
      out.set(m.key, { target, policies, serviceTags: tags.get(String(id)) });
    }),
  );
  return out;
}

/** The scaled services' tags by resourceId (absent: the service does not exist). */
async function serviceTags(
  io: KindReadIo,
  manifests: readonly Manifest[],
  services: ReadonlyMap<ResourceKey, JsonObject | undefined>,
): Promise<Map<string, TagMap>> {
  const out = new Map<string, TagMap>();
  const unread = new Map<string, { id: string; service: string }[]>();
  for (const m of manifests) {
    const id = String(m.spec["resourceId"] ?? "");
    const scaled = ecsServiceOf(id);
    if (scaled === undefined) continue;
    const key = `Service/${scaled.cluster}/${scaled.service}`;
    if (services.has(key)) {
      const service = services.get(key);
      if (service !== undefined) out.set(id, tagListToMap(service["tags"]));
    } else unread.set(scaled.cluster, [...(unread.get(scaled.cluster) ?? []), { id, service: scaled.service }]);
  }
  await Promise.all(
    [...unread].map(async ([cluster, wanted]) => {
      const described = await io.read(() =>
        describeServices(
          io.aws,
          cluster,
          wanted.map((w) => w.service),
        ),
      );
      for (const w of wanted) {
        const service = described.services.get(w.service);
        if (service !== undefined) out.set(w.id, tagListToMap(service["tags"]));
      }
    }),
  );
  return out;
}
