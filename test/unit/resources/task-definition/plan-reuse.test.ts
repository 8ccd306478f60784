import { describe, expect, it } from "vitest";
import type { JsonObject, JsonValue } from "../../../../src/json.js";
import { onePerObject } from "../../../../src/resources/common/memo.js";
import { specHash } from "../../../../src/resources/task-definition/hash.js";
import { normalizeTaskDefinition } from "../../../../src/resources/task-definition/normalize.js";
import { planTaskDefinition } from "../../../../src/resources/task-definition/plan.js";
import type { LiveTaskDefinition } from "../../../../src/resources/task-definition/plan.js";
import { OWNER_TAG, SOURCE_TAG, SPEC_HASH_TAG } from "../../../../src/resources/types.js";
import { manifestOf, planContext } from "../builders.js";

const ARN = "arn:aws:ecs:us-east-1:123456789012:task-definition/api:7";

const spec = (image: string): JsonObject => ({
  requiresCompatibilities: ["FARGATE"],
  networkMode: "awsvpc",
  cpu: "512",
  memory: "2048",
  containerDefinitions: [{ name: "api", image, essential: true, portMappings: [{ containerPort: 8080 }] }],
});

/** A deep read-only view of `value` that counts every property read, at any depth. */
function counted<T extends JsonValue>(value: T, reads: { n: number }): T {
  if (value === null || typeof value !== "object") return value;
  return new Proxy(value, {
    get(target, property, receiver) {
      reads.n += 1;
      return counted(Reflect.get(target, property, receiver) as JsonValue, reads);
    },
  }) as T;
}

function liveRevision(taskDefinition: JsonObject): LiveTaskDefinition {
  return {
    arn: ARN,
    revision: 7,
    taskDefinition,
    tags: { [OWNER_TAG]: "ecs-gitops", [SOURCE_TAG]: "api.yaml", [SPEC_HASH_TAG]: specHash(normalizeTaskDefinition(spec("api:1.4"))) },
  };
}

describe("planning a task definition again with the same manifest and cached revision", () => {
  it("does not normalize either side again: a no-op resync re-plans from what it already computed", () => {
    const specReads = { n: 0 };
    const liveReads = { n: 0 };
    const manifest = manifestOf("TaskDefinition", "api", counted(spec("api:1.4"), specReads));
    const cached = liveRevision(counted({ ...spec("api:1.4"), family: "api", revision: 7, status: "ACTIVE" }, liveReads));

    expect(planTaskDefinition(manifest, [cached], planContext()).action.type).toBe("noop");
    expect(specReads.n).toBeGreaterThan(0);
    expect(liveReads.n).toBeGreaterThan(0);
    specReads.n = 0;
    liveReads.n = 0;

    const again = planTaskDefinition(manifest, [cached], planContext());
    expect(again.action.type).toBe("noop");
    expect(again.resolved).toEqual({ state: "known", arn: ARN });
    expect(specReads.n).toBe(0);
    expect(liveReads.n).toBe(0);
  });

  it("still sees the next commit's change: a new manifest is normalized afresh against the same cached revision", () => {
    const cached = liveRevision({ ...spec("api:1.4"), family: "api", revision: 7, status: "ACTIVE" });
    expect(planTaskDefinition(manifestOf("TaskDefinition", "api", spec("api:1.4")), [cached], planContext()).action.type).toBe("noop");

    const next = planTaskDefinition(manifestOf("TaskDefinition", "api", spec("api:1.5")), [cached], planContext());
    expect(next.action).toMatchObject({
      type: "update",
      changes: [{ path: "/containerDefinitions/0/image", desired: "api:1.5", live: "api:1.4" }],
    });
    expect(next.specHash).toBe(specHash(normalizeTaskDefinition(spec("api:1.5"))));
  });
});

describe("onePerObject", () => {
  it("computes once per object, and separately for an equal but different object", () => {
    let computed = 0;
    const size = onePerObject((value: { items: number[] }) => {
      computed += 1;
      return value.items.length;
    });
    const first = { items: [1, 2, 3] };
    expect([size(first), size(first), size(first)]).toEqual([3, 3, 3]);
    expect(computed).toBe(1);
    expect(size({ items: [1, 2, 3] })).toBe(3);
    expect(computed).toBe(2);
  });
});
