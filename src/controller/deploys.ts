import type { Logger } from "pino";
import type { AlertEvent } from "../alerts/types.js";
import type { AppliedWrite } from "../engine/applier.js";
import type { CodeDeployOutcome } from "../engine/codedeploy-follow.js";
import { rolloutTargets, settle } from "../engine/rollout.js";
import type { RolloutOutcome } from "../engine/rollout.js";
import { isJsonObject } from "../json.js";
import type { JsonObject } from "../json.js";
import { parseResourceKey } from "../manifests/identity.js";
import type { Manifest, ResourceKey } from "../manifests/types.js";
import type { LiveSnapshot } from "../resources/live-snapshot.js";
import { tagListToMap } from "../resources/common/tags.js";
import { pinnedRevision } from "../resources/service/deploy-controls.js";
import type { DeployHistory, DeployOutcome, DeployRecord, DeployTrigger } from "../state/history.js";
import { recoverHistory } from "../state/recover-history.js";
import { withPin } from "../state/record-projection.js";
import type { ResourceRecords } from "../state/records.js";
import { parseTimeMs } from "../time.js";

export type DeployTrackerOptions = {
  history: DeployHistory;
  /** Where the history and a pin are recorded for the resource's status. */
  records: Pick<ResourceRecords, "get" | "update">;
  alerts: { emitAll(events: readonly AlertEvent[]): void };
  log: Logger;
  /** A rollout not settled after this long is recorded as timedOut. Default 10 min. */
  timeoutMs?: number;
  /** How often `rollback.active` repeats while a pin holds. Default a day. */
  rollbackAlertEveryMs?: number;
};

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
/** History records of CodeDeploy deployments carry their id with this prefix (ECS deployment ids never have it). */
const CODEDEPLOY_PREFIX = "codedeploy:";
const DAY_MS = 24 * 60 * 60_000;

const ALERT_OF: Record<Exclude<DeployOutcome, "inProgress">, AlertEvent["type"]> = {
  succeeded: "deploy.succeeded",
  failed: "deploy.failed",
  timedOut: "deploy.failed",
  rolledBack: "deploy.rolledBack",
};

/**
 * The controller's side of docs/deploys.md: follows the deployments its writes started within its
 * own reconciles (the batched reads it makes anyway, never a call of its own), records each in the
 * history, alerts when one settles, and shows and re-alerts a rollback pin.
 */
export class DeployTracker {
  readonly #o: DeployTrackerOptions;

  constructor(options: DeployTrackerOptions) {
    this.#o = options;
  }

  /** With the services just read (before any write of this reconcile): settle open deploys, notice a rollback. */
  observe(manifest: Manifest, snapshot: LiveSnapshot, now: Date): void {
    if (manifest.kind !== "Service") return;
    const key = manifest.key;
    const service = snapshot.services.get(key);
    // The history file was lost (or this service is new to it): start from what AWS still knows.
    const tagsOf = (arn: string) => [...snapshot.revisions.values()].flat().find((r) => r.arn === arn)?.tags;
    if (this.#o.history.isEmpty(key) && this.#o.history.seed(key, recoverHistory(service, tagsOf)))
      this.#o.log.info({ key }, "deploy history recovered from AWS");
    const open = this.#o.history.open(key);
    // A CodeDeploy deployment is settled by its own status (settleCodeDeploy), not by the service's.
    if (open !== undefined && !open.deploymentId?.startsWith(CODEDEPLOY_PREFIX)) {
      const startedAtMs = parseTimeMs(open.record.startedAt) ?? Number.NaN;
      const target = {
        key,
        cluster: "",
        service: manifest.name,
        deploymentId: open.deploymentId,
        revision: open.record.revision,
        startedAtMs,
      };
      const result = settle(target, service, now.getTime());
      if (result !== undefined) this.#close(manifest, result.outcome, now, result.reason);
      else if (now.getTime() - startedAtMs >= (this.#o.timeoutMs ?? DEFAULT_TIMEOUT_MS))
        this.#close(manifest, "timedOut", now, `not settled after ${Math.round((now.getTime() - startedAtMs) / 1000)} s`);
    }
    // A rollback (CLI) is seen here first: its pin names a revision the history has not deployed.
    const pin = pinnedRevision(tagListToMap(service?.["tags"]));
    if (pin !== undefined && this.#o.history.list(key)[0]?.revision !== pin) {
      this.#o.history.start(
        key,
        { revision: pin, startedAt: now.toISOString(), outcome: "inProgress", trigger: "rollback" },
        primaryId(service),
      );
    }
  }

  /** After apply: the deploys our CreateService / UpdateService writes started. */
  started(writes: readonly AppliedWrite[], context: (key: ResourceKey) => { commit: string; heal: boolean }, now: Date): void {
    for (const target of rolloutTargets(writes, now.getTime())) {
      const { commit, heal } = context(target.key);
      const restart = writes.some((w) => w.key === target.key && w.call.input["forceNewDeployment"] === true);
      const trigger: DeployTrigger = heal ? "heal" : restart ? "restart" : "commit";
      const record: DeployRecord = {
        commit,
        revision: target.revision ?? "(unknown)",
        startedAt: now.toISOString(),
        outcome: "inProgress",
        trigger,
      };
      this.#o.history.start(target.key, record, target.deploymentId);
      this.#o.log.info({ key: target.key, commit, revision: record.revision, trigger }, "deploy started");
    }
    for (const write of writes) {
      if (write.call.operation !== "codedeploy:CreateDeployment" || !("output" in write)) continue;
      const id = write.output["deploymentId"];
      if (typeof id !== "string") continue;
      const { commit, heal } = context(write.key);
      const revision = appSpecRevision(write.call.input) ?? "(unknown)";
      const record: DeployRecord = {
        commit,
        revision,
        startedAt: now.toISOString(),
        outcome: "inProgress",
        trigger: heal ? "heal" : "commit",
      };
      this.#o.history.start(write.key, record, `${CODEDEPLOY_PREFIX}${id}`);
      this.#o.log.info({ key: write.key, commit, revision, deploymentId: id }, "deploy started through CodeDeploy");
    }
  }

  /** A CodeDeploy deployment we started reached a final status (engine/codedeploy-follow.ts): close its record, alert once. */
  settleCodeDeploy(outcome: CodeDeployOutcome, now: Date): void {
    if (!outcome.terminal) return;
    if (this.#o.history.open(outcome.key)?.deploymentId !== `${CODEDEPLOY_PREFIX}${outcome.deploymentId}`) return;
    const { name } = parseResourceKey(outcome.key);
    const result: RolloutOutcome = outcome.status === "Succeeded" ? "succeeded" : "failed";
    this.#close({ key: outcome.key, kind: "Service", name }, result, now, result === "failed" ? outcome.health.message : undefined);
  }

  /** After the reconcile recorded its look: the pin (over the look) and its daily alert, and the history, in the record. */
  afterRecord(manifest: Manifest, snapshot: LiveSnapshot, now: Date, pinLifted: boolean): void {
    if (manifest.kind !== "Service") return;
    const key = manifest.key;
    const service = snapshot.services.get(key);
    const pin = pinLifted ? undefined : pinnedRevision(tagListToMap(service?.["tags"]));
    const history = this.#o.history.list(key);
    if (history.length > 0) this.#o.records.update(key, { history });
    if (pin === undefined) {
      this.#o.history.noteRollbackAlert(key, undefined);
      return;
    }
    const message =
      `pinned to ${pin} by a rollback: git's revision is not deployed until ` + `\`ecs-gitops release ${key}\` or git names it again`;
    this.#o.records.update(key, { look: withPin(this.#o.records.get(key).look, message) });
    if (!this.#o.history.rollbackAlertDue(key, now, this.#o.rollbackAlertEveryMs ?? DAY_MS)) return;
    const since = history.find((r) => r.trigger === "rollback" && r.revision === pin)?.startedAt ?? now.toISOString();
    this.#o.alerts.emitAll([
      {
        ...identity(manifest, service),
        type: "rollback.active",
        firstSeen: since,
        at: now.toISOString(),
        deploy: { revision: pin, trigger: "rollback", outcome: "pinned", reason: message },
      },
    ]);
    this.#o.history.noteRollbackAlert(key, now);
  }

  forget(key: ResourceKey): void {
    this.#o.history.forget(key);
  }

  #close(manifest: Pick<Manifest, "key" | "kind" | "name">, outcome: RolloutOutcome, now: Date, reason: string | undefined): void {
    const key = manifest.key;
    const closed = this.#o.history.finish(key, { outcome, finishedAt: now.toISOString(), reason });
    if (closed === undefined) return;
    const durationS = Math.max(0, Math.round((now.getTime() - (parseTimeMs(closed.startedAt) ?? Number.NaN)) / 1000));
    const log = this.#o.log.child({ key, commit: closed.commit, revision: closed.revision });
    if (outcome === "succeeded") log.info({ durationS }, "deploy succeeded");
    else log.warn({ durationS, outcome, reason }, "deploy did not complete");
    this.#o.alerts.emitAll([
      {
        ...identity(manifest, undefined),
        type: ALERT_OF[outcome],
        ...(closed.commit === undefined ? {} : { commit: closed.commit }),
        firstSeen: closed.startedAt,
        at: now.toISOString(),
        deploy: { revision: closed.revision, trigger: closed.trigger, outcome, durationS, ...(reason === undefined ? {} : { reason }) },
      },
    ]);
  }
}

function identity(manifest: Pick<Manifest, "key" | "kind" | "name">, service: unknown): Pick<AlertEvent, "key" | "kind" | "name" | "arn"> {
  const arn = isJsonObject(service) && typeof service["serviceArn"] === "string" ? service["serviceArn"] : undefined;
  return { key: manifest.key, kind: manifest.kind, name: manifest.name, ...(arn === undefined ? {} : { arn }) };
}

/** The revision a CreateDeployment's AppSpec deploys (resources/service/codedeploy.ts builds it). */
function appSpecRevision(input: JsonObject): string | undefined {
  const appSpec = input["appSpec"];
  const resources = isJsonObject(appSpec) && Array.isArray(appSpec["Resources"]) ? appSpec["Resources"] : [];
  const target = isJsonObject(resources[0]) ? resources[0]["TargetService"] : undefined;
  const properties = isJsonObject(target) ? target["Properties"] : undefined;
  const revision = isJsonObject(properties) ? properties["TaskDefinition"] : undefined;
  return typeof revision === "string" ? revision : undefined;
}

function primaryId(service: unknown): string | undefined {
  const deployments = isJsonObject(service) && Array.isArray(service["deployments"]) ? service["deployments"].filter(isJsonObject) : [];
  const id = deployments.find((d) => d["status"] === "PRIMARY")?.["id"];
  return typeof id === "string" ? id : undefined;
}
