import { asEcsGitopsError } from "../errors.js";
import type { EcsGitopsError } from "../errors.js";
import type { DesiredState } from "../engine/desired-state.js";
import type { LiveSnapshot, PlanResult } from "../engine/planner.js";
import { readAndPlan } from "../engine/read-plan.js";
import { planningSet } from "../engine/references.js";
import type { ResourceKey } from "../manifests/types.js";
import type { Action } from "../resources/types.js";
import type { ResourceRecords } from "../state/records.js";
import { PRUNE_KEY } from "./prune-pass.js";
import { noteHandMadeRevisions } from "./reconcile-failure.js";
import type { ReconcilerOptions } from "./reconciler-options.js";
import { keySlice } from "./key-slice.js";
import { orderStamp } from "./write-order.js";

/** When a batch's read started: `now` is the policy's clock, `at` the wall clock its writes are compared with, `started` for durations. */
/** `seq`: the read's orderStamp (write-order.ts), to tell the registrations it could have seen. */
type ReadTimes = { now: Date; at: number; seq: number; started: number };

/**
 * One key's slice of a batched read: its action in the plan of the whole batch (with the
 * snapshot and the family revisions the plan resolved), or why there is none.
 * - `idle`: no desired state yet (or the prune pass's key: it reads its own inventory);
 * - `gone`: the key left git;
 * - `failed`: the batch's read failed.
 */
export type KeyRead = ReadTimes &
  (
    | { type: "idle"; desired: DesiredState | undefined }
    | { type: "gone"; desired: DesiredState }
    | { type: "failed"; desired: DesiredState; error: EcsGitopsError }
    | { type: "planned"; desired: DesiredState; action: Action | undefined; result: PlanResult; snapshot: LiveSnapshot }
  );

export type BatchReadContext = {
  o: ReconcilerOptions;
  records: ResourceRecords;
  desired: DesiredState | undefined;
  now: Date;
  /** Keys queued to run soon: read and planned with the batch, their slices kept for when they start. */
  upcoming?: Iterable<ResourceKey> | undefined;
};

export type BatchReadResult = { slices: KeyRead[]; ahead: Map<ResourceKey, KeyRead> };

/**
 * Read and plan for every key of a batch at once: the keys' resources plus the task definitions
 * and users they need (one batched snapshot, ⌈N/10⌉ DescribeServices for N services), then the
 * hook tasks they run. A failed read fails each present key, never the batch.
 */
export async function readBatch(keys: readonly ResourceKey[], context: BatchReadContext): Promise<BatchReadResult> {
  const { o, desired, now } = context;
  const times = { now, at: now.getTime(), seq: orderStamp(), started: performance.now() };
  const ahead = new Map<ResourceKey, KeyRead>();
  if (desired === undefined) return { slices: keys.map(() => ({ ...times, type: "idle", desired })), ahead };
  const asked = new Set(keys);
  const present = [...asked].filter((k) => k !== PRUNE_KEY && desired.manifests.has(k));
  // Only a batch that reads anyway reads ahead: the queued keys ride along (the same calls, 10 services a DescribeServices).
  const later = present.length === 0 ? [] : [...(context.upcoming ?? [])].filter((k) => !asked.has(k) && desired.manifests.has(k));
  const slice = (key: ResourceKey, planned: (key: ResourceKey) => KeyRead): KeyRead => {
    if (key === PRUNE_KEY && o.prune) return { ...times, type: "idle", desired };
    return desired.manifests.has(key) ? planned(key) : { ...times, type: "gone", desired };
  };
  if (present.length === 0) return { slices: keys.map((key) => slice(key, () => ({ ...times, type: "gone", desired }))), ahead };
  const settings = o.settings;
  let planned: { result: PlanResult; snapshot: LiveSnapshot };
  try {
    planned = await readAndPlan(
      o.reader,
      planningSet([...present, ...later], desired.manifests),
      {
        owner: settings.owner,
        repo: settings.repo,
        revision: desired.commit,
        region: settings.region,
        defaultCluster: settings.defaultCluster,
        ignoreRules: settings.ignoreRules,
        expectedAccount: settings.expectedAccount,
        sourcePrefix: settings.sourcePrefix,
        isSecret: settings.isSecret,
      },
      o.plan,
    );
  } catch (error) {
    const failure = asEcsGitopsError(error);
    o.log.warn({ err: failure, keys: present.length }, "could not read live state");
    return { slices: keys.map((key) => slice(key, () => ({ ...times, type: "failed", desired, error: failure }))), ahead };
  }
  const { result, snapshot } = planned;
  noteHandMadeRevisions(o, context.records, snapshot, desired);
  // Hook tasks of the batch's services, in one DescribeTasks per cluster (docs/hooks.md).
  await o.hooks?.refresh([...present, ...later]);
  const actions = new Map<ResourceKey, Action>();
  for (const action of result.actions) if (!actions.has(action.key)) actions.set(action.key, action);
  // Each key keeps only its share: the batch's snapshot and plan go once its keys have run.
  const sliceOf = (key: ResourceKey): KeyRead => {
    const action = actions.get(key);
    return { ...times, type: "planned", desired, action, ...keySlice(key, action, result, snapshot) };
  };
  for (const key of later) ahead.set(key, sliceOf(key));
  return { slices: keys.map((key) => slice(key, sliceOf)), ahead };
}

/**
 * Slices read ahead for queued keys. A key takes its slice when it starts, if the slice is of the
 * desired state in force, was read after the key was last queued (a trigger after the read asks
 * for a fresh look) and is at most `maxAgeMs` old; else it reads again.
 */
export class ReadAhead {
  readonly #slices = new Map<ResourceKey, KeyRead>();
  /** When each key's last reconcile ended (orderStamp): a slice read before saw the state before its writes. */
  readonly #settled = new Map<ResourceKey, number>();

  /**
   * A reconcile of `key` ended. A slice of it read ahead meanwhile (its key was still queued while
   * a service reconciled the family outside the queue) predates that reconcile's writes: taken, it
   * would register the same revision again.
   */
  settled(key: ResourceKey): void {
    this.#settled.set(key, orderStamp());
  }

  keep(slices: ReadonlyMap<ResourceKey, KeyRead>): void {
    for (const [key, read] of slices) this.#slices.set(key, read);
  }

  take(
    key: ResourceKey,
    desired: DesiredState | undefined,
    queuedAt: number | undefined,
    maxAgeMs: number,
    nowMs: number,
  ): KeyRead | undefined {
    const read = this.#slices.get(key);
    if (read === undefined) return undefined;
    this.#slices.delete(key);
    const fresh =
      read.desired === desired &&
      read.at >= (queuedAt ?? Number.POSITIVE_INFINITY) &&
      nowMs - read.at <= maxAgeMs &&
      read.seq > (this.#settled.get(key) ?? 0);
    return fresh ? read : undefined;
  }

  /** Whether a slice waits for `key` (a taken slice is let go, whether used or stale). */
  holds(key: ResourceKey): boolean {
    return this.#slices.has(key);
  }

  /** A new desired state: slices of the old one are of no use. */
  clear(): void {
    this.#slices.clear();
  }
}
