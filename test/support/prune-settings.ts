import type { ReconcilerSettings } from "../../src/controller/reconciler-settings.js";
import { MOTO_REGION } from "../e2e/moto.js";

/** Reconciler settings for a prune pass run on its own against moto: sync, automated, prune on, no self-heal. */
export function pruneSettings(patch: Partial<ReconcilerSettings> = {}): ReconcilerSettings {
  return {
    owner: "ecs-gitops",
    region: MOTO_REGION,
    defaultCluster: undefined,
    ignoreRules: [],
    mode: "sync",
    automated: true,
    selfHeal: false,
    resyncMs: 3_600_000,
    progressPollMs: 1_000,
    prune: true,
    ...patch,
  };
}
