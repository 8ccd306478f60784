import PQueue from "p-queue";
import { DEFAULT_APPLY_CONCURRENCY, dependenciesOf, orderedAfter } from "../engine/applier.js";
import type { ApplyOptions, ApplyOutcome } from "../engine/applier.js";
import type { Manifest, ResourceKey } from "../manifests/types.js";
import type { Action } from "../resources/types.js";
import { readResourceKey } from "../manifests/identity.js";
import { pluginOf } from "../resources/registry.js";

/** A registration one of our reconciles made (or tried) for a manifest, and when it ended. */
type Registration = { arn: string; at: number } | { failed: true; at: number };

/**
 * Keeps the writes of concurrent reconciles in dependency order. Each key's reconcile is tracked
 * while it runs; an action that needs a revision registered by another key's reconcile (a
 * `${arn:TaskDefinition/…}` placeholder), or that must follow another key's write (a scalable
 * target after its service), waits for that reconcile first and then uses the revision it
 * registered. A family is registered by its own key's reconcile only, once per commit: the
 * services that need it share that write instead of registering again.
 */
let stamps = 0;
/**
 * A process-wide order of reads and registrations: unlike a millisecond clock it never ties, so
 * "registered before this read started" is always decidable.
 */
export function orderStamp(): number {
  return ++stamps;
}

export class WriteOrder {
  readonly #running = new Map<ResourceKey, Promise<unknown>>();
  readonly #registered = new WeakMap<Manifest, Registration>();
  /** Families a dependent key started the reconcile of (see dependencies). */
  readonly #demanded = new WeakSet<Manifest>();
  /** Writes in flight at once across all reconciles, as one apply of a whole plan allowed. */
  readonly #writes = new PQueue({ concurrency: DEFAULT_APPLY_CONCURRENCY });
  readonly #now: () => number;

  constructor(now: () => number = orderStamp) {
    this.#now = now;
  }

  /** Track a key's reconcile while it runs. */
  track<T>(key: ResourceKey, job: Promise<T>): Promise<T> {
    this.#running.set(key, job);
    const done = () => {
      if (this.#running.get(key) === job) this.#running.delete(key);
    };
    job.then(done, done);
    return job;
  }

  /** The reconcile of `key` running now, if any. */
  running(key: ResourceKey): Promise<unknown> | undefined {
    return this.#running.get(key);
  }

  /** Every reconcile running now except `key`'s: a prune pass waits for them (deletes after creates and updates). */
  othersRunning(key: ResourceKey): Promise<unknown>[] {
    return [...this.#running].filter(([k]) => k !== key).map(([, job]) => job.catch(() => undefined));
  }

  /**
   * Wait for the reconciles `action` depends on, then say which revisions they registered since
   * `readAt` (the orderStamp of the plan's read: the plan could not have seen those). A revision
   * registered earlier is not used: the plan would have seen it, so it asks for a new one.
   * `start(key)` starts the reconcile of a family no reconcile registered yet, if it may run here now.
   */
  async dependencies(
    action: Action,
    manifests: ReadonlyMap<ResourceKey, Manifest>,
    readAt: number,
    start?: (key: ResourceKey) => boolean,
  ): Promise<ApplyOptions> {
    const placeholders = dependenciesOf(action);
    for (const key of new Set([...placeholders, ...orderedAfter(action)]))
      if (key !== action.key) await this.#running.get(key)?.catch(() => undefined);
    for (const key of placeholders) {
      const manifest = manifests.get(key);
      if (key === action.key || manifest === undefined) continue;
      // A family of this commit that no reconcile registered (or failed to), now that none runs:
      // its key is still queued behind this one (keys already waiting keep their place when a
      // commit queues the families first), or the reconcile that ran had read the commit before.
      // Reconcile it now rather than fail every key that uses it as DependencyNotReady and back
      // off. Once per manifest: a failed registration is left to its own backoff, and a family
      // that found nothing to register is not read again for each of its users. Every user waits
      // for the reconcile, whichever user started it.
      if (start !== undefined && !this.#registered.has(manifest) && !this.#demanded.has(manifest) && start(key))
        this.#demanded.add(manifest);
      await this.#running.get(key)?.catch(() => undefined);
    }
    const registered = new Map<ResourceKey, string>();
    const failed = new Set<ResourceKey>();
    for (const key of placeholders) {
      const manifest = manifests.get(key);
      const registration = manifest === undefined ? undefined : this.#registered.get(manifest);
      if (registration === undefined || registration.at < readAt) continue;
      if ("arn" in registration) registered.set(key, registration.arn);
      else failed.add(key);
    }
    return { registered, failed };
  }

  /** Run one key's writes within the shared bound. */
  write<T>(apply: () => Promise<T>): Promise<T> {
    return this.#writes.add(apply);
  }

  /** What a key's apply registered (or failed to) for its manifest, for the services that wait on it. */
  noteOutcome(manifest: Manifest, action: Action, outcome: ApplyOutcome | undefined): void {
    const registers =
      action.type !== "noop" && action.type !== "blocked" && action.calls.some((c) => c.operation === "ecs:RegisterTaskDefinition");
    if (outcome?.outcome === "applied" && outcome.registeredArn !== undefined)
      this.#registered.set(manifest, { arn: outcome.registeredArn, at: this.#now() });
    else if (registers && outcome?.outcome === "failed") this.#registered.set(manifest, { failed: true, at: this.#now() });
  }
}

/** Task definitions first: the plan's order of kinds (keys that are no kind, like the prune pass, last). */
export function planOrderOf(key: ResourceKey): number {
  const kind = readResourceKey(key)?.kind;
  return kind === undefined ? Number.MAX_SAFE_INTEGER : pluginOf(kind).planOrder;
}
