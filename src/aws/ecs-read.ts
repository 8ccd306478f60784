import {
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListServicesCommand,
  ListTaskDefinitionFamiliesCommand,
  ListTaskDefinitionsCommand,
} from "@aws-sdk/client-ecs";
import type { JsonObject } from "../json.js";
import { serviceNameOfArn } from "./arn.js";
import { awsErrorName, classifyAwsError } from "./classify.js";
import type { AwsClients } from "./client-set.js";
import { chunk, listAll } from "./paginate.js";
import { toPlainObject } from "./plain-json.js";

/** DescribeServices takes at most 10 services per call (docs/normalization.md#ecs-batch-and-page-sizes). */
export const DESCRIBE_SERVICES_BATCH = 10;
const PAGE_SIZE = 100;

export type TaskDefinitionStatus = "ACTIVE" | "INACTIVE" | "DELETE_IN_PROGRESS";
export type TaskDefinitionFamilyStatus = "ACTIVE" | "INACTIVE" | "ALL";

export type DescribedServices = {
  /** Keyed by the name (or ARN) as asked; each value is the API's `service` object, with `tags`. */
  services: Map<string, JsonObject>;
  /** Asked-for names that do not exist: failures[] with reason MISSING, INACTIVE services, or no cluster. */
  missing: string[];
  /** failures[] entries with any other reason, as data (the services' state is then unknown). */
  failures: JsonObject[];
  /** The cluster itself does not exist (every name is then in `missing`). */
  clusterMissing: boolean;
};

function requestedNameFor(service: JsonObject, pending: ReadonlySet<string>): string | undefined {
  const arn = service["serviceArn"];
  const name = service["serviceName"];
  if (typeof arn === "string" && pending.has(arn)) return arn;
  if (typeof name === "string" && pending.has(name)) return name;
  return undefined;
}

function nameOfFailure(failure: JsonObject, batch: readonly string[]): string | undefined {
  const arn = failure["arn"];
  if (typeof arn !== "string") return undefined;
  // AWS answers MISSING with an ARN built from the asked name (`…:service/<name>` or `…/<cluster>/<name>`).
  return batch.find((name) => arn === name || arn.endsWith(`/${name}`));
}

/**
 * Services by name, 10 per DescribeServices call, with their tags. Not-found is data (`missing`),
 * not an exception; a missing cluster means every service is missing.
 */
export async function describeServices(clients: AwsClients, cluster: string, names: readonly string[]): Promise<DescribedServices> {
  const result: DescribedServices = { services: new Map(), missing: [], failures: [], clusterMissing: false };
  const unique = [...new Set(names)];
  for (const batch of chunk(unique, DESCRIBE_SERVICES_BATCH)) {
    if (result.clusterMissing) {
      result.missing.push(...batch);
      continue;
    }
    const where = `ecs:DescribeServices cluster ${cluster} (${batch.join(", ")})`;
    let response;
    try {
      response = await clients.ecs.send(new DescribeServicesCommand({ cluster, services: batch, include: ["TAGS"] }));
    } catch (error) {
      if (awsErrorName(error) !== "ClusterNotFoundException") throw classifyAwsError(error, where);
      result.clusterMissing = true;
      result.missing.push(...batch);
      continue;
    }
    const pending = new Set(batch);
    for (const raw of response.services ?? []) {
      const service = toPlainObject(raw);
      const name = requestedNameFor(service, pending);
      if (name === undefined) continue;
      pending.delete(name);
      if (service["status"] === "INACTIVE") result.missing.push(name);
      else result.services.set(name, service);
    }
    for (const raw of response.failures ?? []) {
      const failure = toPlainObject(raw);
      const name = nameOfFailure(failure, [...pending]);
      if (failure["reason"] === "MISSING" && name !== undefined) {
        pending.delete(name);
        result.missing.push(name);
      } else {
        result.failures.push(failure);
        if (name !== undefined) pending.delete(name);
      }
    }
    // Neither described nor reported as a failure: treat as absent rather than guess.
    result.missing.push(...pending);
  }
  return result;
}

// AWS (and moto) answer a describe of an unknown family or revision with this ClientException.
const TASK_DEFINITION_NOT_FOUND = /unable to describe task definition/i;

/**
 * `{ taskDefinition, tags }` as plain JSON (Dates as ISO strings), or undefined if it does not exist.
 * A family alone resolves to its latest ACTIVE revision; prefer a full ARN (cacheable, exact).
 */
export async function describeTaskDefinition(clients: AwsClients, familyOrArn: string): Promise<JsonObject | undefined> {
  try {
    const response = await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: familyOrArn, include: ["TAGS"] }));
    if (response.taskDefinition === undefined) return undefined;
    return toPlainObject({ taskDefinition: response.taskDefinition, tags: response.tags ?? [] });
  } catch (error) {
    if (awsErrorName(error) === "ClientException" && error instanceof Error && TASK_DEFINITION_NOT_FOUND.test(error.message))
      return undefined;
    throw classifyAwsError(error, `TaskDefinition ${familyOrArn} (ecs:DescribeTaskDefinition)`);
  }
}

/** DescribeClusters takes at most 100 clusters per call. */
const DESCRIBE_CLUSTERS_BATCH = 100;

/** The clusters that exist and are not INACTIVE (with tags and settings); absent ones are left out. */
export async function describeClusters(clients: AwsClients, clusters: readonly string[]): Promise<JsonObject[]> {
  const found: JsonObject[] = [];
  for (const batch of chunk([...new Set(clusters)], DESCRIBE_CLUSTERS_BATCH)) {
    try {
      const response = await clients.ecs.send(new DescribeClustersCommand({ clusters: batch, include: ["TAGS", "SETTINGS"] }));
      for (const cluster of response.clusters ?? []) {
        if (cluster.status !== "INACTIVE") found.push(toPlainObject(cluster));
      }
    } catch (error) {
      throw classifyAwsError(error, `clusters ${batch.join(", ")} (ecs:DescribeClusters)`);
    }
  }
  return found;
}

/** One cluster, or undefined if it does not exist or is INACTIVE. */
export async function describeCluster(clients: AwsClients, cluster: string): Promise<JsonObject | undefined> {
  return (await describeClusters(clients, [cluster]))[0];
}

/** Every service ARN in a cluster (all pages); empty when the cluster does not exist. */
export async function listServiceArns(clients: AwsClients, cluster: string): Promise<string[]> {
  const where = `cluster ${cluster} (ecs:ListServices)`;
  return listAll(
    where,
    async (nextToken) => {
      const page = await clients.ecs.send(new ListServicesCommand({ cluster, maxResults: PAGE_SIZE, nextToken }));
      return { items: page.serviceArns ?? [], nextToken: page.nextToken };
    },
    "ClusterNotFoundException",
  );
}

/** Every service of a cluster: ListServices, then DescribeServices (10 a call, with tags); `names` in listing order. */
export async function describeClusterServices(
  clients: AwsClients,
  cluster: string,
): Promise<{ names: string[]; described: DescribedServices }> {
  const names = (await listServiceArns(clients, cluster)).map(serviceNameOfArn);
  return { names, described: await describeServices(clients, cluster, names) };
}

/**
 * Every revision ARN of one family with the given status (all pages). `familyPrefix` of
 * ListTaskDefinitions is an exact family name, not a prefix (docs/normalization.md#ecs-batch-and-page-sizes). Order as AWS
 * lists it (oldest first); sort by revision if it matters.
 */
export async function listTaskDefinitionArns(
  clients: AwsClients,
  family: string,
  status: TaskDefinitionStatus = "ACTIVE",
): Promise<string[]> {
  const where = `TaskDefinition ${family} (ecs:ListTaskDefinitions)`;
  return listAll(where, async (nextToken) => {
    const page = await clients.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status, maxResults: PAGE_SIZE, nextToken }));
    return { items: page.taskDefinitionArns ?? [], nextToken: page.nextToken };
  });
}

/** Family names starting with `prefix` (all when omitted), all pages. */
export async function listTaskDefinitionFamilies(
  clients: AwsClients,
  prefix?: string,
  status: TaskDefinitionFamilyStatus = "ACTIVE",
): Promise<string[]> {
  const where = `task definition families ${prefix === undefined ? "(all)" : `"${prefix}*"`} (ecs:ListTaskDefinitionFamilies)`;
  return listAll(where, async (nextToken) => {
    const page = await clients.ecs.send(
      new ListTaskDefinitionFamiliesCommand({ familyPrefix: prefix, status, maxResults: PAGE_SIZE, nextToken }),
    );
    return { items: page.families ?? [], nextToken: page.nextToken };
  });
}
