import { callsOf, NO_ROLLOUT } from "../kind-plugin.js";
import type { KindPlugin } from "../kind-plugin.js";
import { specHash } from "./hash.js";
import { planTaskDefinition } from "./plan.js";
import { normalizeTaskDefinition } from "./normalize.js";
import { validateTaskDefinition } from "./validate.js";
import { taskDefinitionPrune } from "./prune.js";
import { TASK_DEFINITION_WRITES } from "./writes.js";
import { readsAgain } from "./read-asks.js";

/** A family of revisions: each apply registers a new revision, never updates one. */
export const taskDefinitionPlugin = {
  kind: "TaskDefinition",
  planOrder: 0,
  validate: (manifest) => validateTaskDefinition(manifest),
  references: () => [],
  referencePaths: () => [],
  serviceReferencePaths: () => [],
  followsLatestActive: false,
  definesFamily: (manifest) => manifest.name,
  clusters: () => [],
  arn: (manifest, live) => live.revisions.get(manifest.name)?.[0]?.arn,
  tags: (manifest, live) => live.revisions.get(manifest.name)?.[0]?.tags,
  // Of the normalized spec: a revision carries no labels, and AWS fills in what git leaves out.
  specHash: (manifest) => specHash(normalizeTaskDefinition(manifest.spec)),
  health: (manifest, live) =>
    (live.revisions.get(manifest.name)?.length ?? 0) > 0
      ? { health: "Healthy", message: "" }
      : { health: "Missing", message: "no ACTIVE revision" },
  ...NO_ROLLOUT,
  // What the other kinds run (io.othersRun) and the family's latest; again before registering.
  readLive: async (manifests, io) => (await import("./read-live.js")).readTaskDefinitions(manifests, io),
  revisionsInUse: () => [],
  plan: (manifest, live, ctx) => {
    const candidates = live.revisions.get(manifest.name) ?? [];
    const plan = planTaskDefinition(manifest, candidates, ctx);
    return { action: plan.action, resolved: plan.resolved, readAgain: readsAgain(manifest.name, candidates, plan, live) };
  },
  residueChanges: () => undefined,
  prune: taskDefinitionPrune,
  runtime: () => undefined,
  // Imported on first use: the commit-load worker loads the plug-ins and must not load the AWS SDK.
  export: { read: async (io) => (await import("./export-read.js")).taskDefinitionExport.read(io) },
  calls: callsOf("ecs", {
    "ecs:task-definition-read": ["DescribeTaskDefinition", "ListTaskDefinitions"],
  }),
  writes: TASK_DEFINITION_WRITES,
  operations: undefined,
} as const satisfies KindPlugin<"TaskDefinition">;
