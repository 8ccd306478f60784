import { describeScalableTargets, describeScalingPolicies } from "../../aws/autoscaling-read.js";
import { isJsonObject } from "../../json.js";
import { readResourceKey } from "../../manifests/identity.js";
import type { ExportedManifest } from "../common/schema-util.js";
import type { ExportedResource, KindExport } from "../kind-export.js";
import { exportScalableTarget } from "./export.js";
import { ecsServiceOf } from "./normalize.js";

const DIMENSION = "ecs:service:DesiredCount";

/** The scalable targets (with their policies) of the exported services, each in its service's folder. */
export const scalableTargetExport: KindExport = {
  async read({ aws, selection, exportsOf }) {
    const services = (await exportsOf("Service")).flatMap((s) => {
      const name = readResourceKey(s.key)?.name;
      return name === undefined ? [] : [{ name, key: s.key }];
    });
    const ids = services.map(({ name }) => `service/${selection.cluster}/${name}`);
    const out: ExportedResource[] = [];
    for (const target of ids.length === 0 ? [] : await describeScalableTargets(aws, "ecs", ids)) {
      const id = String(target["ResourceId"]);
      const service = ecsServiceOf(id)?.service;
      if (target["ScalableDimension"] !== DIMENSION || service === undefined) continue;
      const policies = await describeScalingPolicies(aws, "ecs", id, DIMENSION);
      const live = { target, policies, serviceTags: undefined };
      out.push({
        key: `ScalableTarget/${service}`,
        file: `${service}/scalable-target.yaml`,
        source: `Exported from ${String(target["ScalableTargetARN"] ?? "")}`,
        taskDefinitionArns: [],
        folder: service,
        adjusts: { key: `Service/${selection.cluster}/${service}`, adjust: withoutDesiredCount },
        manifest: () => exportScalableTarget(live, service),
      });
    }
    return out;
  },
};

/** A scaled service's exported desiredCount would fight the autoscaler in review: git leaves it out. */
export function withoutDesiredCount(exported: ExportedManifest): ExportedManifest {
  const spec = exported.document["spec"];
  if (!isJsonObject(spec) || spec["desiredCount"] === undefined) return exported;
  const { desiredCount: _desiredCount, ...rest } = spec;
  return { ...exported, document: { ...exported.document, spec: rest } };
}
