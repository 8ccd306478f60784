import { registerThrottleCategories } from "../aws/rate-limit.js";
import type { Manifest } from "../manifests/types.js";
import type { Kind } from "../manifests/kinds.js";
import type { KindPlugin } from "./kind-plugin.js";
import { registerKindWrites } from "./kind-writes.js";
import { scalableTargetPlugin } from "./scalable-target/plugin.js";
import { schedulePlugin } from "./schedule/plugin.js";
import { scheduledRulePlugin } from "./scheduled-rule/plugin.js";
import { servicePlugin } from "./service/plugin.js";
import { taskDefinitionPlugin } from "./task-definition/plugin.js";

export type KindRegistry<K extends string> = { readonly [P in K]: KindPlugin<P> };

/**
 * Every kind the engine manages. A name in kinds.ts without a line here fails to compile, and
 * so does a plug-in missing a capability.
 */
export const KIND_PLUGINS = {
  TaskDefinition: taskDefinitionPlugin,
  Service: servicePlugin,
  ScheduledRule: scheduledRulePlugin,
  Schedule: schedulePlugin,
  ScalableTarget: scalableTargetPlugin,
} as const satisfies KindRegistry<Kind>;

// Importing it from here, not kind-writes.ts, guarantees the kinds' writes are registered.
export { declaredWrite } from "./kind-writes.js";

/** Every operation a plan may call: the writes the kinds declare, derived from the registry. */
export type WriteOperation = { [K in Kind]: keyof (typeof KIND_PLUGINS)[K]["writes"] & string }[Kind];

// The rate limiter paces each call in the bucket its kind declares, and writes are retried as
// declared; src/aws cannot import the plug-ins (they import it), so the registry hands it their
// calls as it loads.
for (const plugin of Object.values(KIND_PLUGINS)) {
  registerThrottleCategories(plugin.kind, plugin.calls);
  registerKindWrites(plugin.kind, plugin.writes);
}

/** The kinds of a registry, in plan order (kinds others refer to first). */
export function kindsOf<K extends string>(registry: KindRegistry<K>): K[] {
  return (Object.keys(registry) as K[]).sort((a, b) => registry[a].planOrder - registry[b].planOrder);
}

/** Every plug-in, in plan order. */
export function allPlugins(): KindPlugin<Kind>[] {
  return kindsOf(KIND_PLUGINS).map(pluginOf);
}

export function pluginOf(kind: Kind): KindPlugin<Kind> {
  return KIND_PLUGINS[kind];
}

export function pluginFor(manifest: Pick<Manifest, "kind">): KindPlugin<Kind> {
  return KIND_PLUGINS[manifest.kind];
}
