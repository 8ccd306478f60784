import { familyOfArn } from "../../aws/arn.js";
import { tagListToMap } from "../common/tags.js";
import { kindWrite, stringAt, stringsAt } from "../kind-writes.js";
import type { KindWrites, SentWrite, WriteCache, WriteStaleness } from "../kind-writes.js";
import { readLiveTaskDefinition } from "./normalize.js";

/** A tag write applied to the cached revision it names, if that revision is cached. */
function retagRevision(cache: WriteCache, call: SentWrite): void {
  const arn = stringAt(call.input, "resourceArn");
  const cached = arn === undefined ? undefined : cache.revisions.get(arn);
  if (cached === undefined) return;
  const tags = { ...cached.tags, ...tagListToMap(call.input["tags"]) };
  for (const key of stringsAt(call.input, "tagKeys")) delete tags[key];
  cache.revisions.set(cached.arn, { ...cached, tags });
}

/** Only revisions' tags are cached (by ARN); a tag write that failed may have landed, so those tags are read again. */
const RETAGS_REVISION = {
  written: retagRevision,
  failed: (cache, call) => {
    const arn = stringAt(call.input, "resourceArn");
    if (arn !== undefined) cache.revisions.delete(arn);
  },
} as const satisfies WriteStaleness;

/** ECS tag writes: of a revision (apply) and of a service (apply, suspend); both kinds share this declaration. */
export const ECS_TAG_WRITES = {
  "ecs:TagResource": kindWrite("ecs:tag-modify", "resend", RETAGS_REVISION),
  "ecs:UntagResource": kindWrite("ecs:tag-modify", "resend", RETAGS_REVISION),
} as const satisfies KindWrites;

/** A task definition's writes: a registration is known without a describe; a lost one is looked for before registering again. */
export const TASK_DEFINITION_WRITES = {
  "ecs:RegisterTaskDefinition": kindWrite("ecs:task-definition-modify", "check-landed", {
    written: (cache, call, output) => {
      const tags = Array.isArray(output["tags"]) && output["tags"].length > 0 ? output["tags"] : (call.input["tags"] ?? []);
      const live = readLiveTaskDefinition({ taskDefinition: output["taskDefinition"] ?? null, tags });
      if (!live?.arn || live.revision === undefined) return;
      cache.remember({ arn: live.arn, revision: live.revision, taskDefinition: live.taskDefinition, tags: live.tags });
      const family = familyOfArn(live.arn);
      if (family) cache.latest.set(family, { arn: live.arn, expiresAt: cache.expiry() });
    },
    // It may still have landed (its answer lost): the family's latest revision is read afresh
    // before the next plan, so it is reused rather than registered a second time.
    failed: (cache, call) => {
      const family = stringAt(call.input, "family");
      if (family !== undefined) cache.latest.delete(family);
    },
  }),
  "ecs:DeregisterTaskDefinition": kindWrite("ecs:task-definition-modify", "resend", {
    written: (cache, call) => {
      const arn = stringAt(call.input, "taskDefinition");
      if (arn === undefined) return;
      cache.revisions.delete(arn);
      const family = familyOfArn(arn);
      if (family && cache.latest.get(family)?.arn === arn) cache.latest.delete(family);
    },
  }),
  ...ECS_TAG_WRITES,
} as const satisfies KindWrites;
