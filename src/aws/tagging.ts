import type { JsonObject } from "../json.js";
import { classifyAwsError } from "./classify.js";
import type { AwsClients } from "./clients.js";
import { collectPages } from "./paginate.js";
import { toPlainObject } from "./plain-json.js";

/** GetResources answers at most 100 resources per page. */
const RESOURCES_PER_PAGE = 100;

/**
 * Every resource of `resourceType` (`events:rule`) carrying tag `tagKey` (any value), with all of
 * its tags as `[{ Key, Value }]`, by ARN: 100 a page, instead of one ListTagsForResource per
 * resource. The Tagging API is eventually consistent and not every endpoint supports every type
 * (moto_server answers an empty list for `events:rule`): a resource missing here is not proof
 * that it has no such tag, so callers read the ones they need and did not get one by one.
 */
export async function taggedResources(clients: AwsClients, resourceType: string, tagKey: string): Promise<Map<string, JsonObject[]>> {
  const where = `${resourceType} resources tagged ${tagKey} (tag:GetResources)`;
  try {
    const client = await clients.tagging();
    const { GetResourcesCommand } = await import("@aws-sdk/client-resource-groups-tagging-api");
    const mappings = await collectPages(where, async (PaginationToken) => {
      const page = await client.send(
        new GetResourcesCommand({
          ResourceTypeFilters: [resourceType],
          TagFilters: [{ Key: tagKey }],
          ResourcesPerPage: RESOURCES_PER_PAGE,
          ...(PaginationToken === undefined ? {} : { PaginationToken }),
        }),
      );
      // An empty token ends the listing (collectPages).
      return { items: page.ResourceTagMappingList ?? [], nextToken: page.PaginationToken };
    });
    const tagged = new Map<string, JsonObject[]>();
    for (const mapping of mappings)
      if (typeof mapping.ResourceARN === "string") tagged.set(mapping.ResourceARN, (mapping.Tags ?? []).map(toPlainObject));
    return tagged;
  } catch (error) {
    throw classifyAwsError(error, where);
  }
}
