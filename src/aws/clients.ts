import { ECSClient } from "@aws-sdk/client-ecs";
import type { ECSClientConfig } from "@aws-sdk/client-ecs";
import type { RetryStrategyV2 } from "@smithy/types";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { CodeDeployClient } from "@aws-sdk/client-codedeploy";
import type { CodeDeployClientConfig } from "@aws-sdk/client-codedeploy";
import type { EventBridgeClientConfig } from "@aws-sdk/client-eventbridge";
import { applyMotoAccountHeader } from "./account-header.js";
import { CallAccounting } from "./call-accounting.js";
import { applyNodeVersionWarning, deferSdkNodeWarning } from "./node-version-warning.js";
import { applyLandedCheck } from "./landed-check.js";
import { applyRateLimit, RateLimiter } from "./rate-limit.js";
import { THROTTLED_MAX_ATTEMPTS, tolerateThrottling } from "./throttle-retry.js";

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

export type AwsClients = {
  readonly ecs: ECSClient;
  readonly events: EventBridgeClient;
  /** Blue/green (CODE_DEPLOY) services deploy through it (codedeploy.ts). */
  readonly codedeploy: CodeDeployClient;
  readonly calls: CallAccounting;
  /** The pacing both clients share; undefined when created with `rateLimit: false`. */
  readonly rateLimiter?: RateLimiter | undefined;
};

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
 * One ECS and one EventBridge client, configured alike: standard retry mode with few attempts,
 * bounded timeouts, call accounting and client-side rate limiting on both, and the moto account
 * header in tests. Retries of non-idempotent ECS writes first check whether the earlier attempt
 * landed (landed-check.ts).
 */
export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const calls = options.calls ?? new CallAccounting();
  deferSdkNodeWarning();
  const ecs = new ECSClient(sharedConfig(options));
  const events = new EventBridgeClient(sharedConfig(options));
  // Pinned apart from the other clients: client-codedeploy has no 3.1162.0 release (README, Dependencies).
  const codedeploy = new CodeDeployClient(sharedConfig(options) as CodeDeployClientConfig);
  applyNodeVersionWarning(ecs.middlewareStack);
  applyNodeVersionWarning(events.middlewareStack);
  calls.applyTo(ecs.middlewareStack, "ecs");
  calls.applyTo(events.middlewareStack, "events");
  calls.applyTo(codedeploy.middlewareStack, "codedeploy");
  const rateLimiter = rateLimiterFor(options.rateLimit);
  if (rateLimiter !== undefined) {
    applyRateLimit(ecs.middlewareStack, "ecs", rateLimiter);
    applyRateLimit(events.middlewareStack, "events", rateLimiter);
    applyRateLimit(codedeploy.middlewareStack, "codedeploy", rateLimiter);
  }
  if (options.accountIdHeader !== undefined) {
    applyMotoAccountHeader(ecs.middlewareStack, options.accountIdHeader);
    applyMotoAccountHeader(events.middlewareStack, options.accountIdHeader);
    applyMotoAccountHeader(codedeploy.middlewareStack, options.accountIdHeader);
  }
  const capped = options.retryStrategy === undefined ? (options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS) : options.maxAttempts;
  if (capped !== undefined) {
    capOtherErrors(ecs.config, capped);
    capOtherErrors(events.config, capped);
    capOtherErrors(codedeploy.config, capped);
  }
  const clients: AwsClients = { ecs, events, codedeploy, calls, rateLimiter };
  applyLandedCheck(ecs.middlewareStack, "ecs", () => clients, calls);
  applyLandedCheck(codedeploy.middlewareStack, "codedeploy", () => clients, calls);
  return clients;
}

function throttledAttempts(maxAttempts: number): number {
  return maxAttempts > 1 ? Math.max(maxAttempts, THROTTLED_MAX_ATTEMPTS) : maxAttempts;
}

type RetryConfig = { retryStrategy: () => Promise<RetryStrategy> };

function isRetryStrategyV2(strategy: RetryStrategy): strategy is RetryStrategyV2 {
  return "acquireInitialRetryToken" in strategy && "refreshRetryTokenForRetry" in strategy;
}

/** The client's retry strategy, with errors other than throttling held to `maxAttempts` (throttle-retry.ts). */
function capOtherErrors(config: RetryConfig, maxAttempts: number): void {
  const resolve = config.retryStrategy;
  let wrapped: Promise<RetryStrategy> | undefined;
  config.retryStrategy = () =>
    (wrapped ??= resolve().then((strategy) => (isRetryStrategyV2(strategy) ? tolerateThrottling(strategy, maxAttempts) : strategy)));
}

/** The region the clients resolved (flag, env or profile). */
export async function resolveRegion(clients: AwsClients): Promise<string> {
  return clients.ecs.config.region();
}

/** Closes the clients' keep-alive sockets (CLI exit, tests). */
export function destroyAwsClients(clients: AwsClients): void {
  clients.ecs.destroy();
  clients.events.destroy();
  clients.codedeploy.destroy();
}
