import { diffValues, parseIgnorePath, withoutIgnored } from "../../diff/structural.js";
import { isJsonObject } from "../../json.js";
import type { JsonObject } from "../../json.js";
import type { Manifest } from "../../manifests/types.js";
import { ignoredNotes } from "../common/plan-diff.js";
import { ignoreRulesOf, notOwned, writtenChanges } from "../common/plan-util.js";
import { desiredTags, isNotOurs, ownership, tagsForWrite } from "../common/tags.js";
import { objectToWire, specNode } from "../common/wire-names.js";
import type { Action, PlanContext, PlannedCall } from "../types.js";
import { canonicalScalableTarget, ecsServiceOf, liveSpecOf } from "./normalize.js";
import type { LiveScalableTarget } from "./normalize.js";

/** `Service/<cluster>/<name>` of the ECS service a scalable target scales, if it scales one. */
export function scaledServiceKey(spec: JsonObject): string | undefined {
  const service = ecsServiceOf(spec["resourceId"]);
  return service === undefined ? undefined : `Service/${service.cluster}/${service.service}`;
}

/**
 * Plan one scalable target and its policies: RegisterScalableTarget when it is missing or its
 * capacity, role or suspension differ; PutScalingPolicy per added or changed policy,
 * DeleteScalingPolicy per live policy git does not list. A scalable target is part of the service
 * it scales: it is written only when that service is ours (docs/kinds.md#scalabletarget-ownership),
 * and created after the service. Pure.
 */
export function planScalableTarget(manifest: Manifest, live: LiveScalableTarget | undefined, ctx: PlanContext): Action {
  const base = { key: manifest.key, kind: manifest.kind };
  const serviceKey = scaledServiceKey(manifest.spec);
  const after = serviceKey === undefined ? {} : { after: [serviceKey] };
  const serviceTags = live?.serviceTags;
  if (serviceTags !== undefined && isNotOurs(ownership(serviceTags, manifest, ctx)))
    return notOwned(manifest, ctx, serviceTags, [], `the service this scalable target scales (${String(manifest.spec["resourceId"])})`);
  const roleInGit = typeof manifest.spec["roleARN"] === "string";
  const want = canonicalScalableTarget(manifest.spec, roleInGit);
  const liveSpec = live === undefined ? undefined : liveSpecOf(live);

  if (liveSpec === undefined) {
    const tags = tagsForWrite(desiredTags(manifest, ctx), ctx);
    const calls: PlannedCall[] = [
      { operation: "application-autoscaling:RegisterScalableTarget", input: { ...registerInput(manifest.spec), Tags: tags } },
    ];
    for (const name of Object.keys(policiesOf(want)).sort()) calls.push(putPolicy(manifest.spec, name));
    return { type: "create", ...base, changes: writtenChanges(manifest.spec, ctx), calls, ...after };
  }

  const ignored = ignoreRulesOf(manifest, ctx);
  const have = canonicalScalableTarget(liveSpec, roleInGit);
  const all = diffValues(want, have, [], ctx.isSecret);
  const changes = withoutIgnored(all, ignored);
  const calls: PlannedCall[] = [];
  if (changes.some((c) => parseIgnorePath(c.path)[0] !== "policies"))
    calls.push({ operation: "application-autoscaling:RegisterScalableTarget", input: registerInput(manifest.spec) });
  const touched = new Set(changes.flatMap((c) => (parseIgnorePath(c.path)[0] === "policies" ? [parseIgnorePath(c.path)[1] ?? ""] : [])));
  for (const name of [...touched].sort()) {
    if (name === "") continue;
    if (Object.hasOwn(policiesOf(want), name)) calls.push(putPolicy(manifest.spec, name));
    else
      calls.push({ operation: "application-autoscaling:DeleteScalingPolicy", input: { PolicyName: name, ...targetFields(manifest.spec) } });
  }
  const ignoredNote = ignoredNotes({ all, spec: changes });
  const notes = ignoredNote.length > 0 ? { notes: ignoredNote } : {};
  return { type: calls.length > 0 ? "update" : "noop", ...base, changes, calls, ...notes, ...after };
}

function policiesOf(canonical: JsonObject): JsonObject {
  const policies = canonical["policies"];
  return isJsonObject(policies) ? policies : {};
}

function targetFields(spec: JsonObject): JsonObject {
  return {
    ServiceNamespace: spec["serviceNamespace"] ?? "",
    ResourceId: spec["resourceId"] ?? "",
    ScalableDimension: spec["scalableDimension"] ?? "",
  };
}

function registerInput(spec: JsonObject): JsonObject {
  const { policies: _policies, ...target } = spec;
  return objectToWire(specNode("ScalableTarget"), target);
}

function putPolicy(spec: JsonObject, name: string): PlannedCall {
  const policy = (Array.isArray(spec["policies"]) ? spec["policies"] : []).find((p) => isJsonObject(p) && p["policyName"] === name);
  const body = isJsonObject(policy) ? objectToWire(specNode("ScalableTarget", ["policies", "*"]), policy) : { PolicyName: name };
  // xref: ST-3 — the AWS default, sent so that emulators without it agree.
  body["PolicyType"] ??= "StepScaling";
  return { operation: "application-autoscaling:PutScalingPolicy", input: { ...body, ...targetFields(spec) } };
}
