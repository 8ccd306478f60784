import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAwsClients } from "../../src/aws/clients.js";
import type { AwsClientOptions } from "../../src/aws/clients.js";
import { RateLimiter, registerThrottleCategories } from "../../src/aws/rate-limit.js";
import { executeCall } from "../../src/aws/write.js";
import { fencedWrite, requireFencedWrites } from "../../src/aws/write-fence.js";
import { assertAllCalled, aws, FAKE_ENDPOINT, failure, isolateNetwork, REGION, replyError, replyJson, restoreNetwork } from "./aws-nock.js";

// The Scheduler, Application Auto Scaling and CodeDeploy clients are built, and their SDK modules
// imported, only when a call needs them (docs/scale.md#lazy-sdk-clients; test/unit/aws/on-first-use.test.ts
// keeps their modules off the controller's static import graph); built late, each must still go
// through every middleware the ECS client has.

const ACCOUNT_HEADER = "444455556666";

beforeAll(isolateNetwork);
afterEach(assertAllCalled);
afterAll(restoreNetwork);

function clients(options: AwsClientOptions = {}) {
  return createAwsClients({
    region: REGION,
    endpoint: FAKE_ENDPOINT,
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret" },
    maxAttempts: 2,
    throttledMaxAttempts: 4,
    throttledBaseDelayMs: 0,
    accountIdHeader: ACCOUNT_HEADER,
    ...options,
  });
}

const target = { ServiceNamespace: "ecs", ResourceId: "service/prod/web", ScalableDimension: "ecs:service:DesiredCount" } as const;

describe("clients built on first use", () => {
  it("are not constructed by createAwsClients nor by ECS calls, and once on first use", async () => {
    const sdk = clients();
    expect([sdk.scheduler.built(), sdk.autoscaling.built(), sdk.codedeploy.built()]).toEqual([undefined, undefined, undefined]);
    replyJson(aws("ecs", "UpdateService"), { service: { serviceName: "web" } });
    await executeCall(sdk, { operation: "ecs:UpdateService", input: { cluster: "prod", service: "web", desiredCount: 1 } });
    expect([sdk.scheduler.built(), sdk.autoscaling.built(), sdk.codedeploy.built()]).toEqual([undefined, undefined, undefined]);
    const [first, second] = await Promise.all([sdk.autoscaling.client(), sdk.autoscaling.client()]);
    expect(first).toBe(second);
    expect(sdk.autoscaling.built()).toBe(first);
    expect(sdk.scheduler.built()).toBeUndefined();
  });

  it("carry the same ecs-gitops middleware, in the same order, as the ECS client", async () => {
    const sdk = clients({ rateLimit: 0.5 });
    const ours = (stack: { identify(): string[] }) => stack.identify().filter((name) => name.startsWith("ecsGitops"));
    const expected = ours(sdk.ecs.middlewareStack);
    expect(expected).toEqual(
      expect.arrayContaining(["ecsGitopsLandedCheck - after retryMiddleware", "ecsGitopsWriteFence - before httpSigningMiddleware"]),
    );
    for (const lazy of [sdk.scheduler, sdk.autoscaling, sdk.codedeploy])
      expect(ours((await lazy.client()).middlewareStack)).toEqual(expected);
  });

  it("count their calls, take rate-limit tokens and send the moto account header", async () => {
    // As the scalable target kind declares it at start-up.
    registerThrottleCategories("test", [
      { service: "application-autoscaling", operation: "DescribeScalableTargets", throttle: "application-autoscaling:api" },
    ]);
    const limiter = new RateLimiter({ fraction: 1 });
    const sdk = clients({ rateLimit: limiter });
    replyJson(aws("application-autoscaling", "DescribeScalableTargets").matchHeader("x-moto-account-id", ACCOUNT_HEADER), {
      ScalableTargets: [],
    });
    await sdk.autoscaling.send(new (await import("@aws-sdk/client-application-auto-scaling")).DescribeScalableTargetsCommand(target));
    expect(sdk.calls.snapshot().byOperation["application-autoscaling:DescribeScalableTargets"]).toMatchObject({ calls: 1, attempts: 1 });
    expect(limiter.stats()["application-autoscaling:api"]).toMatchObject({ requests: 1 });
  });

  it("retry throttles past maxAttempts and other errors only up to it", async () => {
    const sdk = clients();
    replyError(aws("application-autoscaling", "RegisterScalableTarget").times(3), 400, "ThrottlingException", "Rate exceeded");
    replyJson(aws("application-autoscaling", "RegisterScalableTarget"), {});
    await executeCall(sdk, { operation: "application-autoscaling:RegisterScalableTarget", input: { ...target, MinCapacity: 1 } });
    replyError(aws("application-autoscaling", "RegisterScalableTarget").times(2), 500, "InternalServiceException", "boom");
    expect((await failure(executeCall(sdk, { operation: "application-autoscaling:RegisterScalableTarget", input: target }))).code).toBe(
      "AwsUnavailable",
    );
    const stats = sdk.calls.snapshot().byOperation["application-autoscaling:RegisterScalableTarget"];
    expect(stats).toMatchObject({ calls: 2, attempts: 6, throttles: 3, errors: 1 });
  });

  it("refuse a write outside fencedWrite once leasing is on, and check the fence again at dispatch", async () => {
    const sdk = requireFencedWrites(clients());
    const { CreateScheduleCommand } = await import("@aws-sdk/client-scheduler");
    const { CreateDeploymentCommand } = await import("@aws-sdk/client-codedeploy");
    const { RegisterScalableTargetCommand } = await import("@aws-sdk/client-application-auto-scaling");
    const writes: (() => Promise<unknown>)[] = [
      () =>
        sdk.scheduler.send(
          new CreateScheduleCommand({
            Name: "n",
            ScheduleExpression: "rate(1 day)",
            Target: undefined as never,
            FlexibleTimeWindow: { Mode: "OFF" },
          }),
        ),
      () => sdk.autoscaling.send(new RegisterScalableTargetCommand({ ...target, MinCapacity: 1 })),
      () => sdk.codedeploy.send(new CreateDeploymentCommand({ applicationName: "a", deploymentGroupName: "g" })),
    ];
    // No interceptor: a request that went out would fail as a network error, not as these.
    for (const write of writes) expect(await write().catch((e: unknown) => e)).toMatchObject({ code: "Internal" });
    // Let through by the check before signing, refused by the one right before dispatch (it asks for a minimum window).
    const fenced = {
      ...sdk,
      writeFence: (_key: string, _operation?: string, minWindowMs?: number) => (minWindowMs === undefined ? undefined : "lease lost"),
    };
    for (const write of writes) {
      const refused = await fencedWrite(fenced, "ScalableTarget/prod/web", write).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: "LeaseLost", message: expect.stringContaining("checked again right before sending") });
    }
  });
});
