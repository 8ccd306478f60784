import { describe, expect, it } from "vitest";
import { decide } from "../../../src/controller/policy.js";
import type { PolicyInput } from "../../../src/controller/policy.js";
import { planService } from "../../../src/resources/service/plan.js";
import { planContext, resolverOf } from "../resources/builders.js";
import { live, spec, TD3, web } from "../resources/service/web-service.js";
import { DRIFTED } from "./policy-inputs.js";

// decide() is handed the paths the plan left; an ignored path must never reach it. This follows
// one hand change from the plan to the verdict: healed when git manages the field, in sync when
// an ignore-differences annotation names it.

function verdictFor(annotations: Record<string, string>): ReturnType<typeof decide> {
  // The live service after our last apply of spec(), with desiredCount changed by hand to 9.
  const scaledByHand = live({ desiredCount: 9 });
  const action = planService(web(spec(), { annotations }), scaledByHand, planContext({ resolveTaskDefinition: resolverOf({ web: TD3 }) }));
  if (action.type === "blocked") throw new Error(`unexpected blocked plan: ${action.reason}`);
  const input: PolicyInput = {
    ...DRIFTED,
    action: action.type,
    changedPaths: action.changes.map((change) => change.path),
    selfHeal: true,
  };
  return decide(input);
}

describe("an ignored path from plan to verdict", () => {
  it("heals a hand change to a field git manages", () => {
    expect(verdictFor({})).toMatchObject({ verdict: "heal" });
  });

  it("is in sync, with no heal, when the only difference is an ignored path", () => {
    expect(verdictFor({ "ecs-gitops/ignore-differences": "desiredCount" })).toMatchObject({
      verdict: "in-sync",
      reason: "NoDifference",
      sync: "Synced",
    });
  });
});
