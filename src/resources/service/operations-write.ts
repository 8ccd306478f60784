import { familyOfArn, revisionOfRef } from "../../aws/arn.js";
import { describeServices, describeTaskDefinition, executeCall, listTaskDefinitionArns } from "../../aws/index.js";
import type { AwsClients } from "../../aws/index.js";
import { EcsGitopsError } from "../../errors.js";
import { isJsonObject } from "../../json.js";
import { quoteOrAbsent } from "../common/plan-util.js";
import { tagListToMap } from "../common/tags.js";
import type { OwnedResource, Started } from "../kind-operations.js";
import { OWNER_TAG, SOURCE_TAG, SPEC_HASH_TAG } from "../types.js";
import { PINNED_REVISION_TAG, pinnedRevision } from "./deploy-controls.js";
import { serviceKeyParts } from "./operations.js";
import { startedDeployment } from "./rollout.js";

/**
 * Written as the spec-hash by `release`: no manifest hashes to it, so the controller takes git's
 * revision as a pending deploy (not drift) even after a restart.
 */
export const RELEASED_SPEC_HASH = "released";

/**
 * The service as AWS has it now, if ecs-gitops owns it: our owner tag and a source tag (written
 * from git by us). Anything else is refused before a write (NotFound, NotOwned).
 */
export async function readOwnedService(aws: AwsClients, key: string, owner: string): Promise<OwnedResource> {
  const { cluster, name } = serviceKeyParts(key);
  const service = (await describeServices(aws, cluster, [name])).services.get(name);
  if (service === undefined)
    throw new EcsGitopsError("NotFound", `${key}: no such service on AWS (check the cluster and the name, and --region)`, { where: key });
  const tags = tagListToMap(service["tags"]);
  const arn = typeof service["serviceArn"] === "string" ? service["serviceArn"] : "";
  if (tags[OWNER_TAG] !== owner || tags[SOURCE_TAG] === undefined)
    throw new EcsGitopsError(
      "NotOwned",
      `${key}: not managed by "${owner}" (tag ${OWNER_TAG} is ${quoteOrAbsent(tags[OWNER_TAG])}, ${SOURCE_TAG} ` +
        `is ${quoteOrAbsent(tags[SOURCE_TAG])}), so nothing was written. Pass --owner ` +
        `if another owner manages it`,
      { where: key },
    );
  return { key, arn, live: service, tags };
}

/** One UpdateService forceNewDeployment: new tasks of the same revision, nothing registered. */
export async function restartService(aws: AwsClients, owned: OwnedResource): Promise<Started | undefined> {
  const output = await executeCall(aws, {
    operation: "ecs:UpdateService",
    input: { ...serviceInput(owned), forceNewDeployment: true },
  });
  return startedOf(output["service"]);
}

/** The `cluster` and `service` members of an UpdateService of this service. */
function serviceInput(owned: OwnedResource): { cluster: string; service: string } {
  const { cluster, name } = serviceKeyParts(owned.key);
  return { cluster, service: name };
}

/** What the UpdateService answer says it started. */
function startedOf(service: unknown): Started | undefined {
  return isJsonObject(service) ? startedDeployment(service) : undefined;
}

/** The revision number of a task definition ARN; NaN without one, so it never sorts as older. */
function revisionNumber(arn: string): number {
  return revisionOfRef(arn) ?? Number.NaN;
}

/**
 * The revision to roll back to: `to` (a number, `family:N` or an ARN) as AWS knows it, else the
 * newest ACTIVE revision of the running family older than the one the service runs.
 */
export async function rollbackTarget(aws: AwsClients, owned: OwnedResource, to: string | undefined): Promise<string> {
  const current = typeof owned.live["taskDefinition"] === "string" ? owned.live["taskDefinition"] : "";
  const family = familyOfArn(current);
  if (to !== undefined) {
    const ref = /^\d+$/.test(to) && family !== undefined ? `${family}:${to}` : to;
    const found = await describeTaskDefinition(aws, ref);
    const td = found?.["taskDefinition"];
    const arn = td !== null && typeof td === "object" && !Array.isArray(td) ? td["taskDefinitionArn"] : undefined;
    if (typeof arn !== "string")
      throw new EcsGitopsError(
        "NotFound",
        `${owned.key}: task definition "${ref}" does not exist (list them with aws ecs list-task-definitions)`,
        {
          where: owned.key,
        },
      );
    return arn;
  }
  if (family === undefined)
    throw new EcsGitopsError("InvalidRequest", `${owned.key}: runs "${current}", not a task definition revision ARN: pass --to`, {
      where: owned.key,
    });
  const older = (await listTaskDefinitionArns(aws, family, "ACTIVE"))
    .filter((arn) => revisionNumber(arn) < revisionNumber(current))
    .sort((a, b) => revisionNumber(b) - revisionNumber(a));
  if (older[0] === undefined)
    throw new EcsGitopsError("NotFound", `${owned.key}: ${family} has no ACTIVE revision older than ${current}: pass --to REVISION`, {
      where: owned.key,
    });
  return older[0];
}

/** Point the service at `revision` (no registration) and pin it there with a tag on the service. */
export async function rollbackService(aws: AwsClients, owned: OwnedResource, revision: string): Promise<Started | undefined> {
  // Pin first: a controller that looks between the two writes must not deploy git back over it.
  await executeCall(aws, {
    operation: "ecs:TagResource",
    input: { resourceArn: owned.arn, tags: [{ key: PINNED_REVISION_TAG, value: revision }] },
  });
  const output = await executeCall(aws, {
    operation: "ecs:UpdateService",
    input: { ...serviceInput(owned), taskDefinition: revision },
  });
  return startedOf(output["service"]);
}

/**
 * Lift a rollback pin. The spec-hash tag is set to a value no manifest has, so the controller
 * deploys git's revision as a pending deploy (not drift) at its next look. Returns the pin lifted.
 */
export async function releaseService(aws: AwsClients, owned: OwnedResource): Promise<string | undefined> {
  const pin = pinnedRevision(owned.tags);
  if (pin === undefined) return undefined;
  await executeCall(aws, {
    operation: "ecs:TagResource",
    input: { resourceArn: owned.arn, tags: [{ key: SPEC_HASH_TAG, value: RELEASED_SPEC_HASH }] },
  });
  await executeCall(aws, { operation: "ecs:UntagResource", input: { resourceArn: owned.arn, tagKeys: [PINNED_REVISION_TAG] } });
  return pin;
}
