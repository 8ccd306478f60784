import { assertNever } from "../assert-never.js";
import { describeTaskDefinition, listTagsForResource } from "../aws/index.js";
import type { AwsClients } from "../aws/index.js";
import { EcsGitopsError, isEcsGitopsError } from "../errors.js";
import type { ResourceKey } from "../manifests/types.js";
import { ANNOTATION } from "../manifests/annotations.js";
import { quoteOrAbsent } from "../resources/common/plan-util.js";
import { repoOfSource } from "../resources/common/source-tag.js";
import { isNotOurs, ownershipOf, tagListToMap } from "../resources/common/tags.js";
import type { TagMap } from "../resources/common/tags.js";
import { OWNER_TAG, SOURCE_TAG } from "../resources/types.js";
import type { WriteGuard } from "../resources/types.js";

/**
 * Reads, right before an action's first write, whether the resource is still what the plan
 * judged: undefined when writing is safe, else the error that stops it. A rule another team
 * recreated under our name, or a revision retagged by hand, is not ours (NotOwned, never
 * written); one deleted since the plan's read is looked at again on the next reconcile
 * (NotFound, retried).
 */
export async function checkWriteGuard(aws: AwsClients, key: ResourceKey, guard: WriteGuard): Promise<EcsGitopsError | undefined> {
  const where = `${key} (${guard.arn})`;
  const tags = await liveTags(aws, guard);
  if (tags === undefined) {
    return new EcsGitopsError(
      "NotFound",
      `${where}: it was deleted after it was read, so nothing was written; it is read again on the next reconcile.`,
      { where: key, retryable: true },
    );
  }
  const ownership = ownershipOf(tags, guard);
  if (!isNotOurs(ownership)) return undefined;
  if (ownership === "other-repo") {
    return new EcsGitopsError(
      "NotOwned",
      `${where}: it is owned by ${repoOfSource(tags[SOURCE_TAG]) ?? "another repository"} ` +
        `(tag ${SOURCE_TAG} is "${tags[SOURCE_TAG] ?? ""}"), so nothing was written. ` +
        `Define it in one repository only.`,
      { where: key },
    );
  }
  return new EcsGitopsError(
    "NotOwned",
    `${where}: it is not owned by "${guard.owner}" (tag ${OWNER_TAG} is ${quoteOrAbsent(tags[OWNER_TAG])}): ` +
      `someone else made or retagged it since it was read, so nothing was written. ` +
      `To manage it, add the annotation ${ANNOTATION.adopt}: "true"; otherwise ` +
      `choose another metadata.name.`,
    { where: key },
  );
}

/** The resource's tags as AWS has them now; undefined when it does not exist. */
async function liveTags(aws: AwsClients, guard: WriteGuard): Promise<TagMap | undefined> {
  switch (guard.resource) {
    case "rule":
      try {
        // Same ARN when a rule is deleted and made again under the same name: its tags tell.
        return tagListToMap(await listTagsForResource(aws, guard.arn));
      } catch (error) {
        if (isEcsGitopsError(error) && error.code === "NotFound") return undefined;
        throw error;
      }
    case "revision": {
      const revision = await describeTaskDefinition(aws, guard.arn);
      return revision === undefined ? undefined : tagListToMap(revision["tags"]);
    }
    case "schedule":
      // Imported on first use: it loads the Scheduler SDK, which a fleet without schedules never needs.
      return (await import("../resources/schedule/read.js")).liveScheduleOwnerTags(aws, guard.group, guard.name);
    default:
      return assertNever(guard, "write guard");
  }
}
