import type { FinalizeRequestMiddleware, HandlerExecutionContext, MiddlewareStack } from "@smithy/types";
import type { AwsService } from "./call-accounting.js";

export type BucketRate = { burst: number; perSecond: number };

/*
 * AWS throttles per account and Region with one token bucket per category of actions (ECS) or
 * one shared budget per service (EventBridge, Scheduler, Application Auto Scaling); other tools in
 * the account draw from the same buckets. The category names are written once, here.
 */

// xref: docs/normalization.md#ecs-request-throttling (bucket size = burst, refill = sustained).
const ECS_RATES = {
  "ecs:cluster-modify": { burst: 20, perSecond: 1 },
  "ecs:cluster-read": { burst: 50, perSecond: 20 },
  "ecs:task-definition-modify": { burst: 20, perSecond: 1 },
  "ecs:task-definition-read": { burst: 50, perSecond: 20 },
  "ecs:service-modify": { burst: 50, perSecond: 5 },
  "ecs:service-read": { burst: 100, perSecond: 20 },
  "ecs:tag-modify": { burst: 20, perSecond: 10 },
  "ecs:tag-read": { burst: 50, perSecond: 20 },
  "ecs:cluster-resource-read": { burst: 100, perSecond: 20 },
  "ecs:service-deployment": { burst: 50, perSecond: 20 },
} as const satisfies Record<`ecs:${string}`, BucketRate>;

const SERVICE_RATES = {
  // xref: docs/normalization.md#eventbridge-limits — 50 requests/s per account and Region for every API but PutEvents.
  "events:api": { burst: 50, perSecond: 50 },
  // xref: docs/normalization.md#scheduler-and-autoscaling-rates — no per-API table is cited: conservative.
  "scheduler:api": { burst: 50, perSecond: 50 },
  "application-autoscaling:api": { burst: 20, perSecond: 10 },
} as const satisfies Record<`${string}:api`, BucketRate>;

type EcsCategory = keyof typeof ECS_RATES;
export type ThrottleCategory = EcsCategory | keyof typeof SERVICE_RATES;

export const PUBLISHED_RATES: Readonly<Record<ThrottleCategory, BucketRate>> = { ...ECS_RATES, ...SERVICE_RATES };

/** One call and the bucket it draws from (kinds declare theirs in `KindPlugin.calls`). */
export type ThrottledCall = { service: AwsService; operation: string; throttle: ThrottleCategory };

/**
 * The ECS calls the engine makes outside any kind (prune's inventory, rollout and task reads),
 * by bucket. Every other paced call is declared by the kind that makes it and registered at
 * start-up (registerThrottleCategories): the plug-ins import this module, so it cannot import them.
 */
const ENGINE_ECS_CALLS: Partial<Readonly<Record<EcsCategory, readonly string[]>>> = {
  "ecs:cluster-read": ["ListClusters"],
  "ecs:task-definition-read": ["ListTaskDefinitionFamilies"],
  "ecs:tag-read": ["ListTagsForResource"],
  "ecs:cluster-resource-read": ["DescribeTasks", "ListTasks", "DescribeContainerInstances", "ListContainerInstances"],
  "ecs:service-deployment": ["DescribeServiceDeployments", "ListServiceDeployments"],
};

/** `service:operation` → bucket. PutEvents is in none (its regional limit is 400–10,000/s), nor is any call no one declares. */
const CATEGORIES = new Map<string, ThrottleCategory>(
  Object.entries(ENGINE_ECS_CALLS).flatMap(([category, actions]) =>
    (actions ?? []).map((action) => [`ecs:${action}`, category as ThrottleCategory] as const),
  ),
);

/**
 * Adds the calls `source` (a kind) declares to the table the limiter paces by. A call already
 * placed in another bucket is a programming error, reported at start-up rather than paced wrongly.
 */
export function registerThrottleCategories(source: string, calls: readonly ThrottledCall[]): void {
  for (const call of calls) {
    const id = `${call.service}:${call.operation}`;
    const known = CATEGORIES.get(id);
    if (known !== undefined && known !== call.throttle)
      throw new Error(`${source} declares ${id} in throttle bucket ${call.throttle}, but it is already paced in ${known}: use ${known}`);
    CATEGORIES.set(id, call.throttle);
  }
}

/** Every `service:operation` the limiter paces: the engine's own and those the kinds registered (the IAM policy test reads it). */
export function pacedOperations(): string[] {
  return [...CATEGORIES.keys()];
}

/** The bucket an operation draws from, or undefined for calls that are not paced (declared by no kind nor the engine). */
export function throttleCategoryOf(service: AwsService, operation: string): ThrottleCategory | undefined {
  return CATEGORIES.get(`${service}:${operation}`);
}

/** Share of AWS's published rates the controller allows itself: the rest is headroom for other tools. */
export const DEFAULT_RATE_FRACTION = 0.5;

export type RateClock = { now(): number; setTimeout(callback: () => void, ms: number): unknown };

// Looked up on every call, so fake timers installed after construction still apply.
const systemClock: RateClock = { now: () => Date.now(), setTimeout: (callback, ms) => setTimeout(callback, ms) };

/**
 * A token bucket with a FIFO of waiters: `take()` resolves at once while tokens last, then one
 * waiter per refilled token, in order of arrival (no starvation of early callers).
 */
export class TokenBucket {
  readonly capacity: number;
  readonly perSecond: number;
  readonly #clock: RateClock;
  readonly #waiters: (() => void)[] = [];
  #tokens: number;
  #refilledAt: number;
  #timerPending = false;

  constructor(rate: BucketRate, clock: RateClock = systemClock) {
    if (!(rate.burst >= 1) || !(rate.perSecond > 0))
      throw new RangeError(`a token bucket needs burst ≥ 1 and a positive rate, got ${rate.burst}/${rate.perSecond}`);
    this.capacity = rate.burst;
    this.perSecond = rate.perSecond;
    this.#clock = clock;
    this.#tokens = rate.burst;
    this.#refilledAt = clock.now();
  }

  /** Callers waiting for a token. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Resolves when the caller may send one request. */
  take(): Promise<void> {
    this.#refill();
    if (this.#waiters.length === 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
      this.#schedule();
    });
  }

  #refill(): void {
    const now = this.#clock.now();
    const elapsedMs = Math.max(0, now - this.#refilledAt);
    this.#tokens = Math.min(this.capacity, this.#tokens + (elapsedMs * this.perSecond) / 1000);
    this.#refilledAt = now;
  }

  #schedule(): void {
    if (this.#timerPending || this.#waiters.length === 0) return;
    const waitMs = Math.max(1, Math.ceil(((1 - this.#tokens) * 1000) / this.perSecond));
    this.#timerPending = true;
    this.#clock.setTimeout(() => {
      this.#timerPending = false;
      this.#drain();
    }, waitMs);
  }

  #drain(): void {
    this.#refill();
    while (this.#waiters.length > 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      this.#waiters.shift()?.();
    }
    this.#schedule();
  }
}

export type RateLimiterOptions = {
  /** Share of the published burst and sustained rates to use, in (0, 1]. Default 0.5. */
  fraction?: number | undefined;
  clock?: RateClock | undefined;
};

export type CategoryStats = { requests: number; delayed: number; waitedMs: number };

/**
 * Client-side pacing below AWS's throttling buckets, one bucket per category, shared by every
 * client it is applied to (one limiter per account and Region). Each attempt takes a token,
 * retries included: AWS counts them too. `enabled = false` lets calls through unpaced
 * (emulators, benchmarks).
 */
export class RateLimiter {
  readonly fraction: number;
  enabled = true;
  readonly #clock: RateClock;
  readonly #buckets = new Map<ThrottleCategory, TokenBucket>();
  readonly #stats = new Map<ThrottleCategory, CategoryStats>();

  constructor(options: RateLimiterOptions = {}) {
    const fraction = options.fraction ?? DEFAULT_RATE_FRACTION;
    if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`rate limit fraction must be in (0, 1], got ${fraction}`);
    this.fraction = fraction;
    this.#clock = options.clock ?? systemClock;
  }

  /** The burst and sustained rate this limiter allows a category. */
  rateOf(category: ThrottleCategory): BucketRate {
    const published = PUBLISHED_RATES[category];
    return { burst: Math.max(1, Math.floor(published.burst * this.fraction)), perSecond: published.perSecond * this.fraction };
  }

  /** Resolves when a request of `operation` may be sent. */
  async acquire(service: AwsService, operation: string): Promise<void> {
    if (!this.enabled) return;
    const category = throttleCategoryOf(service, operation);
    if (category === undefined) return;
    const stats = this.#statsFor(category);
    stats.requests += 1;
    const bucket = this.#bucketFor(category);
    const startedAt = this.#clock.now();
    await bucket.take();
    const waitedMs = this.#clock.now() - startedAt;
    if (waitedMs > 0) {
      stats.delayed += 1;
      stats.waitedMs += waitedMs;
    }
  }

  /** Requests paced so far per category, how many had to wait, and for how long in total. */
  stats(): Partial<Record<ThrottleCategory, CategoryStats>> {
    return Object.fromEntries([...this.#stats].map(([category, stats]) => [category, { ...stats }]));
  }

  #bucketFor(category: ThrottleCategory): TokenBucket {
    let bucket = this.#buckets.get(category);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.rateOf(category), this.#clock);
      this.#buckets.set(category, bucket);
    }
    return bucket;
  }

  #statsFor(category: ThrottleCategory): CategoryStats {
    let stats = this.#stats.get(category);
    if (stats === undefined) {
      stats = { requests: 0, delayed: 0, waitedMs: 0 };
      this.#stats.set(category, stats);
    }
    return stats;
  }
}

function operationName(context: HandlerExecutionContext): string {
  return (context.commandName ?? "Unknown").replace(/Command$/, "");
}

/**
 * Installs the limiter inside the SDK's retry loop and before signing: every attempt waits for
 * its token, and a request is signed only when it is about to be sent (a long wait never sends a
 * stale signature).
 */
export function applyRateLimit<I extends object, O extends object>(
  stack: MiddlewareStack<I, O>,
  service: AwsService,
  limiter: RateLimiter,
): void {
  const middleware: FinalizeRequestMiddleware<I, O> = (next, context) => async (args) => {
    await limiter.acquire(service, operationName(context));
    return next(args);
  };
  stack.addRelativeTo(middleware, {
    relation: "before",
    toMiddleware: "httpSigningMiddleware",
    name: "ecsGitopsRateLimit",
    override: true,
  });
}
