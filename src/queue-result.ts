// A module of its own: src/lease gates a reconcile and passes this through without importing the controller.

/**
 * What a handler tells the queue about a key it just processed:
 * - `{ requeueAfterMs }` success; run again after that long (resync, or polling a rollout).
 *   `{}` is success with no requeue.
 * - `{ retry: true }` transient failure; run again after the key's next backoff step.
 * - `{ stalled: true }` terminal failure; do not run again until someone calls `add(key)`
 *   (a new commit, a webhook, an operator).
 */
export type QueueResult = { requeueAfterMs?: number } | { retry: true } | { stalled: true };
