import type { Logger } from "pino";
import type { AlertDispatcher } from "../alerts/dispatcher.js";
import type { AwsClients } from "../aws/index.js";
import { HookRunStore } from "../state/hook-runs.js";
import { DeployHooks, HookRunner } from "./deploy-hooks.js";
import type { Reconciler } from "./reconciler.js";

/** The controller's deploy hooks, with the runs a previous process left in `file` restored. */
export async function startDeployHooks(
  aws: AwsClients,
  file: string,
  log: Logger,
  alerts: () => AlertDispatcher | undefined,
  reconciler: () => Reconciler | undefined,
  now: () => Date,
): Promise<DeployHooks> {
  const store = new HookRunStore({ path: file, log });
  await store.restore();
  const onFailed = DeployHooks.alertOnFailure(alerts, (key) => reconciler()?.desired?.manifests.get(key), now);
  return new DeployHooks(new HookRunner({ aws, store, log, onFailed, now }));
}
