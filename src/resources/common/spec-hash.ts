import { createHash } from "node:crypto";
import { canonicalJson } from "../../json.js";
import type { Manifest } from "../../manifests/types.js";
import { ANNOTATION } from "../../manifests/annotations.js";
import { onePerObject } from "./memo.js";

/**
 * Hash of what git says about a Service or ScheduledRule (spec and labels), stored on the
 * resource as the `ecs-gitops:spec-hash` tag when git changes it. After a restart it tells a
 * pending deploy (hash differs: git moved) from drift (hash equal: someone changed AWS) with no
 * local state. Resolved task definition ARNs are not part of it, so a new image in a task
 * definition does not retag its services. Pure.
 */
export const manifestSpecHash = onePerObject(hashManifestSpec);

function hashManifestSpec(manifest: Pick<Manifest, "spec" | "labels"> & { annotations?: Manifest["annotations"] }): string {
  // A restart asked for in git is a git change (a deploy), not drift; absent, hashes stay as they were.
  const restartedAt = manifest.annotations?.[ANNOTATION.restartedAt];
  return createHash("sha256")
    .update(canonicalJson({ spec: manifest.spec, labels: manifest.labels, ...(restartedAt === undefined ? {} : { restartedAt }) }))
    .digest("hex")
    .slice(0, 32);
}
