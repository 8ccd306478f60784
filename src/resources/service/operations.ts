import { EcsGitopsError } from "../../errors.js";
import { parseResourceKey } from "../../manifests/identity.js";
import type { KindOperations } from "../kind-operations.js";

/** `Service/<cluster>/<name>` → its parts; an InvalidRequest naming the expected form otherwise. */
export function serviceKeyParts(key: string): { cluster: string; name: string } {
  const bad = new EcsGitopsError("InvalidRequest", `"${key}" is not a service key: write Service/<cluster>/<name>`, { where: key });
  let parsed;
  try {
    parsed = parseResourceKey(key);
  } catch {
    throw bad;
  }
  if (parsed.kind !== "Service" || parsed.scope === undefined || parsed.scope.includes("/")) throw bad;
  return { cluster: parsed.scope, name: parsed.name };
}

// Imported on first use: the commit-load worker loads the plug-ins and must not load the AWS SDK.
const writes = () => import("./operations-write.js");

/** A service restarts (forceNewDeployment) and rolls back to an earlier revision pinned by a tag. */
export const serviceOperations: KindOperations = {
  readOwned: async (aws, key, owner) => (await writes()).readOwnedService(aws, key, owner),
  restart: async (aws, owned) => (await writes()).restartService(aws, owned),
  rollback: {
    target: async (aws, owned, to) => (await writes()).rollbackTarget(aws, owned, to),
    run: async (aws, owned, revision) => (await writes()).rollbackService(aws, owned, revision),
    release: async (aws, owned) => (await writes()).releaseService(aws, owned),
  },
};
