import { ECSClient } from "@aws-sdk/client-ecs";
import type { ECSClientConfig } from "@aws-sdk/client-ecs";
import type { MiddlewareStack, RetryStrategyV2 } from "@smithy/types";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { CodeDeployClientConfig } from "@aws-sdk/client-codedeploy";
import type { EventBridgeClientConfig } from "@aws-sdk/client-eventbridge";
import type { ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import { applyMotoAccountHeader } from "./account-header.js";
import { CallAccounting } from "./call-accounting.js";
import type { AwsService } from "./call-accounting.js";
import { applyNodeVersionWarning, deferSdkNodeWarning } from "./node-version-warning.js";
import type { AwsClients } from "./client-set.js";
import { applyLandedCheck } from "./landed-check.js";
import { applyRateLimit, RateLimiter } from "./rate-limit.js";
import { THROTTLED_MAX_ATTEMPTS, tolerateThrottling } from "./throttle-retry.js";
import { applyWriteFence } from "./write-fence.js";
import { applyDispatchFence } from "./dispatch-fence.js";
import { lazyClient } from "./lazy-client.js";

/** The SDK's retry strategy type (a `StandardRetryStrategy`, `ConfiguredRetryStrategy` …). */
export type RetryStrategy = NonNullable<ECSClientConfig["retryStrategy"]>;
export type StaticCredentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

// `| undefined` throughout: callers pass flags straight through (exactOptionalPropertyTypes).
export type AwsClientOptions = {
  /** Default: the SDK chain (AWS_REGION, profile). */
  region?: string | undefined;
  /** `--endpoint-url` for an emulator. Unset: the SDK's own `AWS_ENDPOINT_URL(_ECS|_EVENTBRIDGE)` handling applies. */
  endpoint?: string | undefined;
  /**
   * Total attempts per call, first included. Short on purpose: the controller queue owns long
   * retries. Throttled attempts may go on up to THROTTLED_MAX_ATTEMPTS (a throttled request was
   * not applied, so it is retried in place).
   */
  maxAttempts?: number | undefined;
  /** Tests only: the account id moto_server should use, sent as header `x-moto-account-id`. */
  accountIdHeader?: string | undefined;
  /** Shared counters; a new one when omitted (always reachable as `clients.calls`). */
  calls?: CallAccounting | undefined;
  /** Default: the SDK credential chain. */
  credentials?: StaticCredentials | undefined;
  /**
   * Tests: e.g. `new ConfiguredRetryStrategy(3, 0)` so retries do not sleep. It decides alone,
   * unless `maxAttempts` is also given: then errors other than throttling stop there.
   */
  retryStrategy?: RetryStrategy | undefined;
  /** Attempts while AWS answers with throttling (throttle-retry.ts). Default THROTTLED_MAX_ATTEMPTS, or 1 when `maxAttempts` is 1. */
  throttledMaxAttempts?: number | undefined;
  /** Tests: the backoff base of throttled retries (default 1 s, the SDK's), e.g. 0 so they do not sleep. */
  throttledBaseDelayMs?: number | undefined;
  /** Per-request timeout; a hung connection becomes a retryable `TimeoutError`. */
  requestTimeoutMs?: number | undefined;
  /** TCP connect timeout. */
  connectionTimeoutMs?: number | undefined;
  /**
   * Client-side pacing below AWS's throttling buckets (rate-limit.ts): the share of the published
   * rates to use (default 0.5, leaving the rest to other tools in the account), `false` to send
   * unpaced (emulators, benchmarks), or a limiter shared with other clients of the same account
   * and Region.
   */
  rateLimit?: number | false | RateLimiter | undefined;
};

export type { AwsClients };

export const DEFAULT_MAX_ATTEMPTS = 3;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;

type SharedConfig = ECSClientConfig & EventBridgeClientConfig;

function sharedConfig(options: AwsClientOptions): SharedConfig {
  const config: SharedConfig = {
    retryMode: "standard",
    maxAttempts: throttledAttempts(options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS),
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      connectionTimeout: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
      // Without it the SDK only logs a warning (to console) and keeps waiting on a hung request.
      throwOnRequestTimeout: true,
    },
  };
  if (options.region !== undefined) config.region = options.region;
  if (options.endpoint !== undefined && options.endpoint !== "") config.endpoint = options.endpoint;
  if (options.credentials !== undefined) config.credentials = options.credentials;
  if (options.retryStrategy !== undefined) config.retryStrategy = options.retryStrategy;
  return config;
}

function rateLimiterFor(option: AwsClientOptions["rateLimit"]): RateLimiter | undefined {
  if (option === false) return undefined;
  if (option instanceof RateLimiter) return option;
  return new RateLimiter({ fraction: option });
}

/**
 * The ECS and EventBridge clients, and the Scheduler, Application Auto Scaling and CodeDeploy
 * clients built on first use, all configured alike: standard retry mode with few attempts,
 * bounded timeouts, call accounting and client-side rate limiting, the write fence, and the moto
 * account header in tests. Retries of non-idempotent writes first check whether the earlier
 * attempt landed (landed-check.ts).
 */
export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const calls = options.calls ?? new CallAccounting();
  deferSdkNodeWarning();
  const ecs = new ECSClient(sharedConfig(options));
  const events = new EventBridgeClient(sharedConfig(options));
  const rateLimiter = rateLimiterFor(options.rateLimit);
  const capped = options.retryStrategy === undefined ? (options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS) : options.maxAttempts;
  // Every client, built at start or on first use, gets the same middleware in the same order.
  const instrument = <I extends object, O extends object>(
    stack: MiddlewareStack<I, O>,
    config: RetryConfig,
    service: AwsService,
    fenceId: object = stack,
  ) => {
    applyDispatchFence(config, options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    applyNodeVersionWarning(stack);
    calls.applyTo(stack, service);
    if (rateLimiter !== undefined) applyRateLimit(stack, service, rateLimiter);
    applyWriteFence(stack, service, fenceId);
    if (options.accountIdHeader !== undefined) applyMotoAccountHeader(stack, options.accountIdHeader);
    if (capped !== undefined) capOtherErrors(config, capped, options);
    // Only ECS's and CodeDeploy's writes have a check today; one a kind declares `check-landed` is then never sent twice (write-retry.ts).
    applyLandedCheck(stack, service, () => clients, calls);
  };
  // Only blue/green services, schedules and scalable targets use these: built on first use
  // (docs/scale.md#lazy-sdk-clients), the fence keyed by the lazy client, which exists from the start.
  const scheduler = lazyClient(async () => {
    const { SchedulerClient } = await import("@aws-sdk/client-scheduler");
    const client = new SchedulerClient(sharedConfig(options));
    instrument(client.middlewareStack, client.config, "scheduler", scheduler);
    return client;
  });
  const autoscaling = lazyClient(async () => {
    const { ApplicationAutoScalingClient } = await import("@aws-sdk/client-application-auto-scaling");
    const client = new ApplicationAutoScalingClient(sharedConfig(options));
    instrument(client.middlewareStack, client.config, "application-autoscaling", autoscaling);
    return client;
  });
  const codedeploy = lazyClient(async () => {
    const { CodeDeployClient } = await import("@aws-sdk/client-codedeploy");
    // Pinned apart from the other clients: client-codedeploy has no 3.1162.0 release (README, Dependencies).
    const client = new CodeDeployClient(sharedConfig(options) as CodeDeployClientConfig);
    instrument(client.middlewareStack, client.config, "codedeploy", codedeploy);
    return client;
  });
  let tagging: Promise<ResourceGroupsTaggingAPIClient> | undefined;
  instrument(ecs.middlewareStack, ecs.config, "ecs");
  instrument(events.middlewareStack, events.config, "events");
  const clients: AwsClients = {
    ecs,
    events,
    scheduler,
    autoscaling,
    codedeploy,
    calls,
    rateLimiter,
    tagging: () => (tagging ??= createTaggingClient(options, calls, capped)),
  };
  taggingClients.set(clients, () => tagging);
  return clients;
}

/** The tagging client a client set made, if it made one (destroyAwsClients). */
const taggingClients = new WeakMap<AwsClients, () => Promise<ResourceGroupsTaggingAPIClient> | undefined>();

async function createTaggingClient(
  options: AwsClientOptions,
  calls: CallAccounting,
  capped: number | undefined,
): Promise<ResourceGroupsTaggingAPIClient> {
  const { ResourceGroupsTaggingAPIClient } = await import("@aws-sdk/client-resource-groups-tagging-api");
  const tagging = new ResourceGroupsTaggingAPIClient(sharedConfig(options));
  applyNodeVersionWarning(tagging.middlewareStack);
  calls.applyTo(tagging.middlewareStack, "tag");
  // Not paced: a cold start sends ⌈rules/100⌉ of these, once.
  if (options.accountIdHeader !== undefined) applyMotoAccountHeader(tagging.middlewareStack, options.accountIdHeader);
  if (capped !== undefined) capOtherErrors(tagging.config, capped, options);
  return tagging;
}

function throttledAttempts(maxAttempts: number): number {
  return maxAttempts > 1 ? Math.max(maxAttempts, THROTTLED_MAX_ATTEMPTS) : maxAttempts;
}

type RetryConfig = { retryStrategy: () => Promise<RetryStrategy>; requestHandler?: unknown };

function isRetryStrategyV2(strategy: RetryStrategy): strategy is RetryStrategyV2 {
  return "acquireInitialRetryToken" in strategy && "refreshRetryTokenForRetry" in strategy;
}

/** The client's retry strategy: other errors held to `maxAttempts`, throttles retried outside its quota (throttle-retry.ts). */
function capOtherErrors(config: RetryConfig, maxAttempts: number, options: AwsClientOptions): void {
  const resolve = config.retryStrategy;
  const throttle = {
    maxAttempts,
    throttledMaxAttempts: options.throttledMaxAttempts ?? throttledAttempts(maxAttempts),
    throttledBaseDelayMs: options.throttledBaseDelayMs,
  };
  let wrapped: Promise<RetryStrategy> | undefined;
  config.retryStrategy = () =>
    (wrapped ??= resolve().then((strategy) => (isRetryStrategyV2(strategy) ? tolerateThrottling(strategy, throttle) : strategy)));
}

/** The region the clients resolved (flag, env or profile). */
export async function resolveRegion(clients: AwsClients): Promise<string> {
  return clients.ecs.config.region();
}

/** Closes the clients' keep-alive sockets (CLI exit, tests). */
export function destroyAwsClients(clients: AwsClients): void {
  clients.ecs.destroy();
  clients.events.destroy();
  clients.scheduler.destroy();
  clients.autoscaling.destroy();
  void taggingClients
    .get(clients)?.()
    ?.then((tagging) => tagging.destroy())
    .catch(() => undefined);
  clients.codedeploy.destroy();
}
