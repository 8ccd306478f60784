/**
 * Every annotation the controller understands, by what it does: the one list of their names (a
 * typo in one must not silently change behaviour, so the loader refuses any other `ecs-gitops/` key).
 */
export const ANNOTATION = {
  /** Take over an existing resource that carries no (or another) owner tag. */
  adopt: "ecs-gitops/adopt",
  /** Paths (comma or newline separated) whose differences are never applied nor reported. */
  ignoreDifferences: "ecs-gitops/ignore-differences",
  /** Overrides the controller's self-heal setting for one resource ("true" / "false"). */
  selfHeal: "ecs-gitops/self-heal",
  /** Changing it in git restarts the service once, as `kubectl rollout restart` (resources/service/deploy-controls.ts). */
  restartedAt: "ecs-gitops/restartedAt",
  /** "false": observe only, the controller never writes the resource (docs/pause.md). */
  sync: "ecs-gitops/sync",
  /** The CodeDeploy application and deployment group of a CODE_DEPLOY service; unset: the group whose ecsServices lists it. */
  codedeployApplication: "ecs-gitops/codedeploy-application",
  codedeployGroup: "ecs-gitops/codedeploy-deployment-group",
  /**
   * What prune may do to the resource once its manifest leaves git: "false" keeps it, "force" lets a
   * service's delete use `force` when the scaled-down delete fails. Carried in a tag (`PRUNE_TAG`, src/resources/types.ts),
   * since the manifest is gone when it matters.
   */
  prune: "ecs-gitops/prune",
} as const;

export type Annotation = (typeof ANNOTATION)[keyof typeof ANNOTATION];
export const ANNOTATIONS: readonly Annotation[] = Object.values(ANNOTATION);
export const PRUNE_ANNOTATION_VALUES: readonly string[] = ["true", "false", "force"];

/** Annotations of features not built yet: refused, so that nobody relies on them doing something. None today. */
export const UNSUPPORTED_ANNOTATIONS: readonly string[] = [];

/** The `ecs-gitops/self-heal` annotation overrides the controller-wide setting for one resource. */
export function selfHealOf(manifest: { annotations: Readonly<Record<string, string>> }, fallback: boolean): boolean {
  const annotation = manifest.annotations[ANNOTATION.selfHeal];
  return annotation === undefined ? fallback : annotation === "true";
}

/** `ecs-gitops/sync: "false"`: the resource is observed (drift reported) and never written. */
export function syncDisabled(manifest: { annotations: Readonly<Record<string, string>> }): boolean {
  return manifest.annotations[ANNOTATION.sync] === "false";
}
