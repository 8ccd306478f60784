import { codeDeployStatus } from "../aws/on-first-use.js";
import type { AwsClients } from "../aws/index.js";
import type { ResourceKey } from "../manifests/types.js";
import type { HealthVerdict } from "../resources/types.js";
import type { AppliedWrite } from "./applier.js";

/** A CodeDeploy deployment's state as the resource's health; terminal ones end the following. */
export type CodeDeployOutcome = { key: ResourceKey; deploymentId: string; status: string; health: HealthVerdict; terminal: boolean };

const SUCCEEDED = new Set(["Succeeded"]);
const FAILED = new Set(["Failed", "Stopped"]);

export function codeDeployHealth(deploymentId: string, status: string, message: string | undefined): HealthVerdict {
  if (SUCCEEDED.has(status)) return { health: "Healthy", message: `CodeDeploy deployment ${deploymentId} succeeded` };
  if (FAILED.has(status))
    return { health: "Degraded", message: `CodeDeploy deployment ${deploymentId} ${status.toLowerCase()}${message ? `: ${message}` : ""}` };
  return { health: "Progressing", message: `CodeDeploy deployment ${deploymentId} ${status}` };
}

/**
 * Follows the CodeDeploy deployments our writes started: one GetDeployment per followed resource
 * per reconcile until the deployment ends. Its status is the resource's health meanwhile (the ECS
 * service shows the old revision until traffic shifts), and each change of status is announced to
 * the listeners (deploy outcome alerts and history hook in here).
 */
export class CodeDeployFollower {
  readonly #aws: AwsClients;
  readonly #following = new Map<ResourceKey, { deploymentId: string; last?: CodeDeployOutcome }>();
  readonly #listeners: ((outcome: CodeDeployOutcome) => void)[] = [];

  constructor(aws: AwsClients) {
    this.#aws = aws;
  }

  onOutcome(listener: (outcome: CodeDeployOutcome) => void): void {
    this.#listeners.push(listener);
  }

  noteWrites(writes: readonly AppliedWrite[]): void {
    for (const write of writes) {
      if (write.call.operation !== "codedeploy:CreateDeployment" || !("output" in write)) continue;
      const id = write.output["deploymentId"];
      if (typeof id === "string" && this.#following.get(write.key)?.deploymentId !== id)
        this.#following.set(write.key, { deploymentId: id });
    }
  }

  /** The health of each followed key among `keys`; a failed read leaves the key to the ordinary health. */
  async health(keys: readonly ResourceKey[]): Promise<Map<ResourceKey, HealthVerdict>> {
    const out = new Map<ResourceKey, HealthVerdict>();
    for (const key of keys) {
      const followed = this.#following.get(key);
      if (followed === undefined) continue;
      if (followed.last?.terminal) {
        out.set(key, followed.last.health);
        continue;
      }
      try {
        const { status, message } = await codeDeployStatus(this.#aws, followed.deploymentId);
        const outcome = {
          key,
          deploymentId: followed.deploymentId,
          status,
          health: codeDeployHealth(followed.deploymentId, status, message),
        };
        const full = { ...outcome, terminal: SUCCEEDED.has(status) || FAILED.has(status) };
        if (followed.last?.status !== status) for (const listener of this.#listeners) listener(full);
        followed.last = full;
        out.set(key, full.health);
      } catch {
        continue;
      }
    }
    return out;
  }

  /** A deployment we started for `key` has not ended (as last read). */
  isActive(key: ResourceKey): boolean {
    const followed = this.#following.get(key);
    return followed !== undefined && followed.last?.terminal !== true;
  }

  forget(key: ResourceKey): void {
    this.#following.delete(key);
  }
}
