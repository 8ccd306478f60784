import { describe, expect, it, vi } from "vitest";
import * as structural from "../../../../src/diff/structural.js";
import type { JsonObject } from "../../../../src/json.js";
import { specHash } from "../../../../src/resources/task-definition/hash.js";
import { normalizeTaskDefinition } from "../../../../src/resources/task-definition/normalize.js";
import { planTaskDefinition } from "../../../../src/resources/task-definition/plan.js";
import type { LiveTaskDefinition } from "../../../../src/resources/task-definition/plan.js";
import { OWNER_TAG, SOURCE_TAG, SPEC_HASH_TAG } from "../../../../src/resources/types.js";
import { manifestOf, planContext } from "../builders.js";

// Counts the structural diffs planning runs, still running the real one.
vi.mock("../../../../src/diff/structural.js", async (original) => {
  const actual = await original<typeof structural>();
  return { ...actual, diffValues: vi.fn(actual.diffValues) };
});

const spec = (image: string): JsonObject => ({
  requiresCompatibilities: ["EC2"],
  memory: "300",
  containerDefinitions: [{ name: "worker", image, essential: true, command: ["run", "--queue", "jobs"] }],
});

const cached: LiveTaskDefinition = {
  arn: "arn:aws:ecs:eu-west-1:210987654321:task-definition/worker:12",
  revision: 12,
  taskDefinition: { ...spec("worker:3"), family: "worker", revision: 12, status: "ACTIVE" },
  tags: { [OWNER_TAG]: "ecs-gitops", [SOURCE_TAG]: "worker.yaml", [SPEC_HASH_TAG]: specHash(normalizeTaskDefinition(spec("worker:3"))) },
};

describe("a resync comparing the same manifest with the same cached revision", () => {
  it("diffs the pair once while it is equal, and diffs a changed manifest afresh", () => {
    const diffs = vi.mocked(structural.diffValues);
    const manifest = manifestOf("TaskDefinition", "worker", spec("worker:3"));
    expect(planTaskDefinition(manifest, [cached], planContext()).action.type).toBe("noop");
    const first = diffs.mock.calls.length;
    expect(first).toBeGreaterThan(0);

    for (let resync = 0; resync < 3; resync += 1) expect(planTaskDefinition(manifest, [cached], planContext()).action.type).toBe("noop");
    expect(diffs.mock.calls.length).toBe(first);

    const changed = planTaskDefinition(manifestOf("TaskDefinition", "worker", spec("worker:4")), [cached], planContext());
    expect(changed.action).toMatchObject({ type: "update", changes: [{ path: "/containerDefinitions/0/image", desired: "worker:4" }] });
    expect(diffs.mock.calls.length).toBeGreaterThan(first);
  });
});
