import { describe, expect, it } from "vitest";
import { CallAccounting } from "../../../src/aws/call-accounting.js";
import type { AwsClients } from "../../../src/aws/clients.js";
import { applyPlan } from "../../../src/engine/applier.js";
import { arnPlaceholder } from "../../../src/resources/types.js";
import type { Action } from "../../../src/resources/types.js";

type Sent = { operation: string; input: Record<string, unknown> };

/**
 * Clients whose `send` records each command and answers when the test says so: `answer(i)`
 * settles the i-th request (RegisterTaskDefinition gets an ARN for its family).
 */
function scriptedClients(options: { failFamilies?: string[] } = {}) {
  const sent: Sent[] = [];
  const settle: (() => void)[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const send = (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const operation = command.constructor.name.replace(/Command$/, "");
    sent.push({ operation, input: command.input });
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise((resolve, reject) => {
      settle.push(() => {
        inFlight -= 1;
        const family = String(command.input["family"] ?? "");
        if (operation === "RegisterTaskDefinition" && options.failFamilies?.includes(family)) {
          reject(Object.assign(new Error("bad"), { name: "ClientException", $metadata: { httpStatusCode: 400 } }));
        } else if (operation === "RegisterTaskDefinition") {
          resolve({
            taskDefinition: { taskDefinitionArn: `arn:aws:ecs:us-east-1:123456789012:task-definition/${family}:1`, family, revision: 1 },
          });
        } else resolve({});
      });
    });
  };
  const aws = { ecs: { send }, events: { send }, calls: new CallAccounting() } as unknown as AwsClients;
  const drain = async () => {
    // Answer everything sent so far, then let the applier react, until nothing new is sent.
    for (let answered = 0; ;) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (answered === settle.length) return;
      while (answered < settle.length) settle[answered++]?.();
    }
  };
  return { aws, sent, drain, maxInFlight: () => maxInFlight, answerNext: (i: number) => settle[i]?.() };
}

const register = (family: string): Action => ({
  type: "create",
  key: `TaskDefinition/${family}`,
  kind: "TaskDefinition",
  changes: [],
  calls: [{ operation: "ecs:RegisterTaskDefinition", input: { family, containerDefinitions: [] } }],
});

const createService = (name: string, family: string): Action => ({
  type: "create",
  key: `Service/shop/${name}`,
  kind: "Service",
  changes: [],
  calls: [
    {
      operation: "ecs:CreateService",
      input: { cluster: "shop", serviceName: name, taskDefinition: arnPlaceholder(`TaskDefinition/${family}`) },
    },
  ],
});

const updateCount = (name: string): Action => ({
  type: "update",
  key: `Service/shop/${name}`,
  kind: "Service",
  changes: [],
  calls: [{ operation: "ecs:UpdateService", input: { cluster: "shop", service: name, desiredCount: 2 } }],
});

describe("applyPlan", () => {
  it("creates a service only once the revision it needs is registered, with that revision's ARN", async () => {
    const { aws, sent, answerNext, drain } = scriptedClients();
    const applied = applyPlan(aws, [register("web"), createService("web", "web")]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sent.map((s) => s.operation)).toEqual(["RegisterTaskDefinition"]);
    answerNext(0);
    await drain();
    const { outcomes, writes } = await applied;
    expect(sent.map((s) => s.operation)).toEqual(["RegisterTaskDefinition", "CreateService"]);
    // Apply returns the writes it made, in order, with what AWS answered: the caller's caches follow them.
    expect(writes.map((w) => [w.key, w.call.operation, "output" in w])).toEqual([
      ["TaskDefinition/web", "ecs:RegisterTaskDefinition", true],
      ["Service/shop/web", "ecs:CreateService", true],
    ]);
    expect(sent[1]?.input["taskDefinition"]).toBe("arn:aws:ecs:us-east-1:123456789012:task-definition/web:1");
    expect(outcomes.map((o) => o.outcome)).toEqual(["applied", "applied"]);
  });

  it("sends independent writes side by side, never more than the concurrency at once", async () => {
    const { aws, sent, drain, maxInFlight } = scriptedClients();
    const actions = Array.from({ length: 10 }, (_, i) => updateCount(`s${i}`));
    const applied = applyPlan(aws, actions, { concurrency: 3 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sent).toHaveLength(3);
    await drain();
    await applied;
    expect(sent).toHaveLength(10);
    expect(maxInFlight()).toBe(3);
  });

  it("does not hold back a service that needs nothing while a registration is in flight", async () => {
    const { aws, sent, drain } = scriptedClients();
    const applied = applyPlan(aws, [register("web"), createService("web", "web"), updateCount("worker")]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sent.map((s) => s.operation)).toEqual(["RegisterTaskDefinition", "UpdateService"]);
    await drain();
    await applied;
  });

  it("fails the dependents of a failed registration as DependencyNotReady and applies the rest, reporting in plan order", async () => {
    const { aws, drain } = scriptedClients({ failFamilies: ["web"] });
    const applied = applyPlan(aws, [register("web"), register("api"), createService("web", "web"), createService("api", "api")]);
    await drain();
    const { outcomes, writes } = await applied;
    // The failed registration is reported as a failed write (it may have landed); the dependent never wrote.
    expect(writes.filter((w) => !("output" in w)).map((w) => [w.key, w.call.operation])).toEqual([
      ["TaskDefinition/web", "ecs:RegisterTaskDefinition"],
    ]);
    expect(outcomes.map((o) => [o.key, o.outcome, o.outcome === "failed" ? o.error.code : undefined])).toEqual([
      ["TaskDefinition/web", "failed", "InvalidRequest"],
      ["TaskDefinition/api", "applied", undefined],
      ["Service/shop/web", "failed", "DependencyNotReady"],
      ["Service/shop/api", "applied", undefined],
    ]);
  });
});
