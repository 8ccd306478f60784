import { describeScalableTargets, describeScalingPolicies } from "../../aws/autoscaling-read.js";
import type { AwsClients } from "../../aws/index.js";
import { getSchedule, listSchedules } from "../../aws/scheduler-read.js";
import { isJsonObject } from "../../json.js";
import type { JsonObject } from "../../json.js";
import { AWS_DEFAULT_SCHEDULE_GROUP } from "../../manifests/identity.js";
import type { ExportedManifest, TaskDefinitionReference } from "../../resources/common/schema-util.js";
import { exportScalableTarget } from "../../resources/scalable-target/export.js";
import type { LiveScalableTarget } from "../../resources/scalable-target/normalize.js";
import { exportSchedule } from "../../resources/schedule/export.js";

export type KindDocument = { file: string; exported: ExportedManifest; key: string; source: string };

/** What `export` reads of the Schedule and ScalableTarget kinds for one cluster and its exported services. */
export type KindExport = {
  /** Task definitions the schedules run: exported with the rest. */
  taskDefinitionArns: string[];
  /** Services with a registered scalable target: their desiredCount is the autoscaler's, not git's. */
  scaledServices: ReadonlySet<string>;
  documents(reference: (arn: string) => TaskDefinitionReference): KindDocument[];
};

/**
 * Schedules (any group) whose target runs tasks on the cluster, and the scalable targets (with
 * their policies) of the exported services. A schedule or target that exists is exported with the
 * adopt annotation like every other export.
 */
export async function readKindsForExport(aws: AwsClients, cluster: string, serviceNames: readonly string[]): Promise<KindExport> {
  const summaries = (await listSchedules(aws, undefined)).filter((s) => {
    const target = s["Target"];
    return isJsonObject(target) && typeof target["Arn"] === "string" && target["Arn"].endsWith(`:cluster/${cluster}`);
  });
  const schedules: JsonObject[] = [];
  for (const summary of summaries) {
    const schedule = await getSchedule(aws, String(summary["GroupName"] ?? AWS_DEFAULT_SCHEDULE_GROUP), String(summary["Name"]));
    if (schedule !== undefined) schedules.push(schedule);
  }
  const targets: { service: string; live: LiveScalableTarget }[] = [];
  const ids = serviceNames.map((name) => `service/${cluster}/${name}`);
  for (const target of ids.length === 0 ? [] : await describeScalableTargets(aws, "ecs", ids)) {
    if (target["ScalableDimension"] !== "ecs:service:DesiredCount") continue;
    const id = String(target["ResourceId"]);
    const policies = await describeScalingPolicies(aws, "ecs", id, "ecs:service:DesiredCount");
    targets.push({ service: id.slice(id.lastIndexOf("/") + 1), live: { target, policies, serviceTags: undefined } });
  }
  return {
    taskDefinitionArns: schedules.flatMap((s) => {
      const ecs = isJsonObject(s["Target"]) ? s["Target"]["EcsParameters"] : undefined;
      return isJsonObject(ecs) && typeof ecs["TaskDefinitionArn"] === "string" ? [ecs["TaskDefinitionArn"]] : [];
    }),
    scaledServices: new Set(targets.map((t) => t.service)),
    documents: (reference) => [
      ...schedules.map((s) => {
        const group = String(s["GroupName"] ?? AWS_DEFAULT_SCHEDULE_GROUP);
        const name = String(s["Name"]);
        return {
          file: `schedules/${group === AWS_DEFAULT_SCHEDULE_GROUP ? "" : `${group}-`}${name}.yaml`,
          exported: exportSchedule(s, reference),
          key: `Schedule/${group}/${name}`,
          source: `Exported from ${String(s["Arn"])}`,
        };
      }),
      ...targets.flatMap(({ service, live }) => {
        const exported = exportScalableTarget(live, service);
        return exported === undefined
          ? []
          : [
              {
                file: `${service}/scalable-target.yaml`,
                exported,
                key: `ScalableTarget/${service}`,
                source: `Exported from ${String(live.target?.["ScalableTargetARN"] ?? "")}`,
              },
            ];
      }),
    ],
  };
}

/** A scaled service's exported desiredCount would fight the autoscaler in review: git leaves it out. */
export function withoutDesiredCount(exported: ExportedManifest): ExportedManifest {
  const spec = exported.document["spec"];
  if (!isJsonObject(spec) || spec["desiredCount"] === undefined) return exported;
  const { desiredCount: _desiredCount, ...rest } = spec;
  return { ...exported, document: { ...exported.document, spec: rest } };
}
