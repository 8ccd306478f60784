import type { KindPrune } from "../kind-prune.js";
import { effectiveCluster } from "../../manifests/identity.js";
import { orphanDeletes, prunes, RUNNER_PRUNE } from "../kind-prune.js";

/** What a service's delete steps need. */
export type ServicePruneDetail = { cluster: string; name: string };

/**
 * A service is pruned by scaling it to 0 and deleting it (docs/prune.md), in the first stage:
 * the revisions it ran are deregistered only after it is gone.
 */
export const servicePrune: KindPrune = prunes<ServicePruneDetail>({
  scope: (manifest, defaultCluster) => [effectiveCluster(manifest.spec, defaultCluster)],
  defaultScope: (defaultCluster) => (defaultCluster === undefined ? [] : [defaultCluster]),
  formerScopeField: "clusters",
  ...RUNNER_PRUNE,
  // Imported on first use: the commit-load worker loads the plug-ins and must not load the AWS SDK.
  inventory: async (scope, io) => (await import("./prune-io.js")).readClusterServices(scope, io),
  plan: (live, io) =>
    orphanDeletes(live, io, ({ detail: { cluster, name } }) => ({
      calls: [
        { operation: "ecs:UpdateService", input: { cluster, service: name, desiredCount: 0 } },
        { operation: "ecs:DeleteService", input: { cluster, service: name } },
      ],
    })),
  remove: async (action, io) => (await import("./prune-io.js")).removeService(action, io),
});
