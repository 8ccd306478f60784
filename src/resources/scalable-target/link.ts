import type { Manifest } from "../../manifests/types.js";
import { scaledServiceKey } from "./plan.js";

/** What Application Auto Scaling owns on a scaled service: its desired count moves with load. */
export const SCALED_PATHS: readonly string[] = ["desiredCount"];

/**
 * Each Service that a ScalableTarget of the same set scales ignores its live desiredCount: the
 * autoscaler moving it is not drift, and UpdateService never sends it back (CreateService still
 * sends git's value, the starting count). Done once where the desired set is built, so the CLI,
 * the controller and scoped plans all see it without an annotation. Pure.
 */
export function withScaledServices(manifests: readonly Manifest[]): Manifest[] {
  const scaled = new Set(manifests.flatMap((m) => (m.kind === "ScalableTarget" ? [scaledServiceKey(m.spec) ?? ""] : [])));
  return manifests.map((m) =>
    m.kind === "Service" && scaled.has(m.key) ? { ...m, derivedIgnores: [...(m.derivedIgnores ?? []), ...SCALED_PATHS] } : m,
  );
}
