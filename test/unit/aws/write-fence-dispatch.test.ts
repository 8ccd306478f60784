import type { FinalizeRequestMiddleware } from "@smithy/types";
import type { ServiceInputTypes, ServiceOutputTypes } from "@aws-sdk/client-ecs";
import nock from "nock";
// The plug-ins declare which bucket paces each call and which writes are checked for landing.
import "../../../src/resources/registry.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { executeCall, fencedWrite } from "../../../src/aws/index.js";
import type { AwsClients } from "../../../src/aws/index.js";
import { MIN_ATTEMPT_WINDOW_MS } from "../../../src/aws/dispatch-fence.js";
import type { PlannedCall } from "../../../src/resources/types.js";
import { assertAllCalled, aws, failure, fakeClients, isolateNetwork, replyJson, restoreNetwork } from "../../aws/aws-nock.js";

/*
 * The fence is checked before signing; these attempts pass that check and then lose the window
 * before the bytes would leave (a stall, a slow chain, a slow answer). None may reach AWS after
 * the window closed.
 */

/** A lease window on the real clock, as LeaseManager keeps it: valid until `until`. */
class Window {
  until: number;
  constructor(leftMs: number) {
    this.until = performance.now() + leftMs;
  }
  close(): void {
    this.until = performance.now();
  }
  readonly fence = (key: string): string | undefined => (performance.now() < this.until ? undefined : `${key}: the lease window closed`);
  readonly left = (): number => Math.max(0, this.until - performance.now());
}

const restart: PlannedCall = {
  operation: "ecs:UpdateService",
  input: { cluster: "green", service: "checkout", forceNewDeployment: true },
};

/** A middleware after signing, on the way to the request handler: where a stall puts time between the fence and the wire. */
function afterSigning(clients: AwsClients, run: () => void | Promise<void>): void {
  const middleware: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next) => async (args) => {
    await run();
    return next(args);
  };
  clients.ecs.middlewareStack.addRelativeTo(middleware, { relation: "after", toMiddleware: "httpSigningMiddleware", name: "testStall" });
}

function leased(window: Window) {
  const clients = fakeClients({ maxAttempts: 3 });
  return { clients, fenced: { ...clients, writeFence: window.fence, writeWindowMs: window.left } };
}

describe("the fence checked again right before dispatch", () => {
  beforeAll(isolateNetwork);
  afterEach(assertAllCalled);
  afterAll(restoreNetwork);

  it("a write whose window closed after the fence middleware let it through is not sent", async () => {
    const window = new Window(10_000);
    const { clients, fenced } = leased(window);
    afterSigning(clients, () => window.close());
    const interceptor = aws("ecs", "UpdateService");
    let sent = 0;
    interceptor.reply(200, () => ((sent += 1), {}));
    const error = await failure(fencedWrite(fenced, "Service/green/checkout", () => executeCall(fenced, restart)));
    expect(error).toMatchObject({ code: "LeaseLost", where: "Service/green/checkout" });
    expect(error.message).toMatch(/checked again right before sending/);
    expect(sent).toBe(0);
    nock.removeInterceptor(interceptor);
  });

  it("an event-loop stall in the middleware chain past the window's end: nothing is sent", async () => {
    const window = new Window(300);
    const { clients, fenced } = leased(window);
    // Synchronous, as a long GC or a CPU-bound plan on the same loop would be.
    afterSigning(clients, () => {
      for (const end = performance.now() + 400; performance.now() < end;);
    });
    const interceptor = aws("ecs", "UpdateService");
    let sent = 0;
    interceptor.reply(200, () => ((sent += 1), {}));
    const error = await failure(fencedWrite(fenced, "Service/green/checkout", () => executeCall(fenced, restart)));
    expect(error.code).toBe("LeaseLost");
    expect(sent).toBe(0);
    nock.removeInterceptor(interceptor);
  });

  it(`with less than ${MIN_ATTEMPT_WINDOW_MS} ms of the window left, the attempt is not sent`, async () => {
    const window = new Window(MIN_ATTEMPT_WINDOW_MS - 100);
    const { fenced } = leased(window);
    const interceptor = aws("ecs", "UpdateService");
    let sent = 0;
    interceptor.reply(200, () => ((sent += 1), {}));
    const error = await failure(fencedWrite(fenced, "Service/green/checkout", () => executeCall(fenced, restart)));
    expect(error).toMatchObject({ code: "LeaseLost", where: "Service/green/checkout" });
    expect(error.message).toMatch(/ms of this replica's lease window was left/);
    expect(sent).toBe(0);
    nock.removeInterceptor(interceptor);
  });

  it("an answer that does not come within the window is aborted at its end; the landed check reads and the resend is refused", async () => {
    const window = new Window(800);
    const { clients, fenced } = leased(window);
    // The default request timeout is 30 s: only the window cuts this one short.
    aws("ecs", "UpdateService")
      .delay(5_000)
      .reply(200, { service: { serviceName: "checkout" } });
    replyJson(aws("ecs", "DescribeServices"), {
      services: [{ serviceName: "checkout", status: "ACTIVE", deployments: [] }],
      failures: [],
    });
    const started = performance.now();
    const error = await failure(fencedWrite(fenced, "Service/green/checkout", () => executeCall(fenced, restart)));
    const tookMs = performance.now() - started;
    expect(error).toMatchObject({ code: "LeaseLost", where: "Service/green/checkout" });
    expect(tookMs).toBeGreaterThanOrEqual(700);
    expect(tookMs).toBeLessThan(4_000);
    expect(clients.calls.snapshot().byOperation["ecs:UpdateService"]?.attempts).toBe(1);
    expect(clients.calls.snapshot().byOperation["ecs:DescribeServices"]?.calls).toBe(1);
  });

  it("a read sent from inside a write attempt's chain is not taken for that write at dispatch", async () => {
    const window = new Window(10_000);
    const { clients, fenced } = leased(window);
    const describe: PlannedCall = { operation: "ecs:DescribeServices", input: { cluster: "green", services: ["checkout"] } };
    let inside = 0;
    afterSigning(clients, async () => {
      if (inside++ > 0) return;
      window.close();
      await executeCall(fenced, describe);
      window.until = performance.now() + 10_000;
    });
    replyJson(aws("ecs", "DescribeServices"), { services: [], failures: [] });
    replyJson(aws("ecs", "UpdateService"), { service: { serviceName: "checkout" } });
    await expect(fencedWrite(fenced, "Service/green/checkout", () => executeCall(fenced, restart))).resolves.toBeDefined();
  });

  it("sends as before while the window has room, with no fence at all, and for reads", async () => {
    const window = new Window(10_000);
    const { fenced } = leased(window);
    replyJson(aws("ecs", "UpdateService"), { service: { serviceName: "checkout" } });
    replyJson(aws("ecs", "DescribeServices"), { services: [], failures: [] });
    await expect(fencedWrite(fenced, "Service/green/checkout", () => executeCall(fenced, restart))).resolves.toBeDefined();
    window.close();
    await expect(
      executeCall(fenced, { operation: "ecs:DescribeServices", input: { cluster: "green", services: ["checkout"] } }),
    ).resolves.toBeDefined();
  });
});
