import { isJsonObject } from "../../json.js";
import type { JsonObject, JsonValue } from "../../json.js";
import type { Manifest } from "../../manifests/types.js";
import type { PlannedCall } from "../types.js";
import { parseTaskDefinitionRef } from "../common/validation.js";

/** When a hook task runs: before the service's UpdateService (gates it), or after it was sent. */
export const HOOK_PHASES = ["preDeploy", "postDeploy"] as const;
export type HookPhase = (typeof HOOK_PHASES)[number];

/** The fields one hook entry may carry (docs/hooks.md#declaring-hooks). */
export const HOOK_FIELDS = [
  "name",
  "taskDefinition",
  "container",
  "overrides",
  "networkConfiguration",
  "launchType",
  "capacityProviderStrategy",
  "timeout",
  "blocking",
] as const;

/** A hook that says nothing about its timeout gets this long (a migration on a big table takes a while). */
export const DEFAULT_HOOK_TIMEOUT = "30m";

/**
 * One hook of a Service as the controller runs it. `taskDefinition` is a family the repo defines
 * (undefined: the service's own); runner fields left out are copied from the service.
 */
export type HookDeclaration = {
  phase: HookPhase;
  name: string;
  /** Position in its phase's list: hooks of a phase run one after another in this order. */
  index: number;
  taskDefinition?: string;
  /** The container whose log stream the hook reports (undefined: the first overridden, else the first essential one). */
  container?: string;
  overrides: JsonObject;
  networkConfiguration?: JsonObject;
  launchType?: string;
  capacityProviderStrategy?: JsonValue[];
  timeout: string;
  blocking: boolean;
};

/**
 * The hooks of a Service manifest, in phase then list order. Lenient: entries the validator
 * refuses never reach here (a manifest with errors is not applied), so odd values are skipped.
 */
export function hooksOf(manifest: Pick<Manifest, "hooks">): HookDeclaration[] {
  const section = manifest.hooks;
  if (section === undefined) return [];
  return HOOK_PHASES.flatMap((phase) => {
    const list = section[phase];
    if (!Array.isArray(list)) return [];
    return list.flatMap((entry, index) => {
      if (!isJsonObject(entry) || typeof entry["name"] !== "string") return [];
      return [declarationOf(phase, entry, index)];
    });
  });
}

function declarationOf(phase: HookPhase, entry: JsonObject, index: number): HookDeclaration {
  const hook: HookDeclaration = {
    phase,
    name: String(entry["name"]),
    index,
    overrides: isJsonObject(entry["overrides"]) ? entry["overrides"] : {},
    timeout: typeof entry["timeout"] === "string" ? entry["timeout"] : DEFAULT_HOOK_TIMEOUT,
    // A failed migration must stop the deploy; a smoke test after it only reports.
    blocking: typeof entry["blocking"] === "boolean" ? entry["blocking"] : phase === "preDeploy",
  };
  const family = typeof entry["taskDefinition"] === "string" ? parseTaskDefinitionRef(entry["taskDefinition"]) : undefined;
  if (family !== undefined && family.type !== "invalid") hook.taskDefinition = family.family;
  if (typeof entry["container"] === "string") hook.container = entry["container"];
  if (isJsonObject(entry["networkConfiguration"])) hook.networkConfiguration = entry["networkConfiguration"];
  if (typeof entry["launchType"] === "string") hook.launchType = entry["launchType"];
  if (Array.isArray(entry["capacityProviderStrategy"])) hook.capacityProviderStrategy = entry["capacityProviderStrategy"];
  return hook;
}

/** The family a hook runs: its own, or the service's (a bare family or its ARN/pin). */
export function hookFamily(hook: HookDeclaration, serviceSpec: JsonObject): string | undefined {
  if (hook.taskDefinition !== undefined) return hook.taskDefinition;
  const ref = typeof serviceSpec["taskDefinition"] === "string" ? parseTaskDefinitionRef(serviceSpec["taskDefinition"]) : undefined;
  return ref === undefined || ref.type === "invalid" ? undefined : ref.family;
}

/**
 * What `diff` says about hooks: a planned CreateService / UpdateService that sets a new
 * taskDefinition runs the preDeploy hooks first (the deploy waits for them) and the postDeploy
 * hooks after it. A deploy decided as a drift heal runs none (docs/hooks.md#when-hooks-run).
 */
export function hookNotes(manifest: Pick<Manifest, "hooks">, calls: readonly PlannedCall[]): string[] {
  const deploys = calls.some(
    (c) => (c.operation === "ecs:CreateService" || c.operation === "ecs:UpdateService") && "taskDefinition" in c.input,
  );
  if (!deploys) return [];
  const hooks = hooksOf(manifest);
  return HOOK_PHASES.flatMap((phase) => {
    const names = hooks.filter((h) => h.phase === phase).map((h) => `${h.name}${h.blocking ? "" : " (non-blocking)"}`);
    if (names.length === 0) return [];
    const when = phase === "preDeploy" ? "before the deploy, which waits for them" : "after the deploy is sent";
    return [`${phase} hooks run ${when}: ${names.join(", ")}`];
  });
}
