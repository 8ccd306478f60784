import type { Manifest } from "../../manifests/types.js";
import { hooksOf } from "../../resources/service/hooks.js";
import type { Action } from "../../resources/types.js";

/**
 * `ecs-gitops apply` runs no hooks (the controller does, across restarts: docs/hooks.md#running),
 * so a deploy of a new revision whose preDeploy hooks would gate it is refused rather than sent
 * before its migration ran. Other actions, and changes that keep the revision, go through.
 */
export function refuseHookedDeploys(actions: readonly Action[], manifests: readonly Manifest[]): Action[] {
  const byKey = new Map(manifests.map((m) => [m.key, m]));
  return actions.map((action) => {
    if (action.type !== "create" && action.type !== "update") return action;
    const deploys = action.calls.some(
      (c) => (c.operation === "ecs:CreateService" || c.operation === "ecs:UpdateService") && "taskDefinition" in c.input,
    );
    const hooks = hooksOf(byKey.get(action.key) ?? {}).filter((h) => h.phase === "preDeploy" && h.blocking);
    if (!deploys || hooks.length === 0) return action;
    return {
      type: "blocked",
      key: action.key,
      kind: action.kind,
      changes: action.changes,
      code: "InvalidRequest",
      reason: `a new revision with preDeploy hooks (${hooks.map((h) => h.name).join(", ")}), which apply does not run`,
      hint:
        "let the controller (ecs-gitops run) deploy it, which runs the hooks " +
        "first; or run them with ecs-gitops run-task and remove them from the " +
        "manifest",
    };
  });
}
