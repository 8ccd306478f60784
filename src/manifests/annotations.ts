/** Take over an existing resource that carries no (or another) owner tag. */
export const ADOPT_ANNOTATION = "ecs-gitops/adopt";
/** Paths (comma or newline separated) whose differences are never applied nor reported. */
export const IGNORE_ANNOTATION = "ecs-gitops/ignore-differences";
/** Overrides the controller's self-heal setting for one resource ("true" / "false"). */
export const SELF_HEAL_ANNOTATION = "ecs-gitops/self-heal";

/** Changing it restarts the service once (resources/service/deploy-controls.ts). */
export const RESTARTED_AT_ANNOTATION = "ecs-gitops/restartedAt";

/** "false": observe only, the controller never writes the resource (docs/pause.md). */
export const SYNC_ANNOTATION = "ecs-gitops/sync";

/** The CodeDeploy application and deployment group of a CODE_DEPLOY service; unset: the group whose ecsServices lists it. */
export const CODEDEPLOY_APPLICATION_ANNOTATION = "ecs-gitops/codedeploy-application";
export const CODEDEPLOY_GROUP_ANNOTATION = "ecs-gitops/codedeploy-deployment-group";

/**
 * What prune may do to the resource once its manifest leaves git: "false" keeps it, "force" lets a
 * service's delete use `force` when the scaled-down delete fails. Carried in a tag (`PRUNE_TAG`, src/resources/types.ts),
 * since the manifest is gone when it matters.
 */
export const PRUNE_ANNOTATION = "ecs-gitops/prune";
export const PRUNE_ANNOTATION_VALUES: readonly string[] = ["true", "false", "force"];

/** Annotations the controller understands; a typo in one must not silently change behaviour. */
export const ANNOTATIONS = [
  IGNORE_ANNOTATION,
  ADOPT_ANNOTATION,
  SELF_HEAL_ANNOTATION,
  RESTARTED_AT_ANNOTATION,
  SYNC_ANNOTATION,
  CODEDEPLOY_APPLICATION_ANNOTATION,
  CODEDEPLOY_GROUP_ANNOTATION,
  PRUNE_ANNOTATION,
] as const;
/** Annotations of features not built yet: refused, so that nobody relies on them doing something. None today. */
export const UNSUPPORTED_ANNOTATIONS: readonly string[] = [];

/** The `ecs-gitops/self-heal` annotation overrides the controller-wide setting for one resource. */
export function selfHealOf(manifest: { annotations: Readonly<Record<string, string>> }, fallback: boolean): boolean {
  const annotation = manifest.annotations[SELF_HEAL_ANNOTATION];
  return annotation === undefined ? fallback : annotation === "true";
}

/** `ecs-gitops/sync: "false"`: the resource is observed (drift reported) and never written. */
export function syncDisabled(manifest: { annotations: Readonly<Record<string, string>> }): boolean {
  return manifest.annotations[SYNC_ANNOTATION] === "false";
}
