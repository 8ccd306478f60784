import { describeCluster, describeClusterServices, describeServices } from "../../aws/index.js";
import type { AwsClients } from "../../aws/index.js";
import type { JsonObject } from "../../json.js";
import { byName, splitNames } from "../kind-export.js";
import type { ExportedResource, KindExport } from "../kind-export.js";
import { exportService } from "./export.js";

/** `--services` of `--cluster` (default: every service of the cluster), one folder each. */
export const serviceExport: KindExport = {
  async read({ aws, selection }) {
    const services = await readServices(aws, selection.cluster, splitNames(selection.services));
    return [...services].sort(byName("serviceName")).flatMap((service): ExportedResource[] => {
      const name = service["serviceName"];
      if (typeof name !== "string" || name === "") return [];
      return [
        {
          key: `Service/${selection.cluster}/${name}`,
          file: `${name}/service.yaml`,
          source: `Exported from ${String(service["serviceArn"])}`,
          taskDefinitionArns: [String(service["taskDefinition"] ?? "")],
          folder: name,
          manifest: (reference) => exportService(service, { taskDefinition: reference }),
        },
      ];
    });
  },
};

/** The services to export, described with tags; any named one that does not exist is an error. */
async function readServices(aws: AwsClients, cluster: string, names: string[] | undefined): Promise<JsonObject[]> {
  const listed = names === undefined ? await describeClusterServices(aws, cluster) : undefined;
  const wanted = names ?? listed?.names ?? [];
  if (wanted.length === 0) {
    // ListServices answers an unknown cluster with nothing: say which it is.
    if (!(await describeCluster(aws, cluster))) throw new Error(`cluster "${cluster}" does not exist (check --cluster and --region)`);
    return [];
  }
  const described = listed?.described ?? (await describeServices(aws, cluster, wanted));
  if (described.clusterMissing) throw new Error(`cluster "${cluster}" does not exist (check --cluster and --region)`);
  if (described.failures.length > 0)
    throw new Error(
      `ecs:DescribeServices failed for ${described.failures.map((f) => `${String(f["arn"])} (${String(f["reason"])})`).join(", ")}`,
    );
  // A listed service that is gone (INACTIVE) is skipped; one asked for by name must exist.
  if (names !== undefined && described.missing.length > 0)
    throw new Error(`no such service in cluster "${cluster}": ${described.missing.join(", ")}`);
  return wanted.map((name) => described.services.get(name)).filter((s): s is JsonObject => s !== undefined);
}
