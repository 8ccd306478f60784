import { isJsonObject } from "../../json.js";
import type { JsonObject } from "../../json.js";
import { API_VERSION } from "../../manifests/types.js";
import { compact } from "../common/normalize-util.js";
import { ADOPT_ANNOTATIONS, asObject } from "../common/schema-util.js";
import type { ExportedManifest } from "../common/schema-util.js";
import { liveSpecOf } from "./normalize.js";
import type { LiveScalableTarget } from "./normalize.js";

/**
 * A registered scalable target and its policies → a ScalableTarget manifest named after the
 * service: the service-linked role and all-false suspension left out (ST-1, ST-2), each policy
 * as PutScalingPolicy's input without the target fields. Pure.
 */
export function exportScalableTarget(live: LiveScalableTarget, name: string): ExportedManifest | undefined {
  const spec = liveSpecOf(live);
  if (spec === undefined) return undefined;
  if (typeof spec["roleARN"] === "string" && spec["roleARN"].includes(":role/aws-service-role/")) delete spec["roleARN"];
  const suspended = spec["suspendedState"];
  if (isJsonObject(suspended) && Object.values(suspended).every((v) => v === false)) delete spec["suspendedState"];
  for (const policy of Array.isArray(spec["policies"]) ? spec["policies"] : []) {
    const tracking = isJsonObject(policy) ? policy["targetTrackingScalingPolicyConfiguration"] : undefined;
    if (isJsonObject(tracking) && tracking["disableScaleIn"] === false) delete tracking["disableScaleIn"];
  }
  const document: JsonObject = {
    apiVersion: API_VERSION,
    kind: "ScalableTarget",
    metadata: { name, annotations: { ...ADOPT_ANNOTATIONS } },
    spec: asObject(compact(spec)),
  };
  return { document, reviews: [] };
}
