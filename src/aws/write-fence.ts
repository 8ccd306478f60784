import { AsyncLocalStorage } from "node:async_hooks";
import type { FinalizeRequestMiddleware, MiddlewareStack } from "@smithy/types";
import { EcsGitopsError } from "../errors.js";
import { callKindOf } from "./call-accounting.js";
import { fencedAttempt } from "./dispatch-fence.js";

/**
 * Undefined lets a write of `key` go; a reason stops it (high availability: "this replica still holds the key's lease").
 * `operation` (`ecs:UpdateService`) when known; `minWindowMs`: the lease must stay valid that much longer (dispatch-fence.ts).
 */
export type WriteFence = (key: string, operation?: string, minWindowMs?: number) => string | undefined;

type FenceScope = { readonly key: string; readonly fence: WriteFence; readonly windowLeftMs?: ((key: string) => number) | undefined };

// The SDK middleware has no other way to know which resource a request writes: the clients are
// shared by every key, and the controller hands out copies carrying the fence (`{ ...aws, writeFence }`).
const fenceScope = new AsyncLocalStorage<FenceScope>();

/** The SDK clients (by middleware stack, or the lazy client of one built on first use) of a client set that high availability fences. */
const fencedStacks = new WeakSet<object>();

/**
 * Writes a fenced client set may send outside `fencedWrite`: they change no resource a shard
 * owns. Drift alerts go to the bus from whichever replica saw the drift. (The lease table's own
 * writes use a DynamoDB client of their own, which has no fence.)
 */
const UNFENCED_WRITES: ReadonlySet<string> = new Set(["events:PutEvents"]);

type FencedClientSet = {
  readonly [client in "ecs" | "events"]: { middlewareStack: object };
} & {
  // Lazy clients (lazy-client.ts): their stacks do not exist yet, so the lazy client stands for them.
  readonly [client in "scheduler" | "autoscaling" | "codedeploy"]: object;
};

/**
 * Leasing is on for these clients: from now on, a write they send outside `fencedWrite` (so with
 * no resource key to check a lease for) is refused as an Internal error instead of going out
 * unfenced. A new write path that forgets the fence fails its first test, not production.
 */
export function requireFencedWrites<T extends FencedClientSet>(clients: T): T {
  for (const client of [clients.ecs, clients.events]) fencedStacks.add(client.middlewareStack);
  for (const client of [clients.scheduler, clients.autoscaling, clients.codedeploy]) fencedStacks.add(client);
  return clients;
}

/**
 * Throws `LeaseLost` unless `key` may be written now (high availability, docs/ha.md#how-the-leases-work).
 */
export function assertWriteAllowed(aws: { readonly writeFence?: WriteFence | undefined }, key: string, operation?: string): void {
  const fenced = aws.writeFence?.(key, operation);
  if (fenced !== undefined) throw new EcsGitopsError("LeaseLost", fenced, { where: key, retryable: true });
}

/**
 * Runs the AWS writes of one resource under the fence. Checked once up front (no point queueing
 * for a rate-limit token without a lease) and again by the SDK middleware on every attempt, right
 * before it is signed: a write may wait seconds in the rate limiter or between throttle retries,
 * and the lease may run out meanwhile. Every write path goes through here: the applier, prune and
 * hook tasks.
 */
export async function fencedWrite<T>(
  aws: { readonly writeFence?: WriteFence | undefined; readonly writeWindowMs?: ((key: string) => number) | undefined },
  key: string,
  write: () => Promise<T>,
  operation?: string,
): Promise<T> {
  assertWriteAllowed(aws, key, operation);
  const fence = aws.writeFence;
  return fence === undefined ? write() : fenceScope.run({ key, fence, windowLeftMs: aws.writeWindowMs }, write);
}

/**
 * Installs the per-attempt check inside the SDK's retry loop, after the rate-limit wait and
 * before signing. Reads are never fenced (the landed check reads inside a fenced write). A
 * refusal is a plain client error to the SDK, so it is not retried. `fenceId`: what
 * `requireFencedWrites` marks for this client (its stack, or the lazy client that built it).
 */
export function applyWriteFence<I extends object, O extends object>(
  stack: MiddlewareStack<I, O>,
  service: string,
  fenceId: object = stack,
): void {
  const middleware: FinalizeRequestMiddleware<I, O> = (next, context) => async (args) => {
    const operation = (context.commandName ?? "Unknown").replace(/Command$/, "");
    // A read sent from inside a write attempt's chain (none is today) must not pass for that write at dispatch.
    if (callKindOf(operation) !== "write")
      return fencedAttempt.getStore() === undefined ? next(args) : fencedAttempt.run(undefined, () => next(args));
    const scope = fenceScope.getStore();
    if (scope !== undefined) {
      assertWriteAllowed({ writeFence: scope.fence }, scope.key, `${service}:${operation}`);
      // Checked again at dispatch, with the attempt's timeout cut to the lease window (dispatch-fence.ts).
      return fencedAttempt.run({ ...scope, operation: `${service}:${operation}` }, () => next(args));
    }
    if (fencedStacks.has(fenceId) && !UNFENCED_WRITES.has(`${service}:${operation}`)) throw unfencedWrite(`${service}:${operation}`);
    return next(args);
  };
  // Added after the rate limiter, also before signing: the SDK keeps insertion order, so this runs after its wait.
  stack.addRelativeTo(middleware, {
    relation: "before",
    toMiddleware: "httpSigningMiddleware",
    name: "ecsGitopsWriteFence",
    override: true,
  });
}

function unfencedWrite(operation: string): EcsGitopsError {
  return new EcsGitopsError(
    "Internal",
    `${operation} was sent outside fencedWrite while leasing is on, so no lease was checked and it was not sent: ` +
      `wrap the write path in fencedWrite(aws, key, …) (src/aws/write-fence.ts), or add the operation to UNFENCED_WRITES ` +
      `if it changes no resource a shard owns`,
    { where: operation, retryable: false },
  );
}
