import type { AlertEvent, AlertSink } from "../alerts/types.js";
import type { SecretMatcher } from "../diff/mask.js";
import { renderPlan } from "../plan/render.js";
import { maskChanges } from "../diff/structural.js";
import type { Change } from "../diff/structural.js";
import type { ResourceKey } from "../manifests/types.js";
import type { LiveSnapshot } from "../resources/live-snapshot.js";
import type { RuntimeDetail } from "../resources/kind-runtime.js";
import { pluginOf } from "../resources/registry.js";
import type { Action, ActionType } from "../resources/types.js";

/**
 * The last live-vs-git plan of a resource, masked and rendered as `ecs-gitops diff` prints it.
 * `at` is the reconcile's time, the same the status's lastAppliedAt gets when this plan was applied.
 */
export type PlanDetail = { type: ActionType; at: string; text: string; changes: Change[]; reason?: string; hint?: string };

/** One drift or sync-failure episode, opened and maybe ended, as the alerts told it. */
export type EpisodeRecord = {
  type: "drift" | "sync";
  firstSeen: string;
  endedAt?: string;
  action?: string;
  resolution?: string;
  fields: Change[];
  error?: { code: string; message: string };
};

export type ResourceDetail = { plan?: PlanDetail; episodes: EpisodeRecord[] } & RuntimeDetail;

/**
 * A resource's last plan as kept until the dashboard asks: masked changes and what the diff text
 * names of the calls, never the calls' inputs (a create's whole RegisterTaskDefinition) nor the
 * rendered text (as large again as the changes: 2,300 creates' texts after a cold sync).
 */
type KeptPlan = { action: Action; at: string; isSecret: SecretMatcher | undefined };

/** The plan without what its rendering does not read; its changes masked already. Pure. */
export function keptPlan(action: Action, isSecret: SecretMatcher | undefined, now: Date): KeptPlan {
  const changes = maskChanges(action.changes, isSecret);
  const kept: Action =
    action.type === "blocked"
      ? { ...action, changes }
      : {
          type: action.type,
          key: action.key,
          kind: action.kind,
          changes,
          calls: action.calls.map((call) => ({ operation: call.operation, input: {} })),
          ...(action.notes === undefined ? {} : { notes: action.notes }),
        };
  return { action: kept, at: now.toISOString(), isSecret };
}

/** The plan as the dashboard shows it, rendered on request (the changes masked again: a no-op on masked values). */
function planDetail({ action, at, isSecret }: KeptPlan): PlanDetail {
  const plan: PlanDetail = {
    type: action.type,
    at,
    text: action.type === "noop" ? "" : renderPlan([action], { color: false, isSecret }),
    changes: structuredClone(action.changes),
  };
  if (action.type === "blocked") Object.assign(plan, { reason: action.reason, hint: action.hint });
  return plan;
}

/** Episodes kept per resource: enough for an incident's story, bounded for 2,300 resources. */
const EPISODES_KEPT = 20;

/**
 * What the dashboard's resource page shows beyond /status: the reconciler hands over each plan
 * and snapshot, the alert dispatcher each episode event (as a sink). Everything stored is
 * masked already, so nothing read from here can carry a secret to a browser.
 */
export class ResourceDetails implements AlertSink {
  readonly name = "dashboard";
  readonly #plans = new Map<ResourceKey, KeptPlan>();
  readonly #runtime = new Map<ResourceKey, RuntimeDetail>();
  readonly #episodes = new Map<ResourceKey, EpisodeRecord[]>();

  notePlan(action: Action, snapshot: LiveSnapshot, isSecret: SecretMatcher | undefined, now = new Date()): void {
    this.#plans.set(action.key, keptPlan(action, isSecret, now));
    const runtime = pluginOf(action.kind).runtime(action.key, snapshot);
    if (runtime === undefined) this.#runtime.delete(action.key);
    else this.#runtime.set(action.key, runtime);
  }

  async send(event: AlertEvent): Promise<void> {
    const list = this.#episodes.get(event.key) ?? [];
    const type = event.type.startsWith("drift.") ? "drift" : "sync";
    const same = list.find((e) => e.type === type && e.firstSeen === event.firstSeen);
    const opened = event.type === "drift.opened" || event.type === "sync.failed";
    const record: EpisodeRecord = same ?? { type, firstSeen: event.firstSeen, fields: [] };
    if (event.fields !== undefined && event.fields.length > 0) record.fields = structuredClone(event.fields);
    if (event.action !== undefined) record.action = event.action;
    if (event.error !== undefined) record.error = { ...event.error };
    if (!opened) {
      record.endedAt = event.at;
      if (event.resolution !== undefined) record.resolution = event.resolution;
    }
    if (same === undefined) list.unshift(record);
    this.#episodes.set(event.key, list.slice(0, EPISODES_KEPT));
  }

  forget(key: ResourceKey): void {
    this.#plans.delete(key);
    this.#runtime.delete(key);
  }

  get(key: ResourceKey): ResourceDetail {
    const detail: ResourceDetail = { episodes: structuredClone(this.#episodes.get(key) ?? []) };
    const plan = this.#plans.get(key);
    if (plan !== undefined) detail.plan = planDetail(plan);
    return Object.assign(detail, structuredClone(this.#runtime.get(key) ?? {}));
  }
}
