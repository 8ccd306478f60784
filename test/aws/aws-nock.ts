// Wire-format helpers for the nock suites: AWS JSON 1.1 (`POST /`, `X-Amz-Target`), errors as
// HTTP 4xx/5xx with `{"__type": "<Code>", "message": "…"}` (docs/moto.md#wire-format).
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import nock from "nock";
import { createAwsClients } from "../../src/aws/clients.js";
import type { AwsClients } from "../../src/aws/clients.js";
import { isEcsGitopsError } from "../../src/errors.js";
import type { EcsGitopsError } from "../../src/errors.js";

export const FAKE_ENDPOINT = "http://aws.test";
export const ACCOUNT = "111122223333";
export const REGION = "us-east-1";

const TARGET_PREFIX = {
  ecs: "AmazonEC2ContainerServiceV20141113",
  events: "AWSEvents",
  "application-autoscaling": "AnyScaleFrontendService",
  codedeploy: "CodeDeploy_20141006",
} as const;
export type Service = keyof typeof TARGET_PREFIX;

const JSON_11 = { "content-type": "application/x-amz-json-1.1" };

/** Clients against the fake endpoint: static test credentials, retries that do not sleep. */
export function fakeClients(options: { maxAttempts?: number; requestTimeoutMs?: number } = {}): AwsClients {
  const maxAttempts = options.maxAttempts ?? 3;
  return createAwsClients({
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    region: REGION,
    endpoint: FAKE_ENDPOINT,
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret" },
    maxAttempts,
    throttledMaxAttempts: maxAttempts,
    throttledBaseDelayMs: 0,
    retryStrategy: new ConfiguredRetryStrategy(maxAttempts, 0),
  });
}

export type RequestBody = Record<string, unknown>;

/**
 * An interceptor for one operation; `match` filters on the parsed JSON request body (e.g. the
 * `nextToken` of the page being asked for).
 */
export function aws(service: Service, operation: string, match?: (body: RequestBody) => boolean): nock.Interceptor {
  return nock(FAKE_ENDPOINT)
    .post("/", (body: RequestBody) => match === undefined || match(body))
    .matchHeader("x-amz-target", `${TARGET_PREFIX[service]}.${operation}`);
}

export function replyJson(interceptor: nock.Interceptor, body: object, status = 200): nock.Scope {
  return interceptor.reply(status, JSON.stringify(body), JSON_11);
}

export function replyError(interceptor: nock.Interceptor, status: number, type: string, message: string): nock.Scope {
  return interceptor.reply(status, JSON.stringify({ __type: type, message }), JSON_11);
}

/** Call in beforeAll/afterEach: no real network, and every expected request was made. */
export function isolateNetwork(): void {
  nock.disableNetConnect();
}

export function assertAllCalled(): void {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  if (pending.length > 0) throw new Error(`nock interceptors not called: ${pending.join(", ")}`);
}

export function restoreNetwork(): void {
  nock.cleanAll();
  nock.enableNetConnect();
}

/** The EcsGitopsError a call failed with; fails the test when it succeeded or threw something else. */
export async function failure(promise: Promise<unknown>): Promise<EcsGitopsError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isEcsGitopsError(error)) throw new Error(`expected an EcsGitopsError, got ${String(error)}`);
  return error;
}
